"""``capture check``: the catalogue, the transcripts and the journeys, validated together.

Every problem is collected, none stops the others, and each names its file and line:
``journeys/leads.yaml:9: error: stages.beginner[1]: 'x' is advanced but sits in the beginner stage; ...``.
Errors are what would mislead a learner or break the site; warnings are gaps worth closing.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import clock
from pipeline.errors import CaptureError, CatalogueError
from pipeline.speech.summary import summary_from_text
from pipeline.speech.transcript import TIME_LINE, Transcript, format_time, read_transcript
from pipeline.workspace.catalogue import LEVELS, Catalogue, Resource, read_catalogue
from pipeline.workspace.journeys import Journey, Step, read_journey
from pipeline.workspace.ordering import find_cycles
from pipeline.workspace.paths import CATALOGUE_NAME, Workspace, windows_reserved
from pipeline.workspace.reviewdates import due
from pipeline.workspace.yamlio import line_of, paused_gc

ERROR = "error"
WARNING = "warning"
_LOCATED = re.compile(r"^(?P<file>[^:]+?\.(?:yaml|md))(?::(?P<line>\d+|\?))?: (?P<message>.*)$", re.S)


@dataclass(frozen=True)
class Problem:
    severity: str  # error or warning
    file: str  # relative to the workspace: resources.yaml, journeys/x.yaml, transcripts/x.md
    line: int | None
    message: str  # "where: what, and what to do"

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'}: {self.severity}: {self.message}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    resources: int = 0
    transcripts: int = 0
    journeys: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def _located(severity: str, text: str, default_file: str) -> Problem:
    """A Problem from a loader's ``file:line: message`` string."""
    match = _LOCATED.match(text)
    if match is None:
        return Problem(severity, default_file, None, text)
    line = match.group("line")
    return Problem(
        severity, match.group("file"), int(line) if line and line.isdigit() else None, match.group("message")
    )


