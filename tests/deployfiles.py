"""Readers for the deployment files the tests check (deploy/, Dockerfile, .dockerignore):
a Dockerfile's instructions, the subset of YAML deploy/compose.yaml is written in, and
.dockerignore's matching. Small on purpose: no YAML or Dockerfile library is a dependency.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case), its text, the stage it is in."""

    keyword: str
    text: str
    stage: int

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD, ENTRYPOINT, RUN or HEALTHCHECK CMD, else None."""
        text = self.text
        if self.keyword == "HEALTHCHECK":
            text = text.partition(" CMD ")[2]
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) \
            else None


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """The instructions, continuation lines joined, comments dropped; stage 0 is the first FROM."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment between continuation lines
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, text = (pending + line).partition(" ")
        pending = ""
        keyword = keyword.upper()
        stage += keyword == "FROM"
        instructions.append(Instruction(keyword, text.strip(), stage))
    return instructions


def parse_yaml(text: str) -> Any:
    """The block mappings, block lists and scalars of `text` (no flow style, anchors or
    multi-line scalars: deploy/compose.yaml uses none). Scalars stay strings, unquoted."""
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        content = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if content.strip():
            lines.append((len(content) - len(content.lstrip()), content.strip()))
    value, end = _block(lines, 0, lines[0][0] if lines else 0)
    if end != len(lines):
        raise ValueError(f"unexpected indentation at {lines[end][1]!r}")
    return value


def _scalar(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        items: list[Any] = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
            item = lines[i][1][1:].strip()
            if not item or re.match(r"^[\w.-]+:(\s|$)", item):
                raise ValueError(f"only lists of scalars are read: {lines[i][1]!r}")
            items.append(_scalar(item))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        key, sep, rest = lines[i][1].partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            raise ValueError(f"expected key: value, got {lines[i][1]!r}")
        i += 1
        if rest.strip():
            mapping[_scalar(key)] = _scalar(rest.strip())
        elif i < len(lines) and lines[i][0] > indent:
            mapping[_scalar(key)], i = _block(lines, i, lines[i][0])
        else:
            mapping[_scalar(key)] = None
    return mapping, i


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, with `**`) as a regular expression."""
    out = ""
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern.strip("/")):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
            part, re.escape(part))
    return re.compile(out + r"\Z")


def dockerignored(relative: str, path: Path = ROOT / ".dockerignore") -> bool:
    """Whether Docker leaves `relative` (a path in the context) out of the build context:
    the last pattern that matches it or a folder above it decides; `!` keeps."""
    patterns = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        regex = _pattern(pattern.lstrip("!"))
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not keep
    return ignored
