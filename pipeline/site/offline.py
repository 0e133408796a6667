"""``j/<id>/offline.json``: what saving a journey for offline use downloads, file by file.

The manifest lists the journey's page, the theme's static files and, for each step, the
resource's page, captions, poster and video, each with its size and its content key (the
build's own output key, cut short). ``static/offline.js`` shows the total before anything is
saved and, on a later visit, fetches only the files whose key changed: a new build invalidates
what changed by content, never by time. ``sw.js`` at the site root answers from what was saved.

A page's size is only known once it is rendered, so the manifest renders its pages to count
their bytes; it is made again only when one of their keys changes.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence

from pipeline.site.output import Output
from pipeline.site.views import content_key
from pipeline.workspace.journeys import Journey

MANIFEST_FORMAT = 1
MANIFEST_NAME = "offline.json"
KEY_LENGTH = 16  # hex digits of an output's key: enough to tell two builds of one file apart


def _size(output: Output) -> int:
    if output.render is not None:
        return len(output.render())
    return os.stat(output.source).st_size if output.source else 0


def manifest_bytes(journey: Journey, members: Sequence[Output]) -> bytes:
    """The manifest's JSON: every file with its size and key, and the total."""
    sizes = [_size(o) for o in members]
    files = [{"url": o.rel, "size": size, "key": o.key[:KEY_LENGTH]} for o, size in zip(members, sizes, strict=True)]
    document: dict[str, object] = {
        "format": MANIFEST_FORMAT,
        "journey": journey.id,
        "title": journey.title,
        "clips": len({o.rel.split("/")[1] for o in members if o.rel.startswith("media/")}),
        "size": sum(sizes),
        "files": files,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _by_resource(outputs: Sequence[Output]) -> dict[str, list[Output]]:
    """Each resource's files a saved journey needs: its page, captions, poster and video (not its embed)."""
    found: dict[str, list[Output]] = {}
    for output in outputs:
        parts = output.rel.split("/")
        if len(parts) == 3 and parts[0] in ("r", "media") and parts[2] != "embed.html":
            found.setdefault(parts[1], []).append(output)
    return found


def plan_offline(journeys: Sequence[Journey], outputs: Sequence[Output], *, base: str) -> list[Output]:
    """One offline manifest per journey, keyed by the keys of every file it lists."""
    pages = {o.rel: o for o in outputs if o.rel.startswith("j/")}
    shared = [o for o in outputs if o.rel.startswith("static/")]
    by_resource = _by_resource(outputs)
    planned = []
    for journey in journeys:
        page = pages.get(f"j/{journey.id}/index.html")
        if page is None:
            continue
        members = {page.rel: page for page in (page, *shared)}
        for _, step in journey.steps():
            members.update((o.rel, o) for o in by_resource.get(step.id, []))
        listed = list(members.values())
        key = content_key(base, "offline", journey.id, journey.title, [(o.rel, o.key) for o in listed])
        rel = f"j/{journey.id}/{MANIFEST_NAME}"
        planned.append(Output(rel, key, render=functools.partial(manifest_bytes, journey, listed)))
    return planned
