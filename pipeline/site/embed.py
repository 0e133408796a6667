"""``r/<id>/embed.html``: a minimal player for an ``<iframe>`` on an intranet, LMS or Teams page.

The page has the player with its captions, the transcript behind a toggle and a link to the
full page, and no site header. Each resource page shows the ``<iframe>`` snippet to copy: an
``<iframe>`` on another site needs the absolute address, so the snippet uses the ``site.url``
setting where there is one and otherwise a placeholder the page tells the reader to fill in.
"""

from __future__ import annotations

import functools
import re
from html import escape
from typing import TYPE_CHECKING

from pipeline.site.output import Output
from pipeline.site.views import ResourceView, content_key
from pipeline.workspace.catalogue import Settings, site_url_problem

if TYPE_CHECKING:
    from pipeline.site.render import Pages

PLACEHOLDER = "ADDRESS-OF-THIS-SITE/"  # what a reader replaces when no site.url is set
EMBED_WIDTH = 560  # the snippet's frame width, in CSS pixels; the page inside fits any width
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
BAR_HEIGHT = 128  # under the player: the full page's link and the transcript toggle (style.css leaves 8rem)


def site_url(settings: Settings) -> str:
    """The ``site.url`` setting ending in ``/``, or "" where it is not set or not a usable address.

    The one rule for a usable address is the catalogue's (:func:`site_url_problem`); a missing
    trailing ``/`` is added here, as a snippet only needs the folder.
    """
    value = settings.site.url
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        return ""
    url = url if url.endswith("/") else url + "/"
    return "" if site_url_problem(url) else url


def embed_snippet(view: ResourceView, *, address: str) -> str:
    """The ``<iframe>`` to paste into another page (plain text; the template escapes it for display)."""
    rid = view.resource.id
    width, height = view.frame or (16, 9)
    shown = EMBED_WIDTH if width >= height else EMBED_WIDTH * 9 // 16
    frame_height = (shown * height // width if width else shown * 9 // 16) + BAR_HEIGHT
    src = f"{address or PLACEHOLDER}r/{rid}/embed.html"
    title = escape(_CONTROL.sub(" ", f"Video: {view.resource.title}"), quote=True)
    return (
        f'<iframe src="{escape(src, quote=True)}" title="{title}" width="{shown}" height="{frame_height}" '
        'style="border:0;max-width:100%" allow="fullscreen; picture-in-picture" allowfullscreen '
        'loading="lazy"></iframe>'
    )


def render_embed(pages: Pages, view: ResourceView) -> bytes:
    return pages.renderer.render("embed.html", "../../", card=view)


def with_embeds(outputs: list[Output], views: list[ResourceView], *, pages: Pages, base: str) -> list[Output]:
    """The resources' outputs with each embed right after its resource's page and captions.

    Render workers take consecutive shares of the outputs, so the embed is most often rendered
    by the process that planned the same cues for the page a moment before (cues are the cost).
    """
    embeds = {output.rel.split("/")[1]: output for output in plan_embeds(views, pages=pages, base=base)}
    merged = []
    for at, output in enumerate(outputs):
        merged.append(output)
        rid = output.rel.split("/")[1]
        following = outputs[at + 1].rel.split("/")[1] if at + 1 < len(outputs) else None
        if following != rid and rid in embeds:
            merged.append(embeds.pop(rid))
    return merged + list(embeds.values())


def plan_embeds(views: list[ResourceView], *, pages: Pages, base: str) -> list[Output]:
    """One ``r/<id>/embed.html`` per resource with a video or audio, keyed like its page."""
    return [
        Output(
            f"r/{view.resource.id}/embed.html",
            content_key(base, "embed", view.page_key),
            render=functools.partial(render_embed, pages, view),
        )
        for view in views
        if view.video is not None
    ]
