"""Writing the site: content-keyed, staged, and committed one atomic rename at a time.

Every output file has a *key*: a hash of everything it is made from (the data it
shows, the theme, the code that renders it). A manifest in the cache folder
records the key and size of each file of the last build. A file whose key and
size still match is neither rendered nor written; a media file whose key matches
is not linked or copied again. So a rebuild with nothing changed writes nothing.

Changed files are first rendered into a staging folder beside the site; only when
every one has rendered does the commit move them into place with ``os.replace``
(each file old or new, never half), in an order that puts link targets (media,
resource pages) before the pages that link to them, then removes files no longer
built, then saves the manifest. A first build (no site or no manifest) stages the
whole site and swaps the folder in with two renames. A render that fails leaves
the site and the manifest exactly as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .fsutil import atomic_write_text

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Output:
    """One file of the site: ``rel`` under the site root, made by ``render`` or linked from ``source``."""

    rel: str
    key: str
    render: Callable[[], bytes] | None = None
    source: Path | None = None


@dataclass
class WriteReport:
    written: list[str]
    unchanged: int
    removed: list[str]
    full: bool


def _load_manifest(path: Path, site: Path) -> dict[str, list]:  # type: ignore[type-arg]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION or data.get("site") != str(site):
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link where the file system allows (no bytes copied), else copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def write_site(site: Path, outputs: Sequence[Output], manifest_path: Path) -> WriteReport:
    """Bring ``site`` in line with ``outputs`` (already in commit order), touching only what changed."""
    rels = [o.rel for o in outputs]
    if len(set(rels)) != len(rels):
        raise BuildError("two pages want the same path; make the ids unique and build again")
    old = _load_manifest(manifest_path, site) if site.is_dir() else {}
    full = not old
    staging = site.with_name(f".{site.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    manifest: dict[str, list] = {}  # type: ignore[type-arg]
    staged: list[str] = []
    unchanged = 0
    folders: set[Path] = {staging}

    def folder_for(path: Path) -> None:
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
    try:
        for output in outputs:
            previous = old.get(output.rel)
            current = site / output.rel
            if previous and previous[0] == output.key and _size(current) == previous[1]:
                manifest[output.rel] = previous
                unchanged += 1
                continue
            target = staging / output.rel
            if output.source is not None:
                if not full and previous and _same_file(output.source, current):
                    manifest[output.rel] = [output.key, _size(current)]
                    unchanged += 1
                    continue
                folder_for(target)
                _link_or_copy(output.source, target)
                manifest[output.rel] = [output.key, _size(target)]
            else:
                assert output.render is not None
                data = output.render()
                manifest[output.rel] = [output.key, len(data)]
                if not full and _size(current) == len(data) and current.read_bytes() == data:
                    unchanged += 1
                    continue
                folder_for(target)
                target.write_bytes(data)
            staged.append(output.rel)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    removed = [rel for rel in old if rel not in manifest]
    if full:
        manifest_path.unlink(missing_ok=True)
        _swap(staging, site)
    elif staged or removed:
        # Until the commit is done, the files it touches are of unknown content: a crash in
        # the middle must not let a later build trust their old keys.
        unsure = {rel: entry for rel, entry in old.items() if rel not in removed}
        unsure.update({rel: ["", -1] for rel in staged})
        _save_manifest(manifest_path, site, unsure)
        _commit(staging, site, staged, removed)
    else:
        shutil.rmtree(staging, ignore_errors=True)
    if full or staged or removed or manifest != old:
        _save_manifest(manifest_path, site, manifest)
    return WriteReport(written=staged, unchanged=unchanged, removed=removed, full=full)


def _save_manifest(path: Path, site: Path, files: dict[str, list]) -> None:  # type: ignore[type-arg]
    atomic_write_text(path, json.dumps({"version": MANIFEST_VERSION, "site": str(site), "files": files},
                                       separators=(",", ":")))


def _same_file(source: Path, current: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(source, current)
    return False


def _commit(staging: Path, site: Path, staged: list[str], removed: list[str]) -> None:
    for rel in staged:
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, target)
    for rel in removed:
        with contextlib.suppress(OSError):
            (site / rel).unlink()
        parent = (site / rel).parent
        while parent != site:
            try:
                parent.rmdir()  # only empty folders go
            except OSError:
                break
            parent = parent.parent
    shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames: old or new site, never half of one."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
