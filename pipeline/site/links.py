"""The site's short links: ``s/<code>/index.html`` and ``r/<old-id>/index.html``, pages that lead on.

Each is a small page that sends the browser to its target at once and keeps the ``#t=`` of the
address (a QR code can open a clip at a moment; a question's target has its own ``#t=``, and the
address's wins): ``location.replace`` where scripts run, from
``file://`` too; a ``<meta http-equiv="refresh">`` where they do not; and a link for a person.
The codes come from the catalogue and the journeys (:mod:`pipeline.workspace.codes`); where two
claim one code (``capture check`` refuses that) the first in file order wins, so a build never fails on it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pipeline.site.output import Output
from pipeline.site.questions import question_targets
from pipeline.site.render import Pages
from pipeline.site.views import SiteModel, content_key
from pipeline.workspace.catalogue import ID_PATTERN
from pipeline.workspace.codes import CODE_PATTERN, FOLDERS, JOURNEY, RESOURCE, ROLE
from pipeline.workspace.paths import windows_reserved


@dataclass(frozen=True)
class Redirect:
    rel: str  # the page that leads on, under the site's root
    target: str  # where it leads, under the site's root


def short_links(model: SiteModel) -> dict[str, str]:
    """Each short code on the site and the page it opens (relative to the site's root).

    Only well-formed codes: one a person mistyped (``capture check`` names it) makes no page, and
    so no path of the site is ever made from anything but the code's own alphabet.
    """
    claims = [
        (code, RESOURCE, view.resource.id)
        for view in model.views
        for code in (view.resource.code, *view.resource.aliases)
    ]
    claims += [(role.code, ROLE, role.id) for role in model.roles()]
    claims += [(journey.code, JOURNEY, journey.id) for journey in model.journeys]
    found: dict[str, str] = {}
    for code, kind, target in claims:
        if CODE_PATTERN.match(code):
            found.setdefault(code, f"{FOLDERS[kind]}/{target}/index.html")
    for code, page in question_targets(model).items():
        if CODE_PATTERN.match(code):
            found.setdefault(code, page)
    return found


def redirects(model: SiteModel) -> list[Redirect]:
    """Every page that leads on: one per short code, and one per old id no resource has now."""
    pages = [Redirect(f"s/{code}/index.html", target) for code, target in sorted(short_links(model).items())]
    taken = set(model.by_id)
    for view in model.views:
        for alias in view.resource.aliases:
            if (
                ID_PATTERN.match(alias)
                and not windows_reserved(alias)
                and not CODE_PATTERN.match(alias)
                and alias not in taken
            ):
                taken.add(alias)
                pages.append(Redirect(f"r/{alias}/index.html", f"r/{view.resource.id}/index.html"))
    return pages


def redirect_outputs(model: SiteModel, pages: Pages, base: str) -> list[Output]:
    """The short links' pages, each keyed by where it leads (a title edit rewrites none of them)."""
    return [
        Output(page.rel, content_key(base, "redirect", page.rel, page.target),
               render=functools.partial(pages.redirect, page.target))
        for page in redirects(model)
    ]  # fmt: skip
