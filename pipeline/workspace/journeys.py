"""Journeys: ``journeys/<id>.yaml``, from not knowing to knowing to doing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CaptureError, CatalogueError, NotFoundError
from pipeline.fsutil import atomic_write_text
from pipeline.workspace.catalogue import ID_PATTERN, LEVELS, Catalogue, Resource
from pipeline.workspace.ordering import order_by_prerequisites
from pipeline.workspace.yamlio import line_of, read_yaml

JOURNEY_KEYS = ("title", "roles", "goal", "stages", "summary")
MANAGED_KEYS = ("code",)  # written by capture (`capture links`), not by hand: not offered in the known keys


@dataclass
class Step:
    id: str
    practice: str = ""
    line: int | None = None


@dataclass
class Journey:
    id: str
    title: str
    path: Path
    roles: list[str] = field(default_factory=list)
    goal: str = ""
    summary: str = ""
    code: str = ""  # its short link, s/<code>/ (pipeline.workspace.codes)
    stages: dict[str, list[Step]] = field(default_factory=lambda: {level: [] for level in LEVELS})

    def steps(self) -> list[tuple[str, Step]]:
        return [(level, step) for level in LEVELS for step in self.stages.get(level, [])]


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def parse_journey(path: Path, doc: Any) -> tuple[Journey, list[str]]:
    """Read one journey; return it with every problem found as ``file:line: where: what``."""
    name = f"journeys/{path.name}"
    problems: list[str] = []
    journey_id = path.stem
    if not ID_PATTERN.match(journey_id):
        problems.append(f"{name}:1: file name: expected a lower-case id like 'new-starters.yaml'")
    if not isinstance(doc, dict):
        problems.append(f"{name}:1: expected a mapping with title, roles, goal and stages")
        return Journey(id=journey_id, title=journey_id, path=path), problems
    for key in doc:
        if key not in JOURNEY_KEYS and key not in MANAGED_KEYS:
            problems.append(f"{name}:{line_of(doc, key)}: {key}: unknown key (known keys: {', '.join(JOURNEY_KEYS)})")
    journey = Journey(
        id=journey_id,
        title=_text(doc.get("title")) or journey_id.replace("-", " ").capitalize(),
        path=path,
        roles=_roles(doc, name, problems),
        goal=_text(doc.get("goal")),
        summary=_text(doc.get("summary")),
        code=_text(doc.get("code")),
    )
    stages = doc.get("stages") or {}
    if not isinstance(stages, dict):
        problems.append(f"{name}:{line_of(doc, 'stages')}: stages: expected beginner, intermediate and advanced lists")
        return journey, problems
    for level, steps in stages.items():
        if level not in LEVELS:
            problems.append(
                f"{name}:{line_of(stages, level)}: stages.{level}: expected beginner, intermediate or advanced"
            )
        elif steps is not None and not isinstance(steps, list):
            problems.append(f"{name}:{line_of(stages, level)}: stages.{level}: expected a list of resource ids")
        else:
            journey.stages[level].extend(_steps(steps or [], f"{name}:{{}}: stages.{level}", problems))
    return journey, problems


def _roles(doc: Any, name: str, problems: list[str]) -> list[str]:
    roles = doc.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list):
        problems.append(f"{name}:{line_of(doc, 'roles')}: roles: expected a list of role ids")
        return []
    return [_text(r) for r in roles if _text(r)]


def _steps(steps: list[Any], where: str, problems: list[str]) -> list[Step]:
    """A stage's steps: ids, or ``id:`` with ``practice:``; ``where`` takes the line in its ``{}``."""
    found: list[Step] = []
    for index, step in enumerate(steps):
        line = line_of(steps, index)
        if isinstance(step, str):
            found.append(Step(id=step.strip(), line=line))
        elif isinstance(step, dict) and _text(step.get("id")):
            found.append(Step(id=_text(step.get("id")), practice=_text(step.get("practice")), line=line))
        else:
            problems.append(f"{where.format(line)}[{index}]: expected a resource id or 'id: ...' with 'practice: ...'")
    return found


def read_journey(path: Path) -> tuple[Journey, Any, list[str]]:
    """The one reader of a journey file: the journey, its YAML tree (for lines) and its problems.

    A file that cannot be parsed at all comes back as an empty journey with that one problem.
    """
    name = f"journeys/{path.name}"
    try:
        doc = read_yaml(path, name)
    except CatalogueError as exc:
        return Journey(id=path.stem, title=path.stem, path=path), None, [str(exc)]
    journey, problems = parse_journey(path, doc)
    return journey, doc, problems


def load_journeys(folder: Path) -> list[Journey]:
    """Every journey in ``folder``, sorted by id; raise with all problems at once."""
    journeys: list[Journey] = []
    problems: list[str] = []
    if not folder.is_dir():
        return journeys
    for path in sorted(folder.glob("*.yaml")):
        journey, doc, found = read_journey(path)
        problems.extend(found)
        if doc is not None:
            journeys.append(journey)
    if problems:
        raise CatalogueError(
            f"the journeys have {len(problems)} problem(s); fix them and run the command again", problems
        )
    return journeys


