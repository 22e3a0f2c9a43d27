"""The bundled migrations (`storage/migrations/NNNN_name.sql`), in order."""

from __future__ import annotations

from importlib import resources

from storage.connect import StorageError


def migrations() -> list[tuple[int, str, str]]:
    """The bundled migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StorageError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


def schema_version() -> int:
    """The schema version this Frontline writes."""
    return len(migrations())
