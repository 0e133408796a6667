"""Journeys: loading with file:line problems, role_levels, `capture journey new` and `show`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from capture.cli import app
from pipeline.errors import CatalogueError
from pipeline.workspace.catalogue import LEVELS, Resource, load_catalogue
from pipeline.workspace.check import check_workspace
from pipeline.workspace.journeys import load_journey, load_journeys, role_levels, scaffold_journey
from pipeline.workspace.paths import Workspace
from tests.journey_workspace import edit, make_workspace

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(root), *args])


def test_journeys_load_with_steps_and_practice_notes(ws: Path) -> None:
    journeys = load_journeys(ws / "journeys")
    assert [j.id for j in journeys] == ["leads", "operators"]
    operators = journeys[1]
    assert operators.roles == ["operator"] and operators.goal == "Fewer stops."
    assert [(level, step.id, step.practice, step.line) for level, step in operators.steps()] == [
        ("beginner", "basics", "", 6),
        ("intermediate", "faults", "Hand over an open fault.", 8),
    ]


def test_journey_problems_are_all_reported_with_file_and_line(ws: Path) -> None:
    edit(ws / "journeys" / "leads.yaml", "stages:\n", "colour: blue\nstages:\n  expert: [x]\n")
    edit(ws / "journeys" / "leads.yaml", "intermediate: [faults]", "intermediate: [{practice: no id}]")
    with pytest.raises(CatalogueError) as caught:
        load_journeys(ws / "journeys")
    assert str(caught.value) == "the journeys have 3 problem(s); fix them and run the command again"
    assert caught.value.problems == [
        "journeys/leads.yaml:3: colour: unknown key (known keys: title, roles, goal, stages, summary)",
        "journeys/leads.yaml:5: stages.expert: expected beginner, intermediate or advanced",
        "journeys/leads.yaml:7: stages.intermediate[0]: expected a resource id or 'id: ...' with 'practice: ...'",
    ]


def test_role_levels_groups_by_level_with_prerequisites_first(ws: Path) -> None:
    edit(
        ws / "resources.yaml",
        "resources:\n",
        """resources:
  - id: checklist
    title: The checklist
    level: advanced
    roles: [lead]
    prerequisites: [briefing]
  - id: briefing
    title: The briefing
    level: advanced
    roles: [lead]
  - id: unsorted
    title: No level yet
    roles: [lead]
""",
    )
    catalogue = load_catalogue(ws / "resources.yaml")
    levels = role_levels(catalogue, "lead")
    assert list(levels) == list(LEVELS)
    assert {level: [r.id for r in rs] for level, rs in levels.items()} == {
        "beginner": ["basics"],
        "intermediate": [],
        "advanced": ["briefing", "checklist", "escalation"],
    }
    assert {level: [r.id for r in rs] for level, rs in role_levels(catalogue, "nobody").items()} == {
        "beginner": [],
        "intermediate": [],
        "advanced": [],
    }


@st.composite
def role_catalogues(draw: st.DrawFn) -> list[Resource]:
    """Acyclic catalogues whose prerequisites are never harder than what needs them."""
    count = draw(st.integers(min_value=0, max_value=12))
    resources: list[Resource] = []
    for rank in range(count):
        level_index = draw(st.integers(min_value=0, max_value=2))
        easier = [r.id for r in resources if LEVELS.index(r.level or "beginner") <= level_index]
        needs = draw(st.lists(st.sampled_from(easier), max_size=3, unique=True)) if easier else []
        roles = draw(st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=2, unique=True))
        resources.append(
            Resource(id=f"r{rank}", title=f"r{rank}", level=LEVELS[level_index], roles=roles, prerequisites=needs)
        )
    return draw(st.permutations(resources))


@settings(max_examples=150, deadline=None)
@given(role_catalogues())
def test_role_levels_never_puts_a_resource_before_its_prerequisites(resources: list[Resource]) -> None:
    from pipeline.workspace.catalogue import Catalogue, Settings

    catalogue = Catalogue(path=Path("resources.yaml"), settings=Settings(), resources=resources, doc={})
    levels = role_levels(catalogue, "a")
    walk = [r.id for level in LEVELS for r in levels[level]]
    assert sorted(walk) == sorted(r.id for r in resources if "a" in r.roles)
    for level in LEVELS:
        assert all(r.level == level for r in levels[level])
    place = {rid: i for i, rid in enumerate(walk)}
    for resource in resources:
        for need in resource.prerequisites:
            if resource.id in place and need in place:
                assert place[need] < place[resource.id]


SCAFFOLD = """\
# A journey for Lead: from not knowing, to knowing, to doing.
# Steps are resource ids from resources.yaml, in the order people take them; add a
# practice note to a step so people try it at work. Check it with `capture check`.
title: "Lead journey"
roles: [lead]
goal: ""  # the business goal this journey supports, e.g. "fewer first-hour stops"
stages:
  beginner:
    - id: basics  # Handover basics
      # practice: "try this in your next shift"
  intermediate:
    - id: faults  # Running faults (needed first by escalation)
      # practice: "try this in your next shift"
  advanced:
    - id: escalation  # Escalation
      # practice: "try this in your next shift"
