"""Tag suggestions with their reasons, confirming them, and recording who chose each tag."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from ruamel.yaml import YAML
from typer.testing import CliRunner

from capture.cli import app
from capture.commands.tag import confirm_tags
from pipeline.errors import CaptureError
from pipeline.workspace.catalogue import editing_catalogue, load_catalogue
from pipeline.workspace.tagging import PERSON, SUGGESTED, TagChange, apply_tags, suggest_for, suggest_tags
from tests.journey_workspace import edit, make_workspace

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

# The demo's sample clips: what the expected level and role are, and why.
SAMPLES = {
    "shift-handover-basics": (
        "level: beginner, because the clip says 'the basics' 1 time and 'before you leave' 1 time",
        "role: line-operator, because the clip says 'the line' 1 time and 'handover log' 1 time",
    ),
    "handing-over-a-running-fault": (
        "level: intermediate, because the clip says 'do not just' 1 time, 'running fault' 1 time and "
        "'what you already tried' 1 time",
        "role: line-operator, because the clip says 'operator' 1 time and 'fault code' 1 time",
    ),
    "when-no-shift-lead-arrives": (
        "level: advanced, because the clip says 'edge case' 1 time, 'line is down' 1 time and 'does not arrive' 1 time",
        "role: shift-lead, because the clip says 'shift lead' 2 times, 'duty manager' 1 time, 'lockout' 1 time "
        "and 'sign' 1 time",
    ),
}


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return load_catalogue(REPO / "resources.yaml")


@pytest.mark.parametrize("resource_id", list(SAMPLES))
def test_suggestions_on_the_sample_transcripts(demo, resource_id: str) -> None:  # type: ignore[no-untyped-def]
    resource = demo.get(resource_id)
    suggestions = suggest_for(REPO, demo, resource)
    level, role = SAMPLES[resource_id]
    assert str(suggestions.level) == level
    assert [str(s) for s in suggestions.roles] == [role]
    assert suggestions.level is not None and suggestions.level.value == resource.level  # what the person chose
    assert set(suggestions.values("roles")) <= set(resource.roles)


def test_suggestions_on_the_scripts_the_samples_were_spoken_from(demo) -> None:  # type: ignore[no-untyped-def]
    scripts = YAML(typ="safe").load((REPO / "samples" / "scripts.yaml").read_text(encoding="utf-8"))["clips"]
    by_title = {r.title: r for r in demo.resources}
    for clip in scripts:
        resource = by_title[clip["title"]]
        suggestions = suggest_tags(clip["text"], demo, resource.id)
        assert suggestions.values("level") == [resource.level], clip["title"]
        assert suggestions.values("roles")[0] in resource.roles, clip["title"]
        assert suggestions.values("kind") == [resource.kind], clip["title"]


def test_the_other_suggestions_for_a_sample(demo) -> None:  # type: ignore[no-untyped-def]
    suggestions = suggest_for(REPO, demo, demo.get("when-no-shift-lead-arrives"))
    assert [str(s) for s in suggestions.all()] == [
        "level: advanced, because the clip says 'edge case' 1 time, 'line is down' 1 time and 'does not arrive' 1 time",
        "kind: strategy, because the clip says 'if' 1 time, 'until' 1 time, 'never' 1 time and 'call the' 1 time",
        "role: shift-lead, because the clip says 'shift lead' 2 times, 'duty manager' 1 time, 'lockout' 1 time and "
        "'sign' 1 time",
        "topic: handover, because the clip says 'handover' 2 times",
        "topic: lockout, because the clip says 'lockout' 1 time",
        "topic: handover log, because the clip says 'handover log' 1 time",
    ]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def test_built_in_cues_and_reasons_when_the_file_has_none(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    text = "Your first time? The basics: ask the shift lead. Shift leads and the duty manager sign it."
    suggestions = suggest_tags(text, catalogue)
    assert str(suggestions.level) == (
        "level: beginner, because the clip says 'the basics' 1 time and 'first time' 1 time"
    )
    assert [str(s) for s in suggestions.roles] == [
        "role: lead, because the clip says 'shift lead' 2 times and 'duty manager' 1 time",
    ]


def test_a_weak_second_role_is_left_out_and_a_strong_one_kept(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    weak = suggest_tags("The shift lead, the shift lead, the duty manager and the operator.", catalogue)
    assert weak.values("roles") == ["lead"]
    strong = suggest_tags("The shift lead and the duty manager; the operator on the line.", catalogue)
    assert strong.values("roles") == ["operator", "lead"]  # a tie keeps the order roles are declared in


def test_a_tied_level_goes_to_the_harder_one_and_says_so(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    assert str(suggest_tags("The basics, the basics, and an edge case.", catalogue).level) == (
        "level: beginner, because the clip says 'the basics' 2 times (also cues for advanced: 'edge case')"
    )
    suggestions = suggest_tags("The basics of an edge case.", catalogue)
    assert str(suggestions.level) == (
        "level: advanced, because the clip says 'edge case' 1 time (also cues for beginner: 'the basics'; "
        "a tie goes to the harder level)"
    )


def test_cues_from_resources_yaml_replace_the_built_in_ones(ws: Path) -> None:
    edit(ws / "resources.yaml", "resources:\n", "levels:\n  advanced: [night shift]\nresources:\n")
    catalogue = load_catalogue(ws / "resources.yaml")
    assert catalogue.settings.levels == {"advanced": ["night shift"]}
    assert suggest_tags("An edge case.", catalogue).level is None
    assert str(suggest_tags("On night shifts, and the night shift.", catalogue).level) == (
        "level: advanced, because the clip says 'night shift' 2 times"
    )


def test_cue_sections_are_validated(ws: Path) -> None:
    edit(ws / "resources.yaml", "resources:\n", "levels:\n  expert: [x]\nkinds: [skill]\nresources:\n")
    with pytest.raises(CaptureError) as caught:
        load_catalogue(ws / "resources.yaml")
    assert caught.value.problems == ["resources.yaml:11: settings.kinds: expected a mapping, got a list"]


def test_no_words_no_suggestions(ws: Path) -> None:
    suggestions = suggest_tags("", load_catalogue(ws / "resources.yaml"))
    assert suggestions.all() == []


def test_prerequisites_named_in_the_transcript(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    text = "Watch Handover basics first, then running faults. Escalation comes later."
    suggestions = suggest_tags(text, catalogue, "faults")
    # 'faults' is not its own prerequisite, and escalation (which needs faults) would make a cycle.
    assert [str(s) for s in suggestions.prerequisites] == [
        "prerequisite: basics, because the clip names 'Handover basics' 1 time",
    ]


def test_apply_tags_records_who_chose_each_tag_and_keeps_comments(ws: Path) -> None:
    edit(ws / "resources.yaml", "  - id: escalation\n", "  # escalation: filmed on nights\n  - id: escalation\n")
    change = TagChange()
    change.set("level", "advanced", SUGGESTED)
    change.set("roles", ["lead", "operator"], PERSON)
    change.set("topics", ["lockout"], SUGGESTED)
    change.set("what", "Who to call.", PERSON)
    with editing_catalogue(ws / "resources.yaml") as catalogue:
        updated = apply_tags(catalogue, "escalation", change)
    assert updated.tagged == {"level": SUGGESTED, "roles": PERSON, "topics": SUGGESTED, "what": PERSON}
    text = (ws / "resources.yaml").read_text(encoding="utf-8")
    assert "  # escalation: filmed on nights\n  - id: escalation\n" in text
    again = load_catalogue(ws / "resources.yaml").get("escalation")
    assert (again.roles, again.topics, again.what, again.tagged) == (
        ["lead", "operator"],
        ["lockout"],
        "Who to call.",
        updated.tagged,
    )


@pytest.mark.parametrize(
    ("resource_id", "tag", "value", "message"),
    [
        ("faults", "level", "expert", "level: expected beginner, intermediate or advanced, got 'expert'"),
        ("faults", "kind", "story", "kind: expected skill, theory or strategy, got 'story'"),
        (
            "faults",
            "roles",
            ["manager"],
            "role 'manager' is not declared in resources.yaml (declared: operator, lead); add it under 'roles:' first",
        ),
        ("faults", "prerequisites", ["basics", "nope"], "prerequisite 'nope' is not a resource id; see `capture list`"),
        ("faults", "prerequisites", ["faults"], "'faults' cannot be its own prerequisite"),
        (
            "basics",
            "prerequisites",
            ["escalation"],
            "these prerequisites make a cycle basics → escalation → faults → basics; leave one of them out",
        ),
    ],
)
def test_apply_tags_refuses_what_cannot_be_used(
    ws: Path, resource_id: str, tag: str, value: object, message: str
) -> None:
    before = (ws / "resources.yaml").read_bytes()
    change = TagChange()
    change.set(tag, value, PERSON)  # type: ignore[arg-type]
    with pytest.raises(CaptureError) as caught, editing_catalogue(ws / "resources.yaml") as catalogue:
        apply_tags(catalogue, resource_id, change)
    assert str(caught.value) == message
    assert (ws / "resources.yaml").read_bytes() == before


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_confirm_tags_in_a_terminal_takes_defaults_and_records_overrides(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: advanced\n", "")
    catalogue = load_catalogue(ws / "resources.yaml")
    resource = catalogue.get("escalation")
    suggestions = suggest_tags("An edge case: call the duty manager. Shift lead only.", catalogue, "escalation")
    # level: Enter (the suggestion); kind: theory (an override); roles: wrong then Enter; topics: none;
    # prerequisites: Enter keeps the current ones; what: typed; why, when: Enter.
    answers = io.StringIO("\ntheory\nboss\n\n-\n\nWho to call at night.\n\n\n")
    out = quiet()
    change = confirm_tags(
        resource,
        suggestions,
        yes=False,
        roles=["operator", "lead"],
        resource_ids=["basics", "faults", "escalation"],
        out=out,
        stream=answers,
    )
    assert (change.level, change.kind, change.roles, change.topics, change.prerequisites) == (
        "advanced",
        "theory",
        None,
        None,
        None,
    )
    assert change.what == "Who to call at night."
    assert change.sources == {"level": SUGGESTED, "kind": PERSON, "what": PERSON}
    shown = out.file.getvalue()  # type: ignore[attr-defined]
    assert "Not known: boss; choose from operator, lead." in shown
    assert "level [beginner/intermediate/advanced/-] (advanced): " in shown


def test_confirm_tags_with_yes_fills_only_what_is_empty(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: advanced\n", "")
    catalogue = load_catalogue(ws / "resources.yaml")
    resource = catalogue.get("escalation")
    suggestions = suggest_tags("An edge case: the operator must call the duty manager.", catalogue)
    change = confirm_tags(resource, suggestions, yes=True)
    assert (change.level, change.kind, change.roles) == ("advanced", "strategy", None)  # roles were set already
    assert change.sources == {"level": SUGGESTED, "kind": SUGGESTED}


def test_confirm_tags_leaves_what_a_person_set(ws: Path) -> None:
    catalogue = load_catalogue(ws / "resources.yaml")
    resource = catalogue.get("escalation")
    resource.level = None
    resource.tagged = {"level": PERSON}
    change = confirm_tags(resource, suggest_tags("An edge case.", catalogue), yes=True)
    assert change.level is None


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(root), *args])


def test_capture_tag_sets_tags_as_the_persons(ws: Path) -> None:
    result = cli(
        ws,
        "tag",
        "faults",
        "--level",
        "advanced",
        "--role",
        "lead",
        "--role",
        "operator",
        "--kind",
        "skill",
        "--needs",
        "basics",
        "--topic",
        "faults",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "tagged faults: level: advanced (person); kind: skill (person); roles: lead, operator (person); "
        "topics: faults (person); prerequisites: basics (person)\n"
    )
    text = (ws / "resources.yaml").read_text(encoding="utf-8")
    assert "    tagged:\n      level: person\n      kind: person\n      roles: person\n" in text


def test_capture_tag_errors(ws: Path) -> None:
    before = (ws / "resources.yaml").read_bytes()
    unknown = cli(ws, "tag", "nope", "--level", "advanced")
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        "Error: no resource with id 'nope' in resources.yaml (known: basics, faults, escalation); see `capture list`\n"
    )
    bad = cli(ws, "tag", "faults", "--level", "expert")
    assert bad.exit_code == 1
    assert bad.stderr == "Error: level: expected beginner, intermediate or advanced, got 'expert'\n"
    assert (ws / "resources.yaml").read_bytes() == before


def test_capture_tag_suggests_and_yes_accepts(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: beginner\n", "")
    shown = cli(ws, "tag", "basics", "--suggest")
    assert shown.exit_code == 0
    assert shown.stdout == (
        "basics: suggested\n"
        "  level: beginner, because the clip says 'the basics' 1 time\n"
        "  role: operator, because the clip says 'the line' 1 time\n"
    )
    unchanged = cli(ws, "tag", "basics")  # not a terminal, no --yes: nothing changes
    assert unchanged.exit_code == 0
    assert "Nothing changed" in unchanged.stdout
    assert load_catalogue(ws / "resources.yaml").get("basics").level is None
    accepted = cli(ws, "tag", "basics", "--yes")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.splitlines()[-1] == "tagged basics: level: beginner (suggested); roles: operator, lead"
    assert load_catalogue(ws / "resources.yaml").get("basics").tagged == {"level": SUGGESTED}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to speak a clip")
def test_capture_add_yes_records_accepted_suggestions(ws: Path, tmp_path: Path) -> None:
    clip = tmp_path / "night-escalation.wav"
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            "en-us",
            "-s",
            "150",
            "-w",
            str(clip),
            "This is an edge case for shift leads. Call the duty manager.",
        ],
        check=True,
    )
    env_python = [sys.executable, "-m", "capture", "--workspace", str(ws), "add", str(clip), "--yes"]
    result = subprocess.run(
        env_python,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    resource = load_catalogue(ws / "resources.yaml").get("night-escalation")
    assert (resource.level, resource.roles) == ("advanced", ["lead"])
    assert resource.tagged["level"] == SUGGESTED and resource.tagged["roles"] == SUGGESTED
    assert "  level: advanced, because the clip says 'edge case' 1 time\n" in result.stdout


def test_enter_keeps_a_current_value_that_is_not_declared(ws: Path) -> None:
    edit(ws / "resources.yaml", "roles: [lead]", "roles: [manager]")
    catalogue = load_catalogue(ws / "resources.yaml")
    resource = catalogue.get("escalation")
    change = confirm_tags(
        resource,
        suggest_tags("", catalogue),
        yes=False,
        roles=["operator", "lead"],
        resource_ids=["basics", "faults", "escalation"],
        out=quiet(),
        stream=io.StringIO(""),
    )
    assert change.changed() == []  # end of input: every default kept, nothing asked twice


def test_phrases_match_whole_words_plurals_and_the_last_words() -> None:
    from pipeline.workspace.tagging import Words, _counts

    words = Words("Signs, signed, SIGN. Don't just log it: fault codes, a fault code")
    assert _counts(words, ["sign", "dont just", "fault code", "code", "log it"]) == [
        ("sign", 2),
        ("fault code", 2),
        ("dont just", 1),
        ("log it", 1),
    ]
    assert _counts(words, ["fault code", "code"], overlap=True) == [("fault code", 2), ("code", 2)]
    assert _counts(Words(""), ["anything"]) == []


def test_tags_that_cannot_be_used_leave_the_others_recorded(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from capture.commands.tag import tag_new_resources
    from pipeline.workspace.paths import Workspace

    edit(ws / "resources.yaml", "    level: advanced\n", "")
    edit(ws / "resources.yaml", "    level: beginner\n", "")
    # basics: the answer names 'escalation' as a prerequisite, which needs basics: a cycle, refused.
    # escalation: its level typed, everything else kept.
    answers = io.StringIO("\n\n\n\nescalation\n\n\n\n" + "advanced\n" + "\n" * 7)
    tag_new_resources(Workspace(ws), ["basics", "escalation"], interactive=True, stream=answers)
    captured = capsys.readouterr()
    assert (
        "Warning: basics not tagged: these prerequisites make a cycle basics → escalation → faults → basics; "
        "leave one of them out; set its tags with `capture tag basics`" in " ".join(captured.err.split())
    )
    catalogue = load_catalogue(ws / "resources.yaml")
    assert catalogue.get("basics").level is None
    escalation = catalogue.get("escalation")
    assert (escalation.level, escalation.tagged) == ("advanced", {"level": PERSON})
