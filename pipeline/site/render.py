"""Rendering: the theme's Jinja2 environment, every template context in one place, pages to bytes.

:class:`Pages` is what the plan's outputs call to make their bytes; it makes its
:class:`Renderer` (and so compiles templates) only when a page must really be rendered,
so a rebuild in which nothing changed loads no template at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.site.codekey import code_digest
from pipeline.site.helpful import helpful_context
from pipeline.site.embed import embed_snippet, site_url
from pipeline.site.views import ResourceView, SiteModel, feedback_link
from pipeline.speech.transcript import format_time
from pipeline.workspace.catalogue import KINDS, LEVELS, Role
from pipeline.workspace.journeys import Journey

if TYPE_CHECKING:
    from pipeline.site.questions import RoleGroup
    from jinja2 import Environment
    from markdown_it import MarkdownIt
    from markupsafe import Markup

# Bump when the pages' structure changes in a way the theme files do not show.
SITE_FORMAT = 1
# The modules whose code shapes the output (with all they import): a change rebuilds every page.
SITE_CODE = ("pipeline.site.build",)
CAPTIONS_CODE = ("pipeline.speech.captions",)


def theme_dir() -> Path:
    """The Jinja2 theme: ``templates/`` in a checkout, ``pipeline/theme`` in an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    from importlib import resources

    return Path(str(resources.files("pipeline.theme")))


