"""Files: sendDocument and sendPhoto (uploaded, attached, by file_id or by URL), getFile, and
the download of a file's bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from telegram.request import RequestData

from bot.sandbox.checks import JSONDict, Response, bad
from bot.sandbox.html import caption_text
from bot.sandbox.methods.common import Body, chat_for_send, markup_and_reply, post
from bot.sandbox.methods.registry import method
from bot.sandbox.wire import message_json

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("sendDocument")
def send_document(world: World, params: JSONDict, request_data: RequestData | None) -> JSONDict:
    return _send_media(world, "document", params, request_data)


@method("sendPhoto")
def send_photo(world: World, params: JSONDict, request_data: RequestData | None) -> JSONDict:
    return _send_media(world, "photo", params, request_data)


def _send_media(
    world: World, field_name: str, params: JSONDict, request_data: RequestData | None
) -> JSONDict:
    chat_id = chat_for_send(world, params)
    caption = params.get("caption")
    parse_mode = params.get("parse_mode")
    wire, entities = caption_text(caption, parse_mode)
    markup, reply_to = markup_and_reply(world, chat_id, params)
    info, content = _upload(world, field_name, params, request_data)
    body = Body(caption, wire, entities, parse_mode, content=content)
    if field_name == "photo":
        width, height = _photo_size(content)
        body.photo = {
            "file_id": info["file_id"],
            "file_unique_id": info["file_unique_id"],
            "width": width,
            "height": height,
            "file_size": info["file_size"],
        }
    else:
        body.document = info
    msg = post(world, chat_id, body, markup, reply_to)
    return message_json(world, msg)


PHOTO_SIDE = 1280  # Telegram keeps a photo's largest size within 1280 px on its longer side


def _photo_size(content: bytes | None) -> tuple[int, int]:
    """The size Telegram gives the largest copy of a photo: the image's own, scaled down to
    `PHOTO_SIDE` on its longer side; 800×600 for bytes that are no image (a file_id or URL
    the sandbox never saw drawn)."""
    if content:
        try:
            from PIL import Image

            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
        except Exception:
            return 800, 600
        scale = min(1.0, PHOTO_SIDE / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))
    return 800, 600


def _upload(
    world: World, field_name: str, params: JSONDict, request_data: RequestData | None
) -> tuple[JSONDict, bytes | None]:
    """Find the file of a sendDocument/sendPhoto call: uploaded, attached or by file_id."""
    value = params.get(field_name)
    part: Any = None
    if request_data is not None and request_data.contains_files:
        files = request_data.multipart_data
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://") :])
        else:
            part = files.get(field_name)
    if part is not None:
        file_name, content, mime_type = part
        if not isinstance(content, bytes):
            content = content.read()
        return world.store_file(content, file_name or field_name, mime_type), content
    if isinstance(value, str) and value in world.files:
        stored = world.files[value]
        return stored.as_json(value), stored.content
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        name = value.rstrip("/").rpartition("/")[2] or "file"
        return world.store_file(b"", name, "application/octet-stream"), b""
    raise bad(f"wrong file identifier/HTTP URL specified for {field_name}")


@method("getFile")
def get_file(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    file_id = str(params.get("file_id"))
    stored = world.files.get(file_id)
    if stored is None:
        raise bad("invalid file_id")
    return {
        "file_id": file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.content),
        "file_path": f"sandbox-files/{file_id}/{stored.file_name}",
    }


def download(world: World, url: str) -> Response:
    """Answer a GET of a file path that getFile gave (the bytes, or 400 if unknown)."""
    _, sep, rest = url.partition("sandbox-files/")
    stored = world.files.get(rest.partition("/")[0]) if sep else None
    if stored is None:
        return bad("file not found in sandbox").response()
    return 200, stored.content
