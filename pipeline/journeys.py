"""Journeys: ``journeys/<id>.yaml``, from not knowing to knowing to doing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import ID_PATTERN, LEVELS
from .errors import CatalogueError
from .yamlio import line_of, load_yaml

JOURNEY_KEYS = ("title", "roles", "goal", "stages", "summary")


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
        if key not in JOURNEY_KEYS:
            problems.append(f"{name}:{line_of(doc, key)}: {key}: unknown key (known keys: {', '.join(JOURNEY_KEYS)})")
    roles = doc.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list):
        problems.append(f"{name}:{line_of(doc, 'roles')}: roles: expected a list of role ids")
        roles = []
    journey = Journey(
        id=journey_id, title=_text(doc.get("title")) or journey_id.replace("-", " ").capitalize(), path=path,
        roles=[_text(r) for r in roles if _text(r)], goal=_text(doc.get("goal")), summary=_text(doc.get("summary")),
    )
    stages = doc.get("stages") or {}
    if not isinstance(stages, dict):
        problems.append(f"{name}:{line_of(doc, 'stages')}: stages: expected beginner, intermediate and advanced lists")
        return journey, problems
    for level, steps in stages.items():
        if level not in LEVELS:
            problems.append(f"{name}:{line_of(stages, level)}: stages.{level}: expected beginner, intermediate or advanced")
            continue
        if steps is None:
            continue
        if not isinstance(steps, list):
            problems.append(f"{name}:{line_of(stages, level)}: stages.{level}: expected a list of resource ids")
            continue
        for index, step in enumerate(steps):
            line = line_of(steps, index)
            if isinstance(step, str):
                journey.stages[level].append(Step(id=step.strip(), line=line))
            elif isinstance(step, dict) and _text(step.get("id")):
                journey.stages[level].append(Step(id=_text(step.get("id")), practice=_text(step.get("practice")), line=line))
            else:
                problems.append(f"{name}:{line}: stages.{level}[{index}]: expected a resource id or 'id: ...' with 'practice: ...'")
    return journey, problems


def load_journeys(folder: Path) -> list[Journey]:
    """Every journey in ``folder``, sorted by id; raise with all problems at once."""
    journeys: list[Journey] = []
    problems: list[str] = []
    if not folder.is_dir():
        return journeys
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = load_yaml(path, f"journeys/{path.name}")
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        journey, found = parse_journey(path, doc)
        problems.extend(found)
        journeys.append(journey)
    if problems:
        raise CatalogueError(f"the journeys have {len(problems)} problem(s); fix them and run the command again", problems)
    return journeys