def code_key(modules: Sequence[str] = SITE_CODE, *, theme: bool = True) -> str:
    """A hash of the theme and of the code that renders it (or of ``modules`` alone)."""
    digest = hashlib.sha1(str(SITE_FORMAT).encode())  # noqa: S324 - a change key
    if theme:
        folder = theme_dir()
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and "review" not in p.relative_to(folder).parts and "__pycache__" not in p.parts
        )
        for path in files:
            digest.update(path.name.encode())
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    digest.update(code_digest(*modules).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: a person's <b> or <script> is shown as text, and
    # markdown-it refuses javascript:, vbscript: and data: link targets by itself.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str, *, inline: bool = True) -> Markup:
    """A person's short Markdown (links, emphasis, lists) as safe HTML for a template."""
    from markupsafe import Markup

    md = _markdown()
    html = md.renderInline(text) if inline else md.render(text)
    return Markup(html)  # noqa: S704 - markdown-it with raw HTML off has escaped the person's text


def minutes(seconds: float) -> str:
    """``m:ss`` of a clip's length or a moment in it, as cards and print sheets show it."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _seconds(seconds: float) -> str:
    return str(int(seconds))


def day(stamp: str) -> str:
    """An ISO date (or the date of a timestamp) as people read it: ``22 Nov 2026``; unchanged if not a date."""
    try:
        when = dt.date.fromisoformat(str(stamp)[:10])
    except ValueError:
        return str(stamp)
    return f"{when.day} {when:%b %Y}"


@functools.lru_cache(maxsize=2)
def _environment(cache: Path | None = None, code: str = "") -> Environment:
    """The theme's Jinja2 environment, kept while ``code`` (the theme's and renderers' hash) stays the same.

    Its compiled templates then serve every build of a process (``capture serve``) and, loaded
    before the render workers fork (:func:`warm_theme`), every worker without compiling again.
    """
    from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape

    bytecode = None
    if cache is not None:  # compiled templates kept between builds: a small rebuild skips compiling them
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = FileSystemBytecodeCache(str(cache))
        except OSError:
            bytecode = None
    env = Environment(
        bytecode_cache=bytecode,
        loader=FileSystemLoader(str(theme_dir())),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["clock"] = format_time
    env.filters["markdown"] = render_markdown
    env.filters["minutes"] = minutes
    env.filters["seconds"] = _seconds
    env.filters["day"] = day
    return env


def _page_template(name: str) -> bool:
    return name.endswith((".html", ".xml")) and "review/" not in name


def warm_theme(cache: Path | None) -> None:
    """Compile every page template and make the Markdown parser now, once, before workers fork."""
    env = _environment(cache, code_key())
    for name in env.list_templates(filter_func=_page_template):
        env.get_template(name)
    _markdown()


class Renderer:
    """Builds every template context in one place and renders pages to bytes."""

    def __init__(self, model: SiteModel, cache: Path | None = None) -> None:
        self.model = model
        self.env = _environment(cache, code_key())
        settings = model.catalogue.settings
        self.base = {
            "site_title": settings.title,
            "organisation": settings.organisation,
            "lang": settings.site.language,
            "levels": LEVELS,
            "kinds": KINDS,
            "role_names": {r.id: r.name for r in model.roles()},
            "questions_link": bool(model.questions),
            "site_url": site_url(settings),
            "embed_snippet": functools.partial(embed_snippet, address=site_url(settings)),
        }

    def render(self, template: str, root: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(root=root, **self.base, **context).encode("utf-8")

    def journey_view(self, journey: Journey) -> dict[str, Any]:
        by_id = self.model.by_id
        stages: list[dict[str, Any]] = []
        for level in LEVELS:
            steps = [
                {"card": by_id[s.id], "practice": s.practice} for s in journey.stages.get(level, []) if s.id in by_id
            ]
            stages.append({"level": level, "steps": steps})
        return {
            "id": journey.id,
            "title": journey.title,
            "goal": journey.goal,
            "summary": journey.summary,
            "roles": journey.roles,
            "stages": stages,
            "count": sum(len(s["steps"]) for s in stages),
        }


class Pages:
    """Each kind of output's bytes; the renderer (and so the theme) is made on the first page rendered."""

    def __init__(self, model: SiteModel, cache: Path | None) -> None:
        self.model = model
        self.cache = cache

    @functools.cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.model, self.cache)

    def resource(self, view: ResourceView, *, credit: str = "") -> bytes:
        model = self.model
        rid = view.resource.id
        return self.renderer.render(
            "resource.html",
            "../../",
            card=view,
            prerequisites=[model.by_id[p] for p in view.resource.prerequisites if p in model.by_id and p != rid],
            next_steps=[model.by_id[n] for n in model.next_steps.get(rid, [])],
            journeys=model.in_journeys.get(rid, []),
            places=[(place, model.by_id.get(place.next_id)) for place in model.journey_places(rid)],
            feedback=feedback_link(model.catalogue.settings.feedback, view.resource),
            helpful=helpful_context(view.resource, model.catalogue.settings.feedback),
            credit=credit,
            short_link=short_address(model.catalogue.settings.site.url, view.resource.code),
        )

    @staticmethod
    def captions(view: ResourceView) -> bytes:
        return view.vtt.encode("utf-8")

    def journey(self, journey: Journey) -> bytes:
        return self.renderer.render("journey.html", "../../", journey=self.renderer.journey_view(journey))

    def role(
        self, role: Role, *, journeys: list[Journey], previews: dict[str, list[ResourceView]], counts: dict[str, int]
    ) -> bytes:
        journey_views = [self.renderer.journey_view(j) for j in journeys]
        return self.renderer.render(
            "role.html", "../../", role=role, by_level=previews, counts=counts, journeys=journey_views
        )

    def listing(
        self, template: str, rel: str, *, shown: Sequence[ResourceView], page: dict[str, Any], context: dict[str, Any]
    ) -> bytes:
        return self.renderer.render(template, "../" * rel.count("/"), cards=shown, page=page, **context)

    def feed(self, entries: list[ResourceView]) -> bytes:
        settings = self.model.catalogue.settings

        def entry_id(view: ResourceView) -> str:
            take = f":v{view.resource.version}" if view.resource.version > 1 else ""  # an "updated" entry of its own
            return uuid.uuid5(uuid.NAMESPACE_URL, f"capture:{settings.title}:{view.resource.id}{take}").urn

        updated = max((v.updated for v in entries), default="1970-01-01") or "1970-01-01"
        feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"capture:{settings.title}:{settings.organisation}").urn
        return self.renderer.render(
            "feed.xml", settings.site.url, entries=entries, updated=updated, feed_id=feed_id, entry_id=entry_id
        )  # root: the site's public address where it is set, so a feed reader can follow the links

    def redirect(self, target: str) -> bytes:
        """A page of ``s/<code>/`` or ``r/<old-id>/`` that leads on to ``target`` (see pipeline.site.links)."""
        return self.renderer.render("redirect.html", "../../", target=target)

    def questions(self, groups: list[RoleGroup]) -> bytes:
        return self.renderer.render("questions.html", "../", groups=groups)

    def subscribe(self) -> bytes:
        return self.renderer.render("subscribe.html", "")

    def home(self, home: HomeFacts) -> bytes:
        model = self.model
        return self.renderer.render(
            "index.html",
            "",
            journey_cards=[self.renderer.journey_view(j) for j in model.journeys],
            which_new=home.which,
            newest=home.newest,
            roles=model.roles(),
            role_counts=dict(home.role_counts),
            experts=home.experts,
            total=len(model.views),
        )


def short_address(site_url: str, code: str) -> str:
    """A resource's short link written out, to share or write down ("" without site.url or a good code)."""
    from pipeline.workspace.codes import CODE_PATTERN

    return f"{site_url}s/{code}/" if site_url and CODE_PATTERN.match(code) else ""


class HomeFacts:
    """What the home page shows beside the journeys and roles: the new clips, counts, experts."""

    def __init__(self, model: SiteModel) -> None:
        self.which, self.newest = model.newest
        self.role_counts: list[tuple[str, list[int]]] = []
        for role in model.roles():
            counted = Counter(v.resource.level for v in model.role_members.get(role.id, []))
            self.role_counts.append((role.id, [counted[level] for level in LEVELS]))
        self.experts = [(slug, views[0].resource.expert.name, len(views)) for slug, views in model.experts.items()]
        self.experts.sort(key=lambda e: e[1].lower())
