"""Every file of the site with its key, before anything is rendered.

An :class:`~pipeline.site.output.Output` pairs a path with a key, a hash of everything the
file shows: the resource's fields and transcript, the *card* keys of the resources it lists,
the settings and the code key (theme and rendering code). A file whose key is unchanged is
not rendered again. The outputs come in commit order: media, assets, resource pages, lists,
feed and search, home page, so link targets are in place before the pages that link to them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.site.helpful import Evidence, resource_version
from pipeline.site.links import redirect_outputs
from pipeline.site.embed import site_url, with_embeds
from pipeline.site.offline import plan_offline
from pipeline.site.output import Output, load_manifest
from pipeline.site.questions import question_outputs
from pipeline.site.render import CAPTIONS_CODE, HomeFacts, Pages, code_key, theme_dir
from pipeline.site.tracks import TRACKS_CODE, track_outputs
from pipeline.site.takes import take_media
from pipeline.site.searchfiles import search_outputs
from pipeline.site.views import ResourceView, SiteModel, content_key
from pipeline.workspace.catalogue import KINDS, LEVELS, Role
from pipeline.workspace.paths import Workspace

PAGE_SIZE = 48  # cards on one page of a long list: a role's level, an expert's clips
ROLE_PREVIEW = 12  # cards of each level on a role's page; a link leads to the whole level
FEED_MAX = 50
ROOT_ASSETS = ("search.gif", "feedback.gif", "sw.js")  # beacons at the root, so a log's path says what they are;
# the service worker too, as a worker's scope is the folder it is in


def pager(number: int, total: int) -> list[int | None]:
    """The page numbers a pager shows: all of a few, else the ends and the pages around this one (None: a gap)."""
    if total <= 9:
        return list(range(1, total + 1))
    shown = sorted({1, 2, total - 1, total, *range(max(1, number - 2), min(total, number + 2) + 1)})
    result: list[int | None] = []
    last = 0
    for page in shown:
        if result and page - last > 1:
            result.append(None)
        result.append(page)
        last = page
    return result


def page_path(folder: str, number: int) -> str:
    """A list page's path: ``folder/index.html`` for the first, ``folder/<n>/index.html`` after."""
    return f"{folder}/index.html" if number == 1 else f"{folder}/{number}/index.html"


@dataclass(frozen=True)
class _Plan:
    """What every planner needs: the model, the pages that render it, the key all pages share."""

    model: SiteModel
    pages: Pages
    base: str
    evidence: Evidence | None = None  # a report's "helped" counts, for credit (capture build --evidence)

    def card_keys(self, ids: Sequence[str]) -> list[str]:
        by_id = self.model.by_id
        return [by_id[i].card_key for i in ids if i in by_id]


