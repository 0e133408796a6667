"""Atomic writes, locks and hashing: a crash leaves the old state or the new, never half."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import CaptureError

TEMP_PREFIX = ".capture-tmp-"


def explain_os_error(path: Path, exc: OSError) -> CaptureError:
    """What a failed write means for a person: a full disk, a read-only folder, or what the system said."""
    if exc.errno == errno.ENOSPC:
        return CaptureError(f"the disk is full while writing {path}; free some space and run the command again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CaptureError(f"cannot write {path}: permission denied or read-only; check the folder's permissions")
    return CaptureError(f"cannot write {path}: {exc.strerror or exc}")


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, then rename; ``mode`` (default 0644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, 0o644 if mode is None else mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise explain_os_error(path, exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def partial_path(path: Path) -> Path:
    """Where a long output is written before it is renamed into place."""
    return path.with_name(path.name + ".part")


@contextlib.contextmanager
def file_lock(lock_path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive advisory lock (flock) held for the block; the kernel releases it if the process dies.

    The one place capture takes a lock. With ``wait=False`` it does not wait: the block gets
    False at once when another process holds the lock, and True when it now holds it.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def disk_size(path: Path) -> int:
    """The bytes of a file, or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remove_leftovers(folder: Path, keep_prefix: str = ".staging-") -> list[Path]:
    """Delete temp and ``.part`` files that an interrupted run left in ``folder`` (recursively).

    Folders named ``keep_prefix…`` belong to runs in progress (their owners lock them and
    clean them up), so nothing inside them is touched here.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for candidate in folder.rglob("*"):
        if any(part.startswith(keep_prefix) for part in candidate.relative_to(folder).parts[:-1]):
            continue
        if candidate.is_file() and (candidate.name.startswith(TEMP_PREFIX) or candidate.name.endswith(".part")):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


DISK_FULL_MARGIN = 1 << 20


def disk_is_full(folder: Path) -> bool:
    """Less than ``DISK_FULL_MARGIN`` free where ``folder`` lives: a tool that failed writing there
    (ffmpeg says "no packets" or nothing at all) most likely ran out of space."""
    try:
        return shutil.disk_usage(folder).free < DISK_FULL_MARGIN
    except OSError:
        return False