"""


def test_scaffold_lists_the_roles_resources_and_what_they_need(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    assert scaffold_journey(catalogue, "lead", "lead-journey") == SCAFFOLD


def test_journey_new_writes_a_journey_that_passes_check(ws: Path) -> None:
    (ws / "journeys" / "leads.yaml").unlink()
    result = cli(ws, "journey", "new", "--role", "lead")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Wrote journeys/lead-journey.yaml with 3 steps for lead.",
        "Next: set its goal, add practice notes, then capture check.",
    ]
    assert (ws / "journeys" / "lead-journey.yaml").read_text(encoding="utf-8") == SCAFFOLD
    journey = load_journey(ws / "journeys", "lead-journey")
    assert [s.id for _, s in journey.steps()] == ["basics", "faults", "escalation"]
    assert check_workspace(Workspace(ws)).problems == []


def test_journey_new_with_id_and_title_and_an_unlevelled_resource(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: advanced\n", "")
    result = cli(ws, "journey", "new", "--role", "lead", "--id", "leading-shifts", "--title", 'Leading "shifts"')
    assert result.exit_code == 0, result.output
    text = (ws / "journeys" / "leading-shifts.yaml").read_text(encoding="utf-8")
    assert 'title: "Leading \\"shifts\\""' in text
    assert "  advanced: []\n" in text
    assert text.endswith("# Not placed, no level yet (set one with `capture tag ID --level ...`): escalation\n")
    assert load_journey(ws / "journeys", "leading-shifts").title == 'Leading "shifts"'


def test_journey_new_refuses_to_overwrite(ws: Path) -> None:
    before = (ws / "journeys" / "leads.yaml").read_bytes()
    result = cli(ws, "journey", "new", "--role", "lead", "--id", "leads")
    assert result.exit_code == 1
    assert result.stderr == "Error: journeys/leads.yaml already exists; edit it, or give another --id\n"
    assert (ws / "journeys" / "leads.yaml").read_bytes() == before


def test_journey_new_for_an_undeclared_role(ws: Path) -> None:
    result = cli(ws, "journey", "new", "--role", "manager")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: role 'manager' is not declared in resources.yaml (declared: operator, lead); "
        "add it under 'roles:' or pick one of those\n"
    )
    assert not (ws / "journeys" / "manager-journey.yaml").exists()


def test_journey_new_with_a_bad_id(ws: Path) -> None:
    result = cli(ws, "journey", "new", "--role", "lead", "--id", "Lead Path")
    assert result.exit_code == 1
    assert result.stderr == "Error: --id: expected a lower-case id like 'new-starters', got 'Lead Path'\n"


def test_journey_show_prints_a_tree(ws: Path) -> None:
    edit(ws / "journeys" / "operators.yaml", "    - basics\n", "    - basics\n    - gone\n")
    result = cli(ws, "journey", "show", "operators")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "For operators (operator)\n"
        "├── goal: Fewer stops.\n"
        "├── beginner (2 steps)\n"
        "│   ├── Handover basics (basics)\n"
        "│   └── gone: unknown resource id\n"
        "├── intermediate (1 step)\n"
        "│   └── Running faults (faults)\n"
        "│       └── practice: Hand over an open fault.\n"
        "└── advanced (0 steps)\n"
    )


def test_journey_show_unknown_id(ws: Path) -> None:
    result = cli(ws, "journey", "show", "nurses")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no journey 'nurses' in journeys/ (known: leads, operators); "
        "start one with `capture journey new --role ROLE`\n"
    )


def test_a_duplicate_key_in_a_journey_is_an_error_everywhere(ws: Path) -> None:
    """Issue 19 item 6: the journey reader applies the catalogue's rules (PyYAML alone keeps the last key)."""
    edit(ws / "journeys" / "leads.yaml", "title: For leads\n", "title: For leads\ntitle: For everyone\n")
    what = "duplicate key 'title' in one mapping; keep one of them (YAML would silently use the last)"
    with pytest.raises(CatalogueError) as caught:
        load_journeys(ws / "journeys")
    assert caught.value.problems == [f"journeys/leads.yaml:2: {what}"]
    with pytest.raises(CatalogueError) as one:
        load_journey(ws / "journeys", "leads")
    assert str(one.value) == f"journeys/leads.yaml:2: {what}"
    assert f"journeys/leads.yaml:2: error: {what}" in [str(p) for p in check_workspace(Workspace(ws)).problems]
    assert cli(ws, "journey", "show", "leads").exit_code == 1


def test_a_journey_with_a_bom_and_crlf_line_ends_reads_as_any_other(ws: Path) -> None:
    path = ws / "journeys" / "leads.yaml"
    plain = [(level, step.id, step.line) for level, step in load_journey(ws / "journeys", "leads").steps()]
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    journey = load_journey(ws / "journeys", "leads")
    assert journey.title == "For leads"
    assert [(level, step.id, step.line) for level, step in journey.steps()] == plain
