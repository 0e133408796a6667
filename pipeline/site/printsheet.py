"""``capture print``: a sheet of QR codes to put up at the machine, one scan from the clip about it.

Each code is a short link (``<site.url>s/<code>/``, :mod:`pipeline.workspace.codes`), so a
sheet on the wall stays valid through renames. The sheet is one self-contained HTML file with a
print stylesheet (A4 or US Letter, or a label printer's 62 mm roll); the codes are inline SVG
from segno, nothing is fetched from another host. Pages hold a fixed number of codes sized to
fit the smaller of the two papers, so a long journey runs on to a next page and no code is cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import CaptureError
from pipeline.fsutil import atomic_write_text
from pipeline.site.render import minutes
from pipeline.workspace.catalogue import Catalogue, Resource, read_catalogue
from pipeline.workspace.codes import CODE_PATTERN, JOURNEY, RESOURCE, ROLE, assign_codes
from pipeline.workspace.journeys import Journey, load_journey
from pipeline.workspace.paths import CATALOGUE_NAME, Workspace

KINDS = (RESOURCE, JOURNEY, ROLE)
PAPERS = ("a4", "letter")
# Codes on one page, by size: a label printer's label, a sheet to cut up, a poster for a journey.
SIZES: dict[str, int] = {"label": 1, "sheet": 6, "poster": 12}
TITLE_MAX = 90  # characters of a title on a code; a longer one is cut with an ellipsis
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})$|^(\d+)$")


@dataclass(frozen=True)
class PrintRequest:
    kind: str  # resource, journey or role
    id: str
    every_clip: bool = False  # a role or a journey: a code for each of its clips too
    at: str | None = None  # a resource: open the clip at this moment ("1:30")
    size: str | None = None  # label, sheet or poster; None: label for one code, else poster or sheet
    paper: str = "a4"


@dataclass(frozen=True)
class PrintCode:
    """One QR code on a sheet and the words printed with it."""

    url: str  # what the code holds: the short link, with #t= where it opens at a moment
    title: str
    facts: str  # level and expert, or what the code stands for
    caption: str  # "Scan: how to clear a film jam, 2 min"
    svg: str = ""

    @property
    def written(self) -> str:
        """The link written out for someone without a camera (no scheme: a browser adds it)."""
        return re.sub(r"^https?://", "", self.url)


@dataclass
class Sheet:
    heading: str
    size: str
    paper: str
    codes: list[PrintCode] = field(default_factory=list)

    @property
    def layout(self) -> str:
        """"label", or the size and the paper: "poster, a4" (a label printer's roll has no paper size)."""
        return "label" if self.size == "label" else f"{self.size}, {self.paper}"

    @property
    def pages(self) -> list[list[PrintCode]]:
        per_page = SIZES[self.size]
        return [self.codes[i : i + per_page] for i in range(0, len(self.codes), per_page)]


@dataclass(frozen=True)
class PrintResult:
    path: Path
    sheet: Sheet
    assigned: int  # short codes given for this print (written to resources.yaml and journeys/)


def parse_moment(text: str) -> int:
    """``1:30`` or ``90`` or ``1:02:03`` as whole seconds; a clear error for anything else."""
    match = _TIME.match(text.strip())
    if match is None:
        raise CaptureError(f"--at: expected a moment like 1:30 or 90 (seconds), got {text!r}")
    if match.group(4) is not None:
        return int(match.group(4))
    hours, minutes, seconds = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
    if seconds > 59 or (match.group(1) is not None and minutes > 59):
        raise CaptureError(f"--at: expected a moment like 1:30 or 90 (seconds), got {text!r}")
    return hours * 3600 + minutes * 60 + seconds


def _short(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _lower_first(title: str) -> str:
    """"How to clear a jam" reads "how to clear a jam" after "Scan:"; "PLC reset" stays as it is."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def _length(seconds: float) -> str:
    if seconds <= 0:
        return ""
    return f"{round(seconds)}\u00a0s" if seconds < 60 else f"{max(1, round(seconds / 60))}\u00a0min"  # kept on one line


def _clips(count: int) -> str:
    return f"{count} clip{'s' * (count != 1)}"


def _resource_code(resource: Resource, url: str, at: int | None = None) -> PrintCode:
    title = _short(resource.title)
    facts = " · ".join(p for p in ((resource.level or "").capitalize(), _short(resource.expert.name, 60)) if p)
    parts = [f"Scan: {_lower_first(title)}", _length(resource.duration)]
    if at is not None:
        parts.append(f"from {minutes(at)}")
        url += f"#t={at}"
    return PrintCode(url=url, title=title, facts=facts, caption=", ".join(p for p in parts if p))


class _Planner:
    """Turns a request into the sheet's codes, from a catalogue in which every code is given."""

    def __init__(self, workspace: Workspace, catalogue: Catalogue, request: PrintRequest) -> None:
        self.workspace = workspace
        self.catalogue = catalogue
        self.request = request
        self.base = catalogue.settings.site.url

    def plan(self) -> tuple[str, list[PrintCode]]:
        """The sheet's heading and codes."""
        return {RESOURCE: self.resource, JOURNEY: self.journey, ROLE: self.role}[self.request.kind]()

    def link(self, code: str) -> str:
        if code and not CODE_PATTERN.match(code):  # a hand-edited code: printed, it would lead nowhere
            raise CaptureError(f"the short code {code!r} is malformed; run `capture check`, which says where it is")
        return f"{self.base}s/{code}/"

    def resource(self) -> tuple[str, list[PrintCode]]:
        resource = self.catalogue.get(self.request.id)
        at = parse_moment(self.request.at) if self.request.at is not None else None
        if at is not None and resource.duration and at >= resource.duration:
            raise CaptureError(
                f"--at: {self.request.at} is after the end of '{resource.id}' "
                f"({minutes(resource.duration)}); give an earlier moment"
            )
        return resource.title, [_resource_code(resource, self.link(resource.code), at)]

    def journey(self) -> tuple[str, list[PrintCode]]:
        journey = load_journey(self.workspace.journeys_dir, self.request.id)
        members = [r for r in (self.catalogue.find(s.id) for _, s in journey.steps()) if r is not None]
        if not members:
            raise CaptureError(f"journey '{journey.id}' has no steps to print; add resource ids to its stages first")
        return journey.title, self.group(journey_code(journey, self.link(journey.code), len(members)), members)

    def role(self) -> tuple[str, list[PrintCode]]:
        role = self.catalogue.settings.role(self.request.id)
        if role is None:
            declared = ", ".join(r.id for r in self.catalogue.settings.roles) or "none"
            raise CaptureError(
                f"no role '{self.request.id}' under roles: in {CATALOGUE_NAME} (declared: {declared}); "
                "print one of those"
            )
        members = [r for r in self.catalogue.resources if role.id in r.roles]
        if not members:
            raise CaptureError(
                f"role '{role.id}' has no clips to print; tag some with `capture tag ID --role {role.id}`"
            )
        head = PrintCode(
            url=self.link(role.code),
            title=_short(f"Clips for {role.name}"),
            facts="Every clip for this role",
            caption=f"Scan: clips for {_lower_first(_short(role.name, 60))}, {_clips(len(members))}",
        )
        return f"Clips for {role.name}", self.group(head, members)

    def group(self, head: PrintCode, members: list[Resource]) -> list[PrintCode]:
        if not self.request.every_clip and self.request.kind == ROLE:
            return [head]
        return [head, *(_resource_code(r, self.link(r.code)) for r in members)]


def journey_code(journey: Journey, url: str, count: int) -> PrintCode:
    return PrintCode(
        url=url,
        title=_short(journey.title),
        facts=_short(journey.goal, 80) or "A journey: from knowing to doing",
        caption=f"Scan: the whole journey, {_clips(count)}",
    )


def check_request(catalogue: Catalogue, request: PrintRequest) -> None:
    """Everything wrong with the request that needs no look at what it names, in one line."""
    if request.kind not in KINDS:
        raise CaptureError(f"expected what to print as resource, journey or role, got {request.kind!r}")
    if request.size is not None and request.size not in SIZES:
        raise CaptureError(f"--size: expected label, sheet or poster, got {request.size!r}")
    if request.paper not in PAPERS:
        raise CaptureError(f"--paper: expected a4 or letter, got {request.paper!r}")
    if request.at is not None and request.kind != RESOURCE:
        raise CaptureError("--at: a moment belongs to one clip; use it with `capture print resource ID --at 1:30`")
    if request.every_clip and request.kind == RESOURCE:
        raise CaptureError("--every-clip: a resource is one clip; use it with a role or a journey")
    if not catalogue.settings.site.url:
        raise CaptureError(
            f"site.url is not set in {CATALOGUE_NAME}, and a QR code needs the site's public address; "
            "add it under site:, like `url: https://learning.example.com/packing/`, then print again"
        )


def _needs_codes(workspace: Workspace, catalogue: Catalogue) -> bool:
    from pipeline.workspace.journeys import load_journeys

    return (
        any(not r.code for r in catalogue.resources)
        or any(not r.code for r in catalogue.settings.roles)
        or any(not j.code for j in load_journeys(workspace.journeys_dir))
    )


def plan_sheet(workspace: Workspace, request: PrintRequest) -> tuple[Sheet, int]:
    """The sheet for ``request`` and how many short codes had to be given for it first."""
    catalogue = read_catalogue(workspace.catalogue_path)
    check_request(catalogue, request)
    heading, codes = _Planner(workspace, catalogue, request).plan()  # what it names is found, or nothing is written
    assigned = 0
    if _needs_codes(workspace, catalogue):  # a code is written down before it is ever printed
        assigned = len(assign_codes(workspace))
        catalogue = read_catalogue(workspace.catalogue_path)
        heading, codes = _Planner(workspace, catalogue, request).plan()
    size = request.size or ("label" if len(codes) == 1 else "poster" if request.kind == JOURNEY else "sheet")
    sheet = Sheet(heading=_short(heading), size=size, paper=request.paper)
    sheet.codes = [PrintCode(c.url, c.title, c.facts, c.caption, svg=qr_svg(c.url)) for c in codes]
    return sheet, assigned


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG, sized by the page's CSS (medium error correction, for dust)."""
    import segno

    svg = str(segno.make(url, error="m", micro=False).svg_inline(border=4, omitsize=True, svgclass="qr"))
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)  # the caption says what it is


def render_sheet(sheet: Sheet) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    from pipeline.site.render import theme_dir

    env = Environment(
        loader=FileSystemLoader(str(theme_dir())),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    svgs = [Markup(code.svg) for code in sheet.codes]  # noqa: S704 - segno's SVG of a URL, no person's text in it
    return env.get_template("printsheet.html").render(sheet=sheet, svgs=svgs, per_page=SIZES[sheet.size])


def default_output(workspace: Workspace, request: PrintRequest, sheet: Sheet) -> Path:
    clips = "-clips" if request.every_clip else ""
    return workspace.root / "prints" / f"{request.kind}-{request.id}{clips}-{sheet.layout.replace(', ', '-')}.html"


def print_sheet(workspace: Workspace, request: PrintRequest, output: Path | None = None) -> PrintResult:
    """Plan, render and write the sheet (atomically); the path it went to, the sheet, the codes given."""
    sheet, assigned = plan_sheet(workspace, request)
    path = output or default_output(workspace, request, sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_sheet(sheet))
    return PrintResult(path=path, sheet=sheet, assigned=assigned)

