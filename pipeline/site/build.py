"""``capture build``: the static, resources-first site.

Two phases, as in mkdocs. First *gather* (:mod:`pipeline.site.gather`): the catalogue,
journeys and transcripts become views (:mod:`pipeline.site.views`), and every output file gets
a key, a hash of everything it shows (:mod:`pipeline.site.plan`). Then *write*
(:mod:`pipeline.site.output`): only files whose key changed are rendered
(:mod:`pipeline.site.render`), staged, and moved into ``site/`` one atomic rename at a time;
a first build stages the whole site and swaps the folder in. Rendering is lazy, so a rebuild
with nothing changed parses no transcript and renders no template; one whose inputs are all
as the last build recorded them (:mod:`pipeline.site.inputs`) stops before it gathers.

URL layout (relative links only, so the site works from ``file://`` and any sub-path):
``index.html``, ``r/<id>/index.html`` (+ ``captions.vtt``), ``j/<id>/index.html``,
``role/<id>/index.html``, ``expert/<slug>/index.html``, ``media/<id>/video.mp4`` and
``poster.jpg``, ``feed.xml``, ``search-index.js`` and its shards ``search/*.js``, ``search.gif`` and ``static/``.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import clock
from pipeline.errors import ShrinkRefusedError
from pipeline.fsutil import file_lock
from pipeline.site.gather import gather
from pipeline.site.helpful import Evidence, read_evidence
from pipeline.site.inputs import InputsRecord, fixed_digest, load_record, reread, save_record
from pipeline.site.output import load_manifest, site_intact, write_site
from pipeline.text import plural
from pipeline.site.plan import pager, plan_outputs
from pipeline.site.render import code_key, theme_dir, warm_theme
from pipeline.site.views import ResourceView, feedback_link, jpeg_size, parse_vtt
from pipeline.workspace.paths import Workspace

__all__ = [
    "BuildResult",
    "ResourceView",
    "build_site",
    "check_shrink",
    "feedback_link",
    "gather",
    "jpeg_size",
    "pager",
    "parse_vtt",
    "theme_dir",
]

SHRINK_HANDFUL = 5  # losing more than half of the resources is refused from this many on (all of them, always)


@dataclass(kw_only=True)
class BuildResult:
    site: Path
    resources: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    full: bool = False
    warnings: list[str] = field(default_factory=list)


def build_site(
    workspace: Workspace, *, today: dt.date | None = None, allow_shrink: bool = False, evidence: Path | None = None
) -> BuildResult:
    """Build ``site/``: gather everything, then write only what changed (see the module doc).

    One build at a time per workspace (``capture serve`` and ``capture build`` may overlap).
    ``today`` (for "new this week") is :func:`pipeline.clock.today` unless given. A catalogue
    that lost all or most of the resources the site shows is refused (:class:`ShrinkRefusedError`)
    unless ``allow_shrink``: an empty or half-saved ``resources.yaml`` must not empty the site.
    ``evidence`` is a report's JSON (``capture report --json``): the credit it gives is shown.
    """
    found = read_evidence(evidence) if evidence is not None else None
    with file_lock(workspace.cache_dir / "site" / "build.lock"), collector_paused():
        return _build_site(workspace, today or clock.today(), allow_shrink=allow_shrink, evidence=found)


def _build_site(workspace: Workspace, today: dt.date, *, allow_shrink: bool, evidence: Evidence | None) -> BuildResult:
    started = time.monotonic()
    cache = workspace.cache_dir / "site"
    record_path, manifest_path = cache / "inputs.txt", cache / "manifest.txt"
    fixed = _fixed_inputs(workspace, today, evidence.digest if evidence else "")
    record = load_record(record_path)
    if record is not None and record.fixed == fixed and reread(record.entries) == record.variable:
        files = site_intact(workspace.site_dir, manifest_path)
        if files is not None:
            return BuildResult(
                site=workspace.site_dir,
                resources=record.resources,
                pages=files[1],
                written=0,
                unchanged=files[0],
                removed=0,
                seconds=time.monotonic() - started,
                warnings=record.warnings,
            )
    model = gather(workspace, today)
    if not allow_shrink:
        check_shrink(published_resources(workspace.site_dir), len(model.views))
    built = load_manifest(manifest_path, workspace.site_dir) if workspace.site_dir.is_dir() else {}
    outputs = plan_outputs(model, workspace, built, evidence=evidence)
    if not built:  # a full build: the render workers share one compiled theme
        warm_theme(cache / "jinja")
    report = write_site(workspace.site_dir, outputs, manifest_path, old=built)
    warnings = [" ".join(w.split()) for w in model.warnings]
    done = InputsRecord(fixed, model.inputs.hexdigest(), len(model.views), model.inputs.entries, warnings)
    if done != record:
        save_record(record_path, done)
    return BuildResult(
        site=workspace.site_dir,
        resources=len(model.views),
        pages=sum(1 for o in outputs if o.rel.endswith(".html")),
        written=len(report.written),
        unchanged=report.unchanged,
        removed=len(report.removed),
        seconds=time.monotonic() - started,
        full=report.full,
        warnings=model.warnings,
    )


def _fixed_inputs(workspace: Workspace, today: dt.date, evidence: str = "") -> str:
    """The digest of the inputs every page may depend on: catalogue, journeys, theme and code, the day, evidence."""
    parts = [code_key().encode(), today.isoformat().encode(), str(workspace.site_dir).encode()]
    if evidence:
        parts.append(evidence.encode())
    for path in (workspace.catalogue_path, *sorted(workspace.journeys_dir.glob("*.yaml"))):
        try:
            parts += [path.name.encode(), path.read_bytes()]
        except OSError:
            parts += [path.name.encode(), b"\x00missing"]
    return fixed_digest(parts)


def published_resources(site: Path) -> int:
    """How many resources ``site`` shows (its ``r/<id>/`` folders), whatever manifest or cache there is."""
    try:
        with os.scandir(site / "r") as entries:
            return sum(1 for entry in entries if entry.is_dir())
    except OSError:
        return 0


def check_shrink(before: int, after: int) -> None:
    """Refuse a catalogue that lost all its resources, or more than half and at least a handful."""
    lost = before - after
    if lost <= 0 or (after > 0 and (lost * 2 <= before or lost < SHRINK_HANDFUL)):
        return
    raise ShrinkRefusedError(
        f"resources.yaml: {plural(after, 'resource')} where the site has {before}; a catalogue that lost "
        f"{'all' if after == 0 else 'most'} of its resources since the last build may be empty or half-saved, "
        "so the site is left as it was; check resources.yaml, or run `capture build --allow-shrink` "
        "to publish it as it is"
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector for a build.

    The gathered model is some million dicts, lists and strings at 10,000 resources (the parsed
    catalogue alone some 500,000), none of them in a cycle; the collector would still walk them
    again and again as they are made. Nothing here makes cycles, so the pause frees no less
    memory, it only frees it later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