def load_journey(folder: Path, journey_id: str) -> Journey:
    """One journey by id; raise NotFoundError naming the journeys there are, or its problems."""
    path = folder / f"{journey_id}.yaml"
    if not ID_PATTERN.match(journey_id) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.yaml"))[:8]) if folder.is_dir() else ""
        raise NotFoundError(
            f"no journey '{journey_id}' in journeys/ (known: {known or 'none yet'}); "
            "start one with `capture journey new --role ROLE`"
        )
    journey, doc, problems = read_journey(path)
    if doc is None:
        raise CatalogueError(problems[0])
    if problems:
        raise CatalogueError(
            f"journeys/{path.name} has {len(problems)} problem(s); fix them and run the command again", problems
        )
    return journey


def role_levels(catalogue: Catalogue, role_id: str) -> dict[str, list[Resource]]:
    """A role's resources by level (beginner, intermediate, advanced: all three keys, in that order).

    Each list is in catalogue order, moved only as far as prerequisites demand, so a
    prerequisite comes before what needs it. Resources without a level are left out
    (``capture check`` warns about them).
    """
    return by_level([r for r in catalogue.resources if role_id in r.roles])


def by_level(resources: list[Resource], *, unplaced: bool = False) -> dict[str, list[Resource]]:
    """``resources`` in the three levels, prerequisites first within each; ``unplaced`` adds "" for those with none."""
    grouped: dict[str, list[Resource]] = {level: [] for level in (*LEVELS, "") if level or unplaced}
    for resource in order_by_prerequisites(resources):
        level = resource.level if resource.level in LEVELS else ""
        if level in grouped:
            grouped[level].append(resource)
    return grouped


def _with_prerequisites(catalogue: Catalogue, resources: list[Resource]) -> tuple[list[Resource], dict[str, str]]:
    """``resources`` and everything they need, in catalogue order; and for each one added, who needs it."""
    wanted = {r.id for r in resources}
    needed_by: dict[str, str] = {}
    todo = list(resources)
    while todo:
        resource = todo.pop(0)
        for need in resource.prerequisites:
            found = catalogue.find(need)
            if found is not None and need not in wanted:
                wanted.add(need)
                needed_by[need] = resource.id
                todo.append(found)
    return [r for r in catalogue.resources if r.id in wanted], needed_by


def _quoted(text: str) -> str:
    """A YAML scalar for ``text``: JSON's double-quoted strings are valid YAML."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def scaffold_journey(catalogue: Catalogue, role_id: str, journey_id: str, *, title: str | None = None) -> str:
    """The text of a new journey for ``role_id``: its resources by level, prerequisites first.

    Written by hand rather than dumped, so it carries comments that say what to fill in.
    """
    role = catalogue.settings.role(role_id)
    if role is None:
        declared = ", ".join(r.id for r in catalogue.settings.roles) or "none"
        raise CaptureError(
            f"role '{role_id}' is not declared in {catalogue.path.name} (declared: {declared}); "
            "add it under 'roles:' or pick one of those"
        )
    resources, needed_by = _with_prerequisites(catalogue, [r for r in catalogue.resources if role_id in r.roles])
    levels = by_level(resources)
    lines = [
        f"# A journey for {role.name}: from not knowing, to knowing, to doing.",
        "# Steps are resource ids from resources.yaml, in the order people take them; add a",
        "# practice note to a step so people try it at work. Check it with `capture check`.",
        f"title: {_quoted(title or role.name + ' journey')}",
        f"roles: [{role.id}]",
        'goal: ""  # the business goal this journey supports, e.g. "fewer first-hour stops"',
        "stages:",
    ]
    for level in LEVELS:
        steps = levels[level]
        if not steps:
            lines.append(f"  {level}: []")
            continue
        lines.append(f"  {level}:")
        for resource in steps:
            note = f" (needed first by {needed_by[resource.id]})" if resource.id in needed_by else ""
            lines.append(f"    - id: {resource.id}  # {' '.join(resource.title.split())}{note}")
            lines.append('      # practice: "try this in your next shift"')
    unlevelled = [r.id for r in resources if r.level not in LEVELS]
    if unlevelled:
        lines.append(f"# Not placed, no level yet (set one with `capture tag ID --level ...`): {', '.join(unlevelled)}")
    return "\n".join(lines) + "\n"


def create_journey(
    folder: Path, catalogue: Catalogue, role_id: str, *, journey_id: str | None = None, title: str | None = None
) -> Path:
    """Write ``journeys/<id>.yaml`` scaffolded for a role; never overwrite one that exists."""
    journey_id = journey_id or f"{role_id}-journey"
    if not ID_PATTERN.match(journey_id):
        raise CaptureError(f"--id: expected a lower-case id like 'new-starters', got {journey_id!r}")
    path = folder / f"{journey_id}.yaml"
    if path.exists():
        raise CaptureError(f"journeys/{path.name} already exists; edit it, or give another --id")
    text = scaffold_journey(catalogue, role_id, journey_id, title=title)
    atomic_write_text(path, text)
    return path
