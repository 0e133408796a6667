"""``capture build``: the static, resources-first site.

Two phases, as in mkdocs: first gather and validate everything (catalogue,
journeys, transcripts) into page contexts, then render and write. The site is
written into a fresh folder beside ``site/`` and swapped in, so a failed build
never leaves a broken site.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .captions import format_vtt, make_cues
from .catalogue import LEVELS, Catalogue, Resource, load_catalogue
from .errors import BuildError, CaptureError
from .journeys import Journey, load_journeys
from .transcript import Transcript, format_time, read_transcript
from .workspace import Workspace


@dataclass
class BuildResult:
    site: Path
    resources: int
    pages: int
    written: int
    unchanged: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


@dataclass
class ResourcePage:
    resource: Resource
    transcript: Transcript | None
    vtt: str
    video_name: str | None
    poster_name: str | None


def theme_dir() -> Path:
    """The Jinja2 theme: ``templates/`` in a checkout, ``pipeline/theme`` in an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    from importlib import resources

    return Path(str(resources.files("pipeline.theme")))


def _environment():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(theme_dir())),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = format_time
    env.filters["minutes"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}"
    return env


def gather(workspace: Workspace, catalogue: Catalogue) -> tuple[list[ResourcePage], list[str]]:
    pages: list[ResourcePage] = []
    warnings: list[str] = []
    for resource in catalogue.resources:
        transcript = None
        if resource.transcript:
            try:
                transcript = read_transcript(workspace.root / resource.transcript)
            except CaptureError as exc:
                raise BuildError(f"{resource.id}: {exc}") from exc
        if transcript is not None and transcript.status == "draft" and not catalogue.settings.site.publish_drafts:
            warnings.append(f"{resource.id}: draft transcript not published (site.publish_drafts is false)")
            transcript = None
        video = workspace.root / resource.video if resource.video else None
        poster = workspace.root / resource.poster if resource.poster else None
        if video is None or not video.is_file():
            warnings.append(f"{resource.id}: media is missing; run `capture add` on its clip again to rebuild it")
            video = None
        vtt = format_vtt(make_cues(transcript, resource.duration)) if transcript and transcript.lines else ""
        pages.append(ResourcePage(
            resource=resource, transcript=transcript, vtt=vtt,
            video_name=video.name if video else None,
            poster_name=poster.name if poster and poster.is_file() else None,
        ))
    return pages, warnings


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_site(workspace: Workspace) -> BuildResult:
    started = time.monotonic()
    catalogue = load_catalogue(workspace.catalogue_path)
    journeys = load_journeys(workspace.journeys_dir)
    pages, warnings = gather(workspace, catalogue)
    env = _environment()
    by_id = {page.resource.id: page for page in pages}
    levels = {level: [p for p in pages if p.resource.level == level] for level in LEVELS}
    unlevelled = [p for p in pages if p.resource.level not in LEVELS]
    base = dict(site_title=catalogue.settings.title, organisation=catalogue.settings.organisation,
                lang=catalogue.settings.site.language, levels=LEVELS)

    target = workspace.site_dir
    staging = target.with_name(f".{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written = 0
    try:
        def write(rel: str, text: str) -> None:
            nonlocal written
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1

        def render(name: str, rel: str, root: str, **context: Any) -> None:
            write(rel, env.get_template(name).render(root=root, **base, **context))

        render("index.html", "index.html", "", levels_map=levels, unlevelled=unlevelled, journeys=journeys,
               journey_cards=[_journey_view(j, by_id) for j in journeys])
        for page in pages:
            rid = page.resource.id
            render("resource.html", f"r/{rid}/index.html", "../../", page=page,
                   prerequisites=[by_id[p] for p in page.resource.prerequisites if p in by_id])
            if page.vtt:
                write(f"r/{rid}/captions.vtt", page.vtt)
            folder = workspace.media_folder(rid)
            for name in (page.video_name, page.poster_name):
                if name:
                    _link_or_copy(folder / name, staging / "media" / rid / name)
        for journey in journeys:
            render("journey.html", f"j/{journey.id}/index.html", "../../", journey=_journey_view(journey, by_id))
        (staging / "static").mkdir(exist_ok=True)
        for asset in sorted((theme_dir() / "static").iterdir()):
            if asset.is_file():
                shutil.copy2(asset, staging / "static" / asset.name)
                written += 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, target)
    return BuildResult(site=target, resources=len(pages), pages=1 + len(pages) + len(journeys), written=written,
                       unchanged=0, seconds=time.monotonic() - started, warnings=warnings)


def _journey_view(journey: Journey, by_id: dict[str, ResourcePage]) -> dict[str, Any]:
    stages = []
    for level in LEVELS:
        steps = [dict(page=by_id[s.id], practice=s.practice) for s in journey.stages.get(level, []) if s.id in by_id]
        stages.append(dict(level=level, steps=steps))
    return dict(id=journey.id, title=journey.title, goal=journey.goal, roles=journey.roles, stages=stages,
                count=sum(len(s["steps"]) for s in stages))


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames: old or new site, never half of one."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
