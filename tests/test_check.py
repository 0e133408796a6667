"""``capture check``: each check with its exact message, and the exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.workspace.check import check_workspace
from pipeline.workspace.paths import Workspace
from tests.journey_workspace import edit, make_workspace

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_workspace(Workspace(root)).problems]


def run_check(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(root), "check", *args])


def test_a_clean_workspace_has_no_problems(ws: Path) -> None:
    report = check_workspace(Workspace(ws))
    assert report.problems == []
    assert (report.resources, report.transcripts, report.journeys) == (3, 1, 2)
    result = run_check(ws, "--strict")
    assert result.exit_code == 0
    assert result.stdout == "No problems in 3 resources, 1 transcript, 2 journeys.\n"


def test_the_demo_workspace_passes_strictly(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(REPO / "resources.yaml", demo)
    shutil.copytree(REPO / "journeys", demo / "journeys")
    shutil.copytree(REPO / "transcripts", demo / "transcripts")
    result = run_check(demo, "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("No problems in 3 resources, 3 transcripts, 2 journeys")


def test_unknown_prerequisite(ws: Path) -> None:
    edit(ws / "resources.yaml", "prerequisites: [basics]", "prerequisites: [basic]")
    assert problems(ws) == [
        "resources.yaml:19: error: resources[1].prerequisites: unknown resource id 'basic' (did you mean 'basics'?); "
        "use an id from `capture list`",
    ]


def test_unknown_id_in_a_journey(ws: Path) -> None:
    edit(ws / "journeys" / "leads.yaml", "advanced: [escalation]", "advanced: [escalate, zzz]")
    assert problems(ws) == [
        "resources.yaml:20: warning: resources[2]: 'escalation' is in no journey; add it to a stage in journeys/ "
        "(or start one with `capture journey new --role ROLE`)",
        "journeys/leads.yaml:6: error: stages.advanced[0]: unknown resource id 'escalate' "
        "(did you mean 'escalation'?); use an id from `capture list`",
        "journeys/leads.yaml:6: error: stages.advanced[1]: unknown resource id 'zzz'; use an id from `capture list`",
    ]


def test_prerequisite_cycle_is_named(ws: Path) -> None:
    edit(
        ws / "resources.yaml",
        "    transcript: transcripts/basics.md\n",
        "    transcript: transcripts/basics.md\n    prerequisites: [escalation]\n",
    )
    assert problems(ws) == [
        "resources.yaml:15: error: resources[0].prerequisites: prerequisite cycle basics → escalation → faults → "
        "basics; remove one of these prerequisites",
        "resources.yaml:15: warning: resources[0].prerequisites: 'escalation' is advanced, harder than this "
        "beginner resource; check both levels",
        "journeys/leads.yaml:4: error: stages.beginner[0]: 'basics' comes before its prerequisite 'escalation' "
        "(stages.advanced[0]); move 'escalation' before 'basics'",
        "journeys/operators.yaml:6: warning: stages.beginner[0]: its prerequisite 'escalation' is in no stage of "
        "this journey; add it before 'basics'",
    ]


def test_a_resource_that_needs_itself_is_a_cycle(ws: Path) -> None:
    edit(ws / "resources.yaml", "prerequisites: [faults]", "prerequisites: [faults, escalation]")
    assert problems(ws) == [
        "resources.yaml:24: error: resources[2].prerequisites: prerequisite cycle escalation → escalation; "
        "remove one of these prerequisites",
    ]


def test_resource_below_its_level_in_a_stage(ws: Path) -> None:
    edit(
        ws / "journeys" / "leads.yaml",
        "  beginner: [basics]\n  intermediate: [faults]\n  advanced: [escalation]",
        "  beginner: [basics, faults, escalation]",
    )
    assert problems(ws) == [
        "journeys/leads.yaml:4: error: stages.beginner[1]: 'faults' is intermediate but sits in the beginner stage; "
        "move it to the intermediate stage or change its level",
        "journeys/leads.yaml:4: error: stages.beginner[2]: 'escalation' is advanced but sits in the beginner stage; "
        "move it to the advanced stage or change its level",
    ]


def test_resource_before_its_prerequisite(ws: Path) -> None:
    edit(ws / "journeys" / "operators.yaml", "  beginner:\n    - basics\n  intermediate:\n", "  intermediate:\n")
    edit(
        ws / "journeys" / "operators.yaml",
        "      practice: Hand over an open fault.\n",
        "      practice: Hand over an open fault.\n    - basics\n",
    )
    assert problems(ws) == [
        "journeys/operators.yaml:6: error: stages.intermediate[0]: 'faults' comes before its prerequisite 'basics' "
        "(stages.intermediate[1]); move 'basics' before 'faults'",
    ]


def test_prerequisite_missing_from_the_journey_warns(ws: Path) -> None:
    edit(ws / "journeys" / "leads.yaml", "  intermediate: [faults]\n", "")
    assert problems(ws) == [
        "journeys/leads.yaml:5: warning: stages.advanced[0]: its prerequisite 'faults' is in no stage of this "
        "journey; add it before 'escalation'",
    ]


def test_role_used_but_not_declared(ws: Path) -> None:
    edit(
        ws / "resources.yaml",
        "roles: [operator]\n    prerequisites: [basics]",
        "roles: [operater]\n    prerequisites: [basics]",
    )
    edit(ws / "journeys" / "leads.yaml", "roles: [lead]", "roles: [lead, manager]")
    assert problems(ws) == [
        "resources.yaml:18: error: resources[1].roles: role 'operater' is not declared; add it under 'roles:' in "
        "resources.yaml (declared: operator, lead)",
        "journeys/leads.yaml:2: error: roles: role 'manager' is not declared; add it under 'roles:' in "
        "resources.yaml (declared: operator, lead)",
    ]


def test_resource_in_no_journey_is_a_warning_and_strict_fails(ws: Path) -> None:
    (ws / "journeys" / "leads.yaml").unlink()
    assert problems(ws) == [
        "resources.yaml:20: warning: resources[2]: 'escalation' is in no journey; add it to a stage in journeys/ "
        "(or start one with `capture journey new --role ROLE`)",
    ]
    relaxed = run_check(ws)
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[-1] == (
        "0 errors, 1 warning in 3 resources, 1 transcript, 1 journey; warnings do not fail the check "
        "(use --strict to make them)."
    )
    strict = run_check(ws, "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[-1] == (
        "0 errors, 1 warning in 3 resources, 1 transcript, 1 journey (--strict fails on warnings)."
    )


def test_errors_exit_1_and_every_problem_is_listed(ws: Path) -> None:
    edit(ws / "resources.yaml", "prerequisites: [basics]", "prerequisites: [nothing]")
    edit(ws / "journeys" / "operators.yaml", "    - basics\n", "    - basics\n    - nowhere\n")
    result = run_check(ws)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "resources.yaml:19: error: resources[1].prerequisites: unknown resource id 'nothing'; use an id from "
        "`capture list`",
        "journeys/operators.yaml:7: error: stages.beginner[1]: unknown resource id 'nowhere'; use an id from "
        "`capture list`",
        "2 errors, 0 warnings in 3 resources, 1 transcript, 2 journeys.",
    ]


def test_prerequisite_harder_than_the_resource_warns(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: intermediate\n", "    level: advanced\n")
    edit(ws / "resources.yaml", "    level: advanced\n    roles: [lead]", "    level: intermediate\n    roles: [lead]")
    in_catalogue = [p for p in problems(ws) if p.startswith("resources.yaml")]
    assert in_catalogue == [
        "resources.yaml:24: warning: resources[2].prerequisites: 'faults' is advanced, harder than this "
        "intermediate resource; check both levels",
    ]


def test_missing_level_warns(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: advanced\n", "")
    assert problems(ws) == [
        "resources.yaml:20: warning: resources[2].level: 'escalation' has no level; set one with "
        "`capture tag escalation --level beginner|intermediate|advanced`",
    ]


def test_missing_and_broken_transcripts(ws: Path) -> None:
    edit(
        ws / "resources.yaml",
        "    prerequisites: [basics]\n",
        "    prerequisites: [basics]\n    transcript: transcripts/faults.md\n",
    )
    edit(ws / "transcripts" / "basics.md", "[00:00.0] These", "[0:0] These")
    assert problems(ws) == [
        "resources.yaml:20: error: resources[1].transcript: transcripts/faults.md does not exist; run `capture add` "
        "on the clip again to make it",
        "transcripts/basics.md:5: error: cannot read the time in '[0:0] These are the basi'; write it as [mm:ss.s], "
        "e.g. [01:23.4]",
    ]


def test_transcript_for_another_resource_and_orphans(ws: Path) -> None:
    edit(ws / "transcripts" / "basics.md", "id: basics", "id: basic")
    (ws / "transcripts" / "old.md").write_text("---\nid: old\n---\n", encoding="utf-8")
    assert problems(ws) == [
        "transcripts/basics.md:2: error: id: 'basic' does not match the resource 'basics' whose transcript this is; "
        "make them the same",
        "transcripts/old.md:1: warning: no resource in resources.yaml points to this transcript; add its entry "
        "again with `capture add`, or delete the file",
    ]


def test_repeated_step_in_a_journey(ws: Path) -> None:
    edit(ws / "journeys" / "leads.yaml", "advanced: [escalation]", "advanced: [escalation, basics]")
    assert problems(ws) == [
        "journeys/leads.yaml:6: error: stages.advanced[1]: 'basics' is already at stages.beginner[0]; keep one",
    ]


def test_catalogue_and_journey_syntax_problems_keep_their_lines(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: advanced\n", "    level: expert\n")
    edit(ws / "journeys" / "operators.yaml", "stages:", "stage:")
    assert problems(ws) == [
        "resources.yaml:22: error: resources[2].level: expected beginner, intermediate or advanced, got 'expert'",
        "journeys/operators.yaml:4: error: stage: unknown key (known keys: title, roles, goal, stages, summary)",
    ]


def test_broken_yaml_still_lets_the_rest_be_checked(ws: Path) -> None:
    edit(ws / "resources.yaml", "title: Test know-how", "title: Test know-how\n  bad: indent")
    (ws / "journeys" / "broken.yaml").write_text("title: [unclosed\nroles: x\n", encoding="utf-8")
    (ws / "journeys" / "Bad Name.yaml").write_text("title: x\n", encoding="utf-8")
    result = run_check(ws)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "resources.yaml:2: error: mapping values are not allowed here; fix the YAML syntax there (a backup of your "
        "edit may be in git)",
        "journeys/Bad Name.yaml:1: error: file name: expected a lower-case id like 'new-starters.yaml'",
        "journeys/broken.yaml:2: error: expected ',' or ']', but got ':'; fix the YAML syntax there (a backup of "
        "your edit may be in git)",
        "3 errors, 0 warnings in 0 resources, 0 transcripts, 3 journeys.",
    ]


# Issue 19, item 8: what the build meets, check reports -------------------------------------------------


def test_an_invalid_feedback_address_is_a_warning_with_its_line(ws: Path) -> None:
    edit(ws / "resources.yaml", "title: Test know-how\n", "title: Test know-how\nfeedback: ask Jo in the canteen\n")
    assert problems(ws) == [
        "resources.yaml:2: warning: settings.feedback: expected an https:// form address or a mailto: address, "
        "got 'ask Jo in the canteen'; the site shows no feedback link until it is one"
    ]


def test_a_good_feedback_address_is_no_problem(ws: Path) -> None:
    edit(ws / "resources.yaml", "title: Test know-how\n", "title: Test know-how\nfeedback: mailto:jo@example.com\n")
    assert problems(ws) == []


def test_a_missing_video_is_an_error_where_the_workspace_has_media(ws: Path) -> None:
    edit(
        ws / "resources.yaml",
        "    transcript: transcripts/basics.md\n",
        ("    transcript: transcripts/basics.md\n    video: media/basics/video.mp4\n"),
    )
    assert problems(ws) == []  # no media/ at all: a fresh clone, where media is not committed yet
    (ws / "media" / "faults").mkdir(parents=True)
    assert problems(ws) == [
        "resources.yaml:15: error: resources[0].video: media/basics/video.mp4 does not exist, so its page would "
        "have no video; run `capture add` on its clip again to rebuild it"
    ]
    (ws / "media" / "basics").mkdir()
    (ws / "media" / "basics" / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    assert problems(ws) == []


def test_transcript_times_past_the_end_of_the_clip_are_an_error(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: beginner\n", "    level: beginner\n    duration: 30\n")
    path = ws / "transcripts" / "basics.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "[00:29.0] Still inside.\n[40:00.0] Past.\n[999999:13.5] Far past.\n",
        encoding="utf-8",
    )
    result = run_check(ws)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "transcripts/basics.md:7: error: [40:00.0]: the line starts after the clip ends at 00:30.0 "
        "(2 lines like it); correct the time or remove the line"
    )


@pytest.mark.parametrize("name", ["con", "nul", "com1", "lpt9", "aux", "prn"])
def test_ids_windows_reserves_are_an_error(ws: Path, name: str) -> None:
    catalogue = ws / "resources.yaml"
    edit(catalogue, "    signals: [shift lead, duty manager]\n", f"    signals: [shift lead]\n  - {name}\n")
    catalogue.write_text(catalogue.read_text() + f"  - id: {name}\n    level: beginner\n    roles: [lead]\n")
    edit(ws / "journeys" / "leads.yaml", "  beginner: [basics]", f"  beginner: [basics, {name}]")
    (ws / "journeys" / f"{name}.yaml").write_text("title: X\nroles: [lead]\nstages:\n  beginner: [basics]\n")
    found = [p for p in problems(ws) if "Windows" in p]
    assert found == [
        f"resources.yaml:9: error: roles[2].id: '{name}' is a name Windows reserves, so the site's role/{name}/ "
        "folder cannot be copied to a Windows file share; rename the role",
        f"resources.yaml:26: error: resources[3].id: '{name}' is a name Windows reserves, so the site's r/{name}/ "
        "folder cannot be copied to a Windows file share; give it another id",
        f"journeys/{name}.yaml:1: error: file name: '{name}' is a name Windows reserves, so the site's j/{name}/ "
        "folder cannot be copied to a Windows file share; rename the file",
    ]


def test_windows_reserved_names() -> None:
    from pipeline.workspace.paths import windows_reserved

    assert [
        n
        for n in ("con", "CON", "nul.txt", "com1", "com0", "lpt9", "aux", "console", "com10", "con-1")
        if windows_reserved(n)
    ] == ["con", "CON", "nul.txt", "com1", "com0", "lpt9", "aux"]


def test_a_transcript_that_gives_no_summary_asks_for_one(ws: Path) -> None:
    transcript = ws / "transcripts" / "basics.md"
    edit(transcript, "These are the basics of a handover on the line.", "Hi, I'm Alex from the wrapping station.")
    assert problems(ws) == [
        "resources.yaml:10: warning: resources[0].summary: 'basics' has no summary and no sentence of its "
        "transcript says what it is about (a greeting or a name is no summary), so its card and search hits "
        "show only the title; write one sentence under summary:",
    ]
    # A person's summary settles it; so does a transcript line that says what the clip is about.
    title = "    title: Handover basics\n"
    edit(ws / "resources.yaml", title, f"{title}    summary: The basics.\n")
    assert problems(ws) == []
    edit(ws / "resources.yaml", "    summary: The basics.\n", "")
    edit(transcript, "Hi, I'm Alex from the wrapping station.", "Hi, I'm Alex. Write three things in the log.")
    assert problems(ws) == []