def _hint(unknown: str, known: list[str]) -> str:
    close = difflib.get_close_matches(unknown, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _declared_hint(catalogue: Catalogue) -> str:
    return ", ".join(r.id for r in catalogue.settings.roles) or "none"


class _Checker:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.report = CheckReport()
        self.journey_docs: list[tuple[Journey, Any]] = []

    def error(self, file: str, line: int | None, message: str) -> None:
        self.report.problems.append(Problem(ERROR, file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.report.problems.append(Problem(WARNING, file, line, message))

    # resources.yaml ---------------------------------------------------------------------------
    def catalogue(self) -> Catalogue | None:
        try:
            catalogue = read_catalogue(self.workspace.catalogue_path)
        except CatalogueError as exc:
            for text in exc.problems or [str(exc)]:
                self.report.problems.append(_located(ERROR, text, CATALOGUE_NAME))
            return None
        for text in catalogue.warnings:
            self.report.problems.append(_located(WARNING, text, CATALOGUE_NAME))
        self.report.resources = len(catalogue.resources)
        return catalogue

    def resources(self, catalogue: Catalogue) -> None:
        entries = catalogue.doc.get("resources") or []
        by_id = {r.id: r for r in catalogue.resources}
        declared = {r.id for r in catalogue.settings.roles}
        for index, resource in enumerate(catalogue.resources):
            node = entries[index]
            where = f"resources[{index}]"
            for j, role in enumerate(resource.roles):
                if role not in declared:
                    self.error(
                        CATALOGUE_NAME,
                        _item_line(node, "roles", j),
                        f"{where}.roles: role '{role}' is not declared; add it under 'roles:' in "
                        f"{CATALOGUE_NAME} (declared: {_declared_hint(catalogue)})",
                    )
            self.prerequisites(resource, node, where=where, by_id=by_id)
            if resource.level is None:
                self.warn(
                    CATALOGUE_NAME,
                    resource.line,
                    f"{where}.level: '{resource.id}' has no level; set one with "
                    f"`capture tag {resource.id} --level beginner|intermediate|advanced`",
                )
            self.files(resource, node, where)
        for index, declared_role in enumerate(catalogue.settings.roles):
            if windows_reserved(declared_role.id):
                line = line_of(catalogue.doc.get("roles"), index)
                what = f"roles[{index}].id: {_reserved(declared_role.id, 'role')}; rename the role"
                self.error(CATALOGUE_NAME, line, what)
        self.cycles(catalogue, entries)

    def prerequisites(self, resource: Resource, node: Any, *, where: str, by_id: dict[str, Resource]) -> None:
        rank = {level: index for index, level in enumerate(LEVELS)}
        for j, need in enumerate(resource.prerequisites):
            line = _item_line(node, "prerequisites", j)
            needed = by_id.get(need)
            if needed is None:
                self.error(
                    CATALOGUE_NAME,
                    line,
                    f"{where}.prerequisites: unknown resource id '{need}'{_hint(need, list(by_id))}; "
                    "use an id from `capture list`",
                )
            elif resource.level and needed.level and rank[needed.level] > rank[resource.level]:
                self.warn(
                    CATALOGUE_NAME,
                    line,
                    f"{where}.prerequisites: '{need}' is {needed.level}, harder than this "
                    f"{resource.level} resource; check both levels",
                )

    def files(self, resource: Resource, node: Any, where: str) -> None:
        """What the build needs of a resource on disk: a folder name Windows allows, and its video."""
        if windows_reserved(resource.id):
            self.error(
                CATALOGUE_NAME,
                line_of(node, "id"),
                f"{where}.id: {_reserved(resource.id, 'r')}; give it another id",
            )
        # Media is not committed: a checkout without media/ (a fresh clone, CI) has none to check yet.
        media = self.workspace.media_dir.is_dir()
        if media and resource.video and not (self.workspace.root / resource.video).is_file():
            self.error(
                CATALOGUE_NAME,
                line_of(node, "video"),
                f"{where}.video: {resource.video} does not exist, so its page would have no video; "
                "run `capture add` on its clip again to rebuild it",
            )

    def cycles(self, catalogue: Catalogue, entries: list[Any]) -> None:
        position = {r.id: i for i, r in enumerate(catalogue.resources)}
        for cycle in find_cycles(catalogue.resources):
            first = cycle[0]
            node = entries[position[first]]
            self.error(
                CATALOGUE_NAME,
                line_of(node, "prerequisites"),
                f"resources[{position[first]}].prerequisites: prerequisite cycle {' → '.join(cycle)}; "
                "remove one of these prerequisites",
            )

    def takes(self, catalogue: Catalogue) -> None:
        """A previous take whose video is gone is left off its page: ``capture prune`` drops takes, not a person."""
        if not self.workspace.media_dir.is_dir():
            return
        entries = catalogue.doc.get("resources") or []
        for index, resource in enumerate(catalogue.resources):
            for number, take in enumerate(resource.versions):
                if take.video and not (self.workspace.root / take.video).is_file():
                    self.warn(
                        CATALOGUE_NAME,
                        _item_line(entries[index], "versions", number),
                        f"resources[{index}].versions[{number}].video: {take.video} does not exist, so the page "
                        f"does not offer version {take.version}; restore the file, or remove the take from versions",
                    )

    def review_dates(self, catalogue: Catalogue) -> None:
        """Resources due for another check by their expert (``review_by``, or ``review_every`` since the last one)."""
        for item in due(catalogue, clock.today()):
            self.warn(
                CATALOGUE_NAME,
                item.line,
                f"'{item.id}' is due for a check by its expert: {item.reason}; ask them to watch it again, "
                f"then `capture approve {item.id}`{' and set a new review_by' if not item.checked else ''}",
            )

    # transcripts ------------------------------------------------------------------------------
    def transcripts(self, catalogue: Catalogue) -> None:
        entries = catalogue.doc.get("resources") or []
        used: set[Path] = {
            Path(os.path.realpath(self.workspace.root / take.transcript))
            for resource in catalogue.resources
            for take in resource.versions
            if take.transcript
        }  # a previous take's transcript is kept with it
        for index, resource in enumerate(catalogue.resources):
            if resource.transcript:
                path = Path(os.path.realpath(self.workspace.root / resource.transcript))
                used.add(path)
                self.transcript(resource, entries[index], index, path=path)
        folder = self.workspace.transcripts_dir
        if folder.is_dir():
            for path in sorted(folder.glob("*.md")):
                if Path(os.path.realpath(path)) not in used:
                    self.warn(
                        self.workspace.relative(path),
                        1,
                        f"no resource in {CATALOGUE_NAME} points to this transcript; "
                        "add its entry again with `capture add`, or delete the file",
                    )

    def transcript(self, resource: Resource, node: Any, index: int, *, path: Path) -> None:
        name = str(resource.transcript)
        if not path.is_file():
            self.error(
                CATALOGUE_NAME,
                line_of(node, "transcript"),
                f"resources[{index}].transcript: {name} does not exist; run `capture add` on the clip again to make it",
            )
            return
        self.report.transcripts += 1
        try:
            transcript = read_transcript(path, name)
        except CaptureError as exc:
            self.report.problems.append(_located(ERROR, str(exc), name))
            return
        if transcript.id != resource.id:
            self.error(
                name,
                _front_matter_line(path, "id"),
                f"id: '{transcript.id}' does not match the resource '{resource.id}' whose transcript "
                "this is; make them the same",
            )
        self.times(transcript, resource, path=path, name=name)
        if not resource.summary.strip() and transcript.lines and not summary_from_text(transcript.text):
            self.warn(
                CATALOGUE_NAME,
                line_of(node, "summary") or resource.line,
                f"resources[{index}].summary: '{resource.id}' has no summary and no sentence of its transcript "
                "says what it is about (a greeting or a name is no summary), so its card and search hits "
                "show only the title; write one sentence under summary:",
            )

    def times(self, transcript: Transcript, resource: Resource, *, path: Path, name: str) -> None:
        """A line timed after the clip ends would be a caption nobody sees and a search hit that jumps nowhere."""
        if resource.duration <= 0:
            return  # the length is unknown: nothing to hold the times against
        # Half a second of slack: the catalogue rounds the length to 0.01 s and a transcript its times to 0.1 s.
        late = [line for line in transcript.lines if line.start > resource.duration + 0.5]
        if late:
            self.error(
                name,
                _time_line(path, late[0].start),
                f"[{format_time(late[0].start)}]: the line starts after the clip ends at "
                f"{format_time(resource.duration)} ({len(late)} line{'s' * (len(late) != 1)} like it); "
                "correct the time or remove the line",
            )

    # journeys ---------------------------------------------------------------------------------
    def journeys(self, catalogue: Catalogue | None) -> set[str]:
        placed: set[str] = set()
        folder = self.workspace.journeys_dir
        if not folder.is_dir():
            return placed
        for path in sorted(folder.glob("*.yaml")):
            name = f"journeys/{path.name}"
            journey, doc, found = read_journey(path)
            for text in found:
                self.report.problems.append(_located(ERROR, text, name))
            if doc is None:
                continue
            self.report.journeys += 1
            self.journey_docs.append((journey, doc))
            if windows_reserved(journey.id):
                self.error(name, 1, f"file name: {_reserved(journey.id, 'j')}; rename the file")
            placed.update(step.id for _, step in journey.steps())
            if catalogue is not None:
                self.journey(catalogue, journey, doc=doc, name=name)
        return placed

    def journey(self, catalogue: Catalogue, journey: Journey, *, doc: Any, name: str) -> None:
        declared = {r.id for r in catalogue.settings.roles}
        roles_node = doc.get("roles") if isinstance(doc, dict) else None
        for j, role in enumerate(journey.roles):
            if role not in declared:
                line = line_of(roles_node, j) if isinstance(roles_node, list) else line_of(doc, "roles")
                self.error(
                    name,
                    line,
                    f"roles: role '{role}' is not declared; add it under 'roles:' in {CATALOGUE_NAME} "
                    f"(declared: {_declared_hint(catalogue)})",
                )
        by_id = {r.id: r for r in catalogue.resources}
        steps = journey.steps()
        where_of, order = self.places(steps, name)
        for position, (level, step) in enumerate(steps):
            if order.get(step.id) != position:
                continue  # a repeat, reported by places
            where = where_of[step.id]
            resource = by_id.get(step.id)
            if resource is None:
                self.error(
                    name,
                    step.line,
                    f"{where}: unknown resource id '{step.id}'{_hint(step.id, list(by_id))}; "
                    "use an id from `capture list`",
                )
                continue
            if resource.level and LEVELS.index(resource.level) > LEVELS.index(level):
                self.error(
                    name,
                    step.line,
                    f"{where}: '{resource.id}' is {resource.level} but sits in the {level} stage; "
                    f"move it to the {resource.level} stage or change its level",
                )
            self.step_prerequisites(resource, step, position, name=name, known=(by_id, where_of, order))

    def places(self, steps: list[tuple[str, Step]], name: str) -> tuple[dict[str, str], dict[str, int]]:
        """Where each step is (``stages.beginner[1]``) and its position in the journey; repeats reported."""
        where_of: dict[str, str] = {}
        order: dict[str, int] = {}
        stage_index: dict[str, int] = {}
        for position, (level, step) in enumerate(steps):
            index = stage_index.get(level, 0)
            stage_index[level] = index + 1
            where = f"stages.{level}[{index}]"
            if step.id in where_of:
                self.error(name, step.line, f"{where}: '{step.id}' is already at {where_of[step.id]}; keep one")
                continue
            where_of[step.id] = where
            order[step.id] = position
        return where_of, order

    def step_prerequisites(
        self,
        resource: Resource,
        step: Step,
        position: int,
        *,
        name: str,
        known: tuple[dict[str, Resource], dict[str, str], dict[str, int]],
    ) -> None:
        """Each prerequisite of a step's resource comes before it in the journey."""
        by_id, where_of, order = known
        where = where_of[step.id]
        for need in resource.prerequisites:
            if need not in by_id or need == resource.id:
                continue  # reported in resources.yaml
            if need not in order:
                self.warn(
                    name,
                    step.line,
                    f"{where}: its prerequisite '{need}' is in no stage of this journey; add it before '{resource.id}'",
                )
            elif order[need] > position:
                self.error(
                    name,
                    step.line,
                    f"{where}: '{resource.id}' comes before its prerequisite '{need}' "
                    f"({where_of[need]}); move '{need}' before '{resource.id}'",
                )

    def codes(self, catalogue: Catalogue) -> None:
        """Short codes: well formed, and no two things claiming one (see pipeline.workspace.codes)."""
        from pipeline.workspace.codes import code_problems, journey_claim, question_claims, resource_claims

        claims = resource_claims(catalogue) + question_claims(catalogue)
        claims += [c for c in (journey_claim(j, doc) for j, doc in self.journey_docs) if c is not None]
        for claim, what in code_problems(claims, {r.id for r in catalogue.resources}):
            self.error(claim.file, claim.line, f"{claim.where}: {what}")

    def unplaced(self, catalogue: Catalogue, placed: set[str]) -> None:
        for index, resource in enumerate(catalogue.resources):
            if resource.id not in placed:
                self.warn(
                    CATALOGUE_NAME,
                    resource.line,
                    f"resources[{index}]: '{resource.id}' is in no journey; add it to a stage in journeys/ "
                    "(or start one with `capture journey new --role ROLE`)",
                )


def _reserved(identifier: str, folder: str) -> str:
    return (
        f"'{identifier}' is a name Windows reserves, so the site's {folder}/{identifier}/ folder cannot be "
        "copied to a Windows file share"
    )


def _time_line(path: Path, start: float) -> int | None:
    """The line of the transcript file whose time is ``start`` (the first such)."""
    for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = TIME_LINE.match(row)
        if match is not None:
            hours, minutes, seconds = match.group(1) or "0", match.group(2), match.group(3).replace(",", ".")
            if abs(int(hours) * 3600 + int(minutes) * 60 + float(seconds) - start) < 0.05:
                return number
    return None


def _item_line(node: Any, key: str, index: int) -> int | None:
    items = node.get(key) if isinstance(node, dict) else None
    if isinstance(items, list):
        return line_of(items, index)
    return line_of(node, key)


def _front_matter_line(path: Path, key: str) -> int:
    for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if row.strip().startswith(f"{key}:"):
            return number
    return 1


def _file_order(problem: Problem) -> tuple[int, str, int, bool]:
    group = 0 if problem.file == CATALOGUE_NAME else 1 if problem.file.startswith("transcripts/") else 2
    return group, problem.file, problem.line or 0, problem.severity != ERROR


def check_workspace(workspace: Workspace) -> CheckReport:
    """Validate ``resources.yaml``, the transcripts and the journeys; report every problem found."""
    with paused_gc():  # tens of thousands of lines and nodes, no cycles: the collector would only walk them
        return _check(workspace)


def _check(workspace: Workspace) -> CheckReport:
    checker = _Checker(workspace)
    catalogue = checker.catalogue()
    if catalogue is not None:
        checker.resources(catalogue)
        checker.transcripts(catalogue)
        checker.takes(catalogue)
        checker.review_dates(catalogue)
    placed = checker.journeys(catalogue)
    if catalogue is not None:
        checker.unplaced(catalogue, placed)
        checker.codes(catalogue)
        from pipeline.workspace.question_check import question_problems  # it builds on this module's Problem

        checker.report.problems += question_problems(workspace, catalogue)
    checker.report.problems.sort(key=_file_order)
    return checker.report