def _paged_list(
    plan: _Plan, *, folder: str, cards: Sequence[ResourceView], template: str, context: dict[str, Any]
) -> list[Output]:
    """A long list of cards as pages of ``PAGE_SIZE``, each keyed by the cards it shows.

    ``context`` (plain values only) goes to the template and into every page's key.
    """
    total = max(1, -(-len(cards) // PAGE_SIZE))
    outputs = []
    for number in range(1, total + 1):
        shown = cards[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        rel = page_path(folder, number)
        page = {
            "number": number,
            "total": total,
            "first": (number - 1) * PAGE_SIZE + 1,
            "count": len(cards),
            "links": [(n, page_path(folder, n) if n else None) for n in pager(number, total)],
            "previous": page_path(folder, number - 1) if number > 1 else None,
            "next": page_path(folder, number + 1) if number < total else None,
        }
        key = content_key(plan.base, template, folder, context, page, [v.card_key for v in shown])
        outputs.append(
            Output(
                rel,
                key,
                render=functools.partial(plan.pages.listing, template, rel, shown=shown, page=page, context=context),
            )
        )
    return outputs


def _media(plan: _Plan) -> list[Output]:
    return [
        Output(f"media/{view.resource.id}/{media.name}", media.key, source=media.source)
        for view in plan.model.views
        for media in (view.video, view.poster)
        if media is not None
    ]


def _static(data: bytes) -> bytes:
    return data


def _assets() -> list[Output]:
    outputs = []
    for asset in sorted((theme_dir() / "static").iterdir()):
        if asset.is_file():
            data = asset.read_bytes()
            rel = asset.name if asset.name in ROOT_ASSETS else f"static/{asset.name}"
            key = hashlib.sha1(data).hexdigest()  # noqa: S324 - a change key
            outputs.append(Output(rel, key, render=functools.partial(_static, data)))
    return outputs


def _resources(plan: _Plan, *, built: dict[str, tuple[str, int]], site_root: str) -> list[Output]:
    """Each resource's page and, where its transcript is published, its captions."""
    model = plan.model
    captions_code = code_key(CAPTIONS_CODE, theme=False)
    tracks_code = code_key(TRACKS_CODE, theme=False)
    address = site_url(model.catalogue.settings)  # the embed snippet's address
    outputs = []
    for view in model.views:
        rid = view.resource.id
        places = model.journey_places(rid)
        links = [p for p in view.resource.prerequisites if p != rid] + model.next_steps.get(rid, [])
        links += [place.next_id for place in places if place.next_id]
        journeys = [(j.id, j.title) for j in model.in_journeys.get(rid, [])]
        credit = plan.evidence.resource_line(rid, model.today) if plan.evidence else ""
        key = content_key(
            plan.base,
            view.page_key,
            plan.card_keys(links),
            journeys,
            places,
            resource_version(view.resource),
            credit,
            address,
        )
        render = functools.partial(plan.pages.resource, view, credit=credit)
        outputs.append(Output(f"r/{rid}/index.html", key, render=render))
        if view.published:
            rel = f"r/{rid}/captions.vtt"
            key = content_key(captions_code, view.transcript_digest, view.words_digest, view.resource.duration)
            if built.get(rel, ("",))[0] == key:
                view.current_vtt = f"{site_root}/{rel}"
            outputs.append(Output(rel, key, render=functools.partial(plan.pages.captions, view)))
            outputs += track_outputs(view, tracks_code)  # chapters.vtt, descriptions.vtt
    return outputs


def _journeys(plan: _Plan) -> list[Output]:
    outputs = []
    for journey in plan.model.journeys:
        steps = journey.steps()
        key = content_key(
            plan.base, journey.id, journey.title, journey.goal, journey.summary, journey.roles,
            [(level, s.id, s.practice) for level, s in steps], plan.card_keys([s.id for _, s in steps]),
        )  # fmt: skip
        outputs.append(Output(f"j/{journey.id}/index.html", key, render=functools.partial(plan.pages.journey, journey)))
    return outputs


def _role(plan: _Plan, role: Role) -> list[Output]:
    """A role's page (a few cards of each level, its journeys) and the whole of each long level, paged."""
    journeys = [j for j in plan.model.journeys if role.id in j.roles]
    levels = plan.model.role_levels(role.id)
    previews = {level: cards[:ROLE_PREVIEW] for level, cards in levels.items()}
    counts = {level: len(cards) for level, cards in levels.items()}
    key = content_key(
        plan.base, role.id, role.name, role.description, counts,
        {level: [v.card_key for v in cards] for level, cards in previews.items()},
        [(j.id, j.title, j.goal, len(j.steps())) for j in journeys],
    )  # fmt: skip
    render = functools.partial(plan.pages.role, role, journeys=journeys, previews=previews, counts=counts)
    outputs = [Output(f"role/{role.id}/index.html", key, render=render)]
    for level, cards in levels.items():
        if len(cards) > ROLE_PREVIEW:  # the role page shows the first few; the whole list is paged
            context = {
                "heading": f"{level.capitalize() if level else 'Unplaced'} clips for {role.name}",
                "crumbs": [("index.html", "Home"), (f"role/{role.id}/index.html", role.name)],
            }
            folder = f"role/{role.id}/{level or 'unplaced'}"
            outputs += _paged_list(plan, folder=folder, cards=cards, template="list.html", context=context)
    return outputs


def _experts(plan: _Plan) -> list[Output]:
    outputs = []
    for slug, views in plan.model.experts.items():
        jobs = sorted({v.resource.expert.job_title for v in views if v.resource.expert.job_title})
        credit = plan.evidence.expert_line([v.resource.id for v in views]) if plan.evidence else ""
        context = {"name": views[0].resource.expert.name, "jobs": jobs, "credit": credit}
        outputs += _paged_list(plan, folder=f"expert/{slug}", cards=views, template="expert.html", context=context)
    return outputs


def clips_folder(level: str, kind: str) -> str:
    """Where the all-clips list of one level and kind ("" for any) lives."""
    return "clips" if not (level or kind) else f"clips/{level or 'any-level'}/{kind or 'any-kind'}"


Choice = tuple[str, "str | None", int, bool]  # label, the list's path (None: no clips), count, chosen


def _clip_lists(views: Sequence[ResourceView]) -> dict[tuple[str, str], list[ResourceView]]:
    """Every clip by title, in each level-and-kind list that is not empty (the list of all is always made)."""
    ordered = sorted(views, key=lambda v: (v.resource.title.casefold(), v.resource.id))
    lists: dict[tuple[str, str], list[ResourceView]] = {}
    for level in ("", *LEVELS):
        for kind in ("", *KINDS):
            cards = [v for v in ordered if level in ("", v.resource.level) and kind in ("", v.resource.kind)]
            if cards or not (level or kind):
                lists[(level, kind)] = cards
    return lists


def _choice(
    lists: dict[tuple[str, str], list[ResourceView]], *, pick: tuple[str, str], chosen: tuple[str, str], label: str
) -> Choice:
    """One filter chip: the list of ``pick`` (level, kind), if it has clips, and whether it is the one shown."""
    found = lists.get(pick)
    path = f"{clips_folder(*pick)}/index.html" if found is not None else None
    return (label, path, len(found or []), pick == chosen)


def _clips(plan: _Plan) -> list[Output]:
    """The "all clips" pages: every clip, with level and kind filters (a list each) and the roles' pages."""
    lists = _clip_lists(plan.model.views)
    roles = [(f"role/{role.id}/index.html", role.name) for role in plan.model.roles()]
    outputs = []
    for (level, kind), cards in lists.items():
        here = (level, kind)
        context = {
            "heading": "All clips",
            "level_choices": [
                _choice(lists, pick=(lv, kind), chosen=here, label=lv.capitalize() or "Any level")
                for lv in ("", *LEVELS)
            ],
            "kind_choices": [
                _choice(lists, pick=(level, kd), chosen=here, label=kd.capitalize() or "Any kind")
                for kd in ("", *KINDS)
            ],
            "role_links": roles,
            "narrowed": " · ".join(part.capitalize() for part in (level, kind) if part),
        }
        folder = clips_folder(level, kind)
        outputs += _paged_list(plan, folder=folder, cards=cards, template="clips.html", context=context)
    return outputs


def _subscribe(plan: _Plan) -> Output:
    """The page the footer links to: what the feed is and how to follow it (a raw feed is XML to a person)."""
    return Output("subscribe.html", content_key(plan.base, "subscribe"), render=plan.pages.subscribe)


def _feed(plan: _Plan) -> Output:
    entries = sorted(plan.model.views, key=lambda v: v.resource.updated or v.resource.captured, reverse=True)[:FEED_MAX]
    key = content_key(plan.base, [(v.card_key, v.resource.summary, v.expert_slug, v.resource.roles) for v in entries])
    return Output("feed.xml", key, render=functools.partial(plan.pages.feed, entries))


def _home(plan: _Plan) -> Output:
    model = plan.model
    home = HomeFacts(model)
    key = content_key(
        plan.base, home.which, [v.card_key for v in home.newest], home.role_counts, home.experts, len(model.views),
        [(j.id, j.title, j.goal, j.roles, len(j.steps())) for j in model.journeys],
    )  # fmt: skip
    return Output("index.html", key, render=functools.partial(plan.pages.home, home))


def plan_outputs(
    model: SiteModel,
    workspace: Workspace,
    built: dict[str, tuple[str, int]] | None = None,
    *,
    evidence: Evidence | None = None,
) -> list[Output]:
    """Every file of the site with its key, in commit order: media, assets, resources, lists, home."""
    settings = model.catalogue.settings
    code = code_key()
    if built is None:
        built = load_manifest(workspace.cache_dir / "site" / "manifest.txt", workspace.site_dir)
    base = content_key(
        code, settings.title, settings.organisation, settings.feedback, settings.site.language,
        settings.site.publish_drafts, [(r.id, r.name, r.description) for r in model.roles()], settings.site.url,
        bool(model.questions),
    )  # fmt: skip
    plan = _Plan(model, Pages(model, workspace.cache_dir / "site" / "jinja"), base, evidence)
    media = [*_media(plan), *take_media(model)]  # previous takes' media beside the current takes'
    resources = _resources(plan, built=built, site_root=str(workspace.site_dir))
    outputs = [*media, *_assets(), *with_embeds(resources, model.views, pages=plan.pages, base=plan.base)]
    outputs += _journeys(plan)
    for role in model.roles():
        outputs += _role(plan, role)
    outputs += _experts(plan)
    outputs += _clips(plan)
    outputs += redirect_outputs(model, plan.pages, base)
    outputs += question_outputs(model, plan.pages, base=base)
    outputs += plan_offline(model.journeys, outputs, base=plan.base)
    outputs += [_feed(plan), _subscribe(plan)]
    terms = workspace.cache_dir / "site" / "search-terms.pickle"
    outputs += search_outputs(model.views, roles=[r.id for r in model.roles()], code=code, cache=terms)
    return [*outputs, _home(plan)]
