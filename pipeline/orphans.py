"""Who made a media folder, and what becomes of one that no catalogue entry names.

``capture add`` writes ``owner.json`` into each staging folder it makes: the run's id, its pid,
the host, the boot id and the process's start time, and the files outside the folder it is
about to write (the transcript, the words file). The folder moves into ``media/<id>/`` with it,
and ``committed`` turns true once the catalogue that names the folder is saved.

A folder that no entry names is deleted only when its owner is provably dead (same host and
boot, and its pid gone or reused by a younger process) and never committed: the leftovers of a
killed ``capture add``. Every other unnamed folder (an entry removed by ``git checkout`` or a
merge, an empty or half-saved ``resources.yaml``) is moved aside to
``media/.orphaned/<id>-<stamp>/``, where ``capture status`` lists it and ``capture prune``
removes it; it moves back by itself when the catalogue names its resource again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pipeline.errors import CaptureError
from pipeline.fsutil import atomic_write_text, disk_size
from pipeline.takes import PENDING_WORDS, current_folder, take_paths, take_transcript
from pipeline.workspace.catalogue import Catalogue, Resource, catalogue_lock, load_catalogue, read_catalogue
from pipeline.workspace.paths import Workspace

OWNER_FILE = "owner.json"
META_FILE = "meta.json"
ORPHANED_DIR = ".orphaned"
_STAMPED = re.compile(r"-\d{8}T\d{6}Z(?:-\d+)?$")
_TAKE = re.compile(r"v[2-9]|v[1-9]\d+")  # media/<id>/vN/: the media of take N


@dataclass(frozen=True)
class Owner:
    """The run that made a media folder (``started``: the process's start, in clock ticks since boot)."""

    run: str
    pid: int
    host: str
    boot: str
    started: str
    committed: bool = False
    files: tuple[str, ...] = ()  # workspace-relative files the run writes outside the folder


@dataclass(frozen=True)
class OrphanedMedia:
    """A media folder capture made that no entry names: ``moved`` once it is in ``media/.orphaned/``."""

    path: str
    resource_id: str
    size: int
    moved: bool
    named_again: bool = False  # moved aside, and resources.yaml names its resource and clip again

    @property
    def problem(self) -> str:
        if self.named_again:
            return (
                f"{self.path}/ holds the media of '{self.resource_id}', which resources.yaml names again; "
                "`capture prune` moves it back (so does the next `capture add`)"
            )
        if self.moved:
            return (
                f"{self.path}/ was moved aside: no entry in resources.yaml names '{self.resource_id}'; "
                "restore the entry to bring it back, or remove it with `capture prune`"
            )
        return (
            f"{self.path}/ is named by no entry in resources.yaml; restore the entry, or remove it with `capture prune`"
        )

    def status_row(self) -> dict[str, object]:
        """A row shaped like ``capture status --json``'s transcript rows, with ``review: orphaned``."""
        return {
            "id": self.resource_id,
            "title": "",
            "review": "orphaned",
            "lines": 0,
            "model": "",
            "approved_by": "",
            "approved_at": "",
            "problem": self.problem,
            "path": self.path,
            "bytes": self.size,
            "named_again": self.named_again,
        }


@dataclass
class Sweep:
    """What a clean-up did: files and folders deleted, media folders moved aside, and moved back."""

    removed: list[Path] = field(default_factory=list)
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    restored: list[tuple[Path, Path]] = field(default_factory=list)


def _read_first_line(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.readline().strip()
    except OSError:
        return ""


def _boot_id() -> str:
    return _read_first_line("/proc/sys/kernel/random/boot_id")


def _start_ticks(pid: int) -> str:
    """Field 22 of ``/proc/<pid>/stat``; empty when there is no such process (or no /proc)."""
    stat = _read_first_line(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else ""


@functools.lru_cache(maxsize=1)
def this_run() -> Owner:
    pid = os.getpid()
    return Owner(run=uuid.uuid4().hex, pid=pid, host=socket.gethostname(), boot=_boot_id(), started=_start_ticks(pid))


def write_owner(folder: Path, owner: Owner) -> None:
    atomic_write_text(folder / OWNER_FILE, json.dumps(asdict(owner), indent=1))


def read_owner(folder: Path) -> Owner | None:
    """The folder's owner, or None where there is no readable record (media made before owners were kept)."""
    try:
        data = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        return Owner(
            run=str(data["run"]),
            pid=int(data["pid"]),
            host=str(data["host"]),
            boot=str(data["boot"]),
            started=str(data["started"]),
            committed=data["committed"] is True,
            files=tuple(str(f) for f in data.get("files", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def mark_committed(folder: Path) -> None:
    """Record that the catalogue names ``folder``. Best effort: the next ``capture add`` records it too."""
    owner = read_owner(folder)
    if owner is not None and not owner.committed:
        with contextlib.suppress(CaptureError):
            write_owner(folder, replace(owner, committed=True))


def provably_dead(owner: Owner) -> bool:
    """True only when the owner's process surely no longer runs: same host, and a reboot since or
    its pid now free or held by another process (a different start time)."""
    if owner.host != socket.gethostname():
        return False
    boot = _boot_id()
    if not boot or not owner.boot:
        return False
    if owner.boot != boot:
        return True
    if not owner.started:
        return False
    return _start_ticks(owner.pid) != owner.started


def _made_by_capture(folder: Path) -> bool:
    return folder.is_dir() and ((folder / META_FILE).is_file() or (folder / OWNER_FILE).is_file())


def _unnamed_folders(workspace: Workspace, known: set[str]) -> list[Path]:
    if not workspace.media_dir.is_dir():
        return []
    return sorted(
        folder
        for folder in workspace.media_dir.iterdir()
        if not folder.name.startswith(".") and folder.name not in known and _made_by_capture(folder)
    )


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _move_aside(workspace: Workspace, folder: Path, *, name: str = "") -> Path:
    aside = workspace.media_dir / ORPHANED_DIR
    aside.mkdir(exist_ok=True)
    base = f"{name or folder.name}-{_stamp()}"
    target, number = aside / base, 2
    while target.exists():
        target, number = aside / f"{base}-{number}", number + 1
    os.replace(folder, target)
    return target


def _own_files(workspace: Workspace, folder: Path, owner: Owner) -> list[Path]:
    """The files the owner wrote for this folder's id, and only those (never a path it could not have made)."""
    allowed = {
        workspace.relative(workspace.transcript_path(folder.name)),
        workspace.relative(workspace.words_path(folder.name)),
    }
    return [workspace.root / rel for rel in owner.files if rel in allowed]


def _remove_dead_run(workspace: Workspace, folder: Path, owner: Owner) -> list[Path]:
    removed = [folder]
    for path in _own_files(workspace, folder, owner):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    shutil.rmtree(folder, ignore_errors=True)
    return removed


def _orphan_for(workspace: Workspace, resource_id: str, sha256: str) -> Path | None:
    """The newest folder moved aside for ``resource_id`` that holds this clip's media."""
    aside = workspace.media_dir / ORPHANED_DIR
    if not sha256 or not aside.is_dir():
        return None
    candidates = sorted((p for p in aside.glob(f"{resource_id}-*") if p.is_dir()), reverse=True)
    for candidate in candidates:
        try:
            meta = json.loads((candidate / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and f":{sha256}:" in str(meta.get("key", "")):
            return candidate
    return None


def _restorable(workspace: Workspace, catalogue: Catalogue) -> dict[Path, Path]:
    """Folders moved aside whose entry is back (``git checkout`` again): where each goes home."""
    homes: dict[Path, Path] = {}
    for resource in catalogue.resources:
        folder = workspace.media_folder(resource.id)
        if folder.exists():
            continue
        # The folder's own media record is version 1's: any take's clip identifies it.
        shas = [resource.source.sha256 if resource.source else "", *(t.sha256 for t in resource.versions)]
        orphan = next((o for sha in shas if (o := _orphan_for(workspace, resource.id, sha))), None)
        if orphan is not None:
            homes[orphan] = folder
    return homes


def _restore_named(workspace: Workspace, catalogue: Catalogue, sweep: Sweep) -> None:
    for orphan, folder in _restorable(workspace, catalogue).items():
        try:
            os.replace(orphan, folder)
        except OSError:
            continue  # stays aside, listed by `capture status` as named again
        sweep.restored.append((orphan, folder))


def settle_words(workspace: Workspace, resource: Resource) -> None:
    """Roll a take's word timings forward (or back) to the live words file: a ``capture add --replaces``
    killed between its catalogue save and the words file's move leaves them parked in the folder of
    the take the catalogue names. Call it holding the catalogue lock."""
    parked = current_folder(workspace, resource) / PENDING_WORDS
    if parked.is_file() and not workspace.words_path(resource.id).exists():
        workspace.words_dir.mkdir(parents=True, exist_ok=True)
        os.replace(parked, workspace.words_path(resource.id))


def _take_folders(workspace: Workspace, resource: Resource) -> list[Path]:
    folder = workspace.media_folder(resource.id)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _TAKE.fullmatch(p.name) and p.is_dir())


def _sweep_takes(workspace: Workspace, resource: Resource, sweep: Sweep) -> None:
    """A take folder the entry does not name is what a ``--replaces`` run left before its commit."""
    named = {str(Path(p).parent) for p in take_paths(resource) if p.startswith("media/")}
    for folder in _take_folders(workspace, resource):
        if workspace.relative(folder) in named:
            mark_committed(folder)
            continue
        owner = read_owner(folder)
        if owner is not None and not owner.committed and provably_dead(owner):
            sweep.removed.append(folder)
            allowed = {workspace.relative(take_transcript(workspace, resource.id, int(folder.name[1:])))}
            for rel in set(owner.files) & allowed:
                with contextlib.suppress(OSError):
                    (workspace.root / rel).unlink()
                    sweep.removed.append(workspace.root / rel)
            shutil.rmtree(folder, ignore_errors=True)
            continue
        with contextlib.suppress(OSError):
            sweep.moved.append((folder, _move_aside(workspace, folder, name=f"{resource.id}-{folder.name}")))


def sweep_media(workspace: Workspace, catalogue: Catalogue) -> Sweep:
    """Settle every media folder against ``catalogue``. Call it holding the catalogue lock, so a run
    that is committing right now is never taken for a dead one."""
    sweep = Sweep()
    known = {r.id for r in catalogue.resources}
    _restore_named(workspace, catalogue, sweep)
    for name in known:
        mark_committed(workspace.media_folder(name))
    for resource in catalogue.resources:
        settle_words(workspace, resource)
        _sweep_takes(workspace, resource, sweep)
    for folder in _unnamed_folders(workspace, known):
        owner = read_owner(folder)
        if owner is not None and not owner.committed and provably_dead(owner):
            sweep.removed += _remove_dead_run(workspace, folder, owner)
            continue
        try:
            sweep.moved.append((folder, _move_aside(workspace, folder)))
        except OSError:
            continue  # left where it is, still listed by `capture status`: never deleted
    return sweep


def describe_size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _named_paths(catalogue: Catalogue) -> set[str]:
    return {p for r in catalogue.resources for p in take_paths(r)}


def find_orphaned_media(workspace: Workspace, catalogue: Catalogue) -> list[OrphanedMedia]:
    """Media folders capture made that no entry names: still in ``media/``, or moved aside (and
    perhaps named again since, waiting to move back)."""
    known = {r.id for r in catalogue.resources}
    named = _named_paths(catalogue)
    found: list[OrphanedMedia] = []
    for folder in _unnamed_folders(workspace, known):
        found.append(OrphanedMedia(workspace.relative(folder), folder.name, disk_size(folder), moved=False))
    aside = workspace.media_dir / ORPHANED_DIR
    if aside.is_dir():
        homecoming = _restorable(workspace, catalogue)
        for folder in sorted(p for p in aside.iterdir() if p.is_dir()):
            rel = workspace.relative(folder)
            if any(path.startswith(rel + "/") for path in named):
                continue
            resource_id = _STAMPED.sub("", folder.name)
            found.append(
                OrphanedMedia(rel, resource_id, disk_size(folder), moved=True, named_again=folder in homecoming)
            )
    return found


def orphaned_media(workspace: Workspace) -> list[OrphanedMedia]:
    """Read-only: what ``capture status`` lists."""
    return find_orphaned_media(workspace, read_catalogue(workspace.catalogue_path))


def settle_orphaned_media(workspace: Workspace) -> tuple[list[tuple[str, str]], list[OrphanedMedia]]:
    """Move home every folder whose entry is back, then list what is left to prune: what
    ``capture prune`` shows before it asks. Restored pairs are workspace-relative."""
    with catalogue_lock(workspace.catalogue_path):
        catalogue = load_catalogue(workspace.catalogue_path)
        sweep = Sweep()
        _restore_named(workspace, catalogue, sweep)
        left = [item for item in find_orphaned_media(workspace, catalogue) if not item.named_again]
    restored = [(workspace.relative(orphan), workspace.relative(home)) for orphan, home in sweep.restored]
    return restored, left


def prune_orphaned_media(workspace: Workspace, chosen: Iterable[OrphanedMedia]) -> list[str]:
    """Delete the ``chosen`` orphans that are still orphans once the catalogue lock is held; a folder
    whose entry came back in the meantime is never among them."""
    wanted = {item.path for item in chosen if not item.named_again}
    removed: list[str] = []
    with catalogue_lock(workspace.catalogue_path):
        for item in find_orphaned_media(workspace, load_catalogue(workspace.catalogue_path)):
            if item.path in wanted and not item.named_again:
                try:
                    shutil.rmtree(workspace.root / item.path)
                except OSError as exc:
                    raise CaptureError(
                        f"cannot remove {item.path}: {exc.strerror or exc}; check the folder's permissions "
                        f"({len(removed)} removed before it)"
                    ) from exc
                removed.append(item.path)
    return removed
