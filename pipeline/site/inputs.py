"""The short cut for a rebuild with nothing changed: one digest over every input.

A rebuild must still read every transcript to know that none changed (content, never
modification times), but it need not build 10,000 views and keys to find that out.
Each build records the inputs it read: the catalogue, journeys, the theme and code,
the day (for "new this week"), and per resource its transcript and media record (by
content) and media files (by size, since the media record holds their content key).
The next build hashes the same inputs the same way; when the digest matches and
every site file is still there, there is nothing to do. Any difference, or a
record it cannot read, means an ordinary build, which is itself keyed per file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

RECORD_VERSION = 1
_MAGIC = "capture-site-inputs"
_MISSING = b"\x00missing\x00"


class InputLog:
    """The inputs of one build, in the order read, and their running digest."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self._digest = hashlib.sha1()  # noqa: S324 - a change detector, not security

    def content(self, path: str, data: bytes | None) -> None:
        self._add("c", path, data)

    def size(self, path: str, size: int | None) -> None:
        self._add("s", path, None if size is None else str(size).encode())

    def sha256(self, path: str, hexdigest: str | None) -> None:
        self._add("h", path, None if hexdigest is None else hexdigest.encode())

    def _add(self, kind: str, path: str, value: bytes | None) -> None:
        self.entries.append((kind, path))
        self._digest.update(_MISSING if value is None else value)
        self._digest.update(b"\x00")

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def reread(entries: list[tuple[str, str]]) -> str:
    """The digest of ``entries`` as they are now, hashed as :class:`InputLog` hashed them."""
    log = InputLog()
    for kind, path in entries:
        try:
            if kind == "c":
                with open(path, "rb") as handle:
                    log.content(path, handle.read())
            elif kind == "s":
                log.size(path, os.stat(path).st_size)
            else:
                from pipeline.fsutil import sha256_file

                log.sha256(path, sha256_file(Path(path)))
        except OSError:
            log._add(kind, path, None)
    return log.hexdigest()


def fixed_digest(parts: list[bytes]) -> str:
    digest = hashlib.sha1()  # noqa: S324
    for part in parts:
        digest.update(hashlib.sha1(part).digest())  # noqa: S324
    return digest.hexdigest()


@dataclass
class InputsRecord:
    fixed: str
    variable: str
    resources: int
    entries: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_record(path: Path) -> InputsRecord | None:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
        magic, version, fixed, variable, resources = lines[0].split(" ")
        if magic != _MAGIC or int(version) != RECORD_VERSION:
            return None
        entries, warnings = [], []
        for line in lines[1:]:
            if line:
                kind, entry_path = line.split("\t", 1)
                if kind == "w":
                    warnings.append(entry_path)
                else:
                    entries.append((kind, entry_path))
        return InputsRecord(fixed, variable, int(resources), entries, warnings)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def save_record(path: Path, record: InputsRecord) -> None:
    from pipeline.fsutil import atomic_write_text

    body = "".join(f"{kind}\t{entry}\n" for kind, entry in record.entries)
    body += "".join(f"w\t{' '.join(warning.split())}\n" for warning in record.warnings)
    atomic_write_text(path, f"{_MAGIC} {RECORD_VERSION} {record.fixed} {record.variable} {record.resources}\n{body}")
