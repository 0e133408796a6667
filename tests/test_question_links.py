"""Short links for questions (issue 18): a code on each question, kept, checked, and leading to its answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from capture.cli import app
from pipeline.site.build import build_site
from pipeline.workspace.check import check_workspace
from pipeline.workspace.codes import CODE_PATTERN, assign_codes
from pipeline.workspace.paths import Workspace
from tests.journey_workspace import edit, make_workspace

runner = CliRunner()
LISTED = (
    "    transcript: transcripts/basics.md\n"
    "    questions:  # what the clip answers\n"
    "      - What goes in the handover log?  # asked at every workshop\n"
    "      - text: Who signs the handover?\n"
    "        at: '00:05'\n"
)
OPEN = (
    "# the filming list\n"
    "questions:\n"
    "  - text: How do I clear a film jam?  # line 3 mostly\n"
    "    asked: 3\n"
    "  - who signs the handover\n"
)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    edit(root / "resources.yaml", "    transcript: transcripts/basics.md\n", LISTED)
    (root / "questions.yaml").write_text(OPEN, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_workspace(Workspace(root)).problems]


def question_codes(root: Path) -> tuple[list[object], list[object]]:
    """(the resource basics' questions: entries, questions.yaml's entries) as plain YAML."""
    catalogue = yaml.safe_load((root / "resources.yaml").read_text(encoding="utf-8"))
    listed = catalogue["resources"][0]["questions"]
    return listed, yaml.safe_load((root / "questions.yaml").read_text(encoding="utf-8"))["questions"]


def redirect_target(page: Path) -> str:
    """Where a question's short link leads, the same in its script, its refresh and its link."""
    html = page.read_text(encoding="utf-8")
    script = re.search(r'location\.replace\(location\.hash \? "([^"]+)" \+ location\.hash : "([^"]+)"\)', html)
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
    link = re.search(r'<a href="([^"]+)">open it here</a>', html)
    if script is None:  # a target without a fragment of its own
        script = re.search(r'location\.replace\("(([^"]+))" \+ location\.hash\)', html)
    assert script and refresh and link, html
    assert script.group(2) == refresh.group(1) == link.group(1)
    assert script.group(1) == script.group(2).split("#")[0]
    return script.group(2)


def test_links_gives_each_question_one_code_once_and_keeps_comments(ws: Path) -> None:
    result = runner.invoke(app, ["--workspace", str(ws), "links"])
    assert result.exit_code == 0, result.output
    listed, open_ = question_codes(ws)
    jam, signs = open_
    assert isinstance(jam, dict) and isinstance(signs, dict)
    assert list(signs) == ["text", "code"] and signs["text"] == "who signs the handover"
    assert listed[0] == {"text": "What goes in the handover log?", "code": listed[0]["code"]}  # type: ignore[index]
    assert listed[1] == {"text": "Who signs the handover?", "at": "00:05"}  # the file's code is its code
    codes = [jam["code"], signs["code"], listed[0]["code"]]  # type: ignore[index]
    assert all(CODE_PATTERN.match(code) for code in codes) and len(set(codes)) == 3
    catalogue = (ws / "resources.yaml").read_text(encoding="utf-8")
    assert "    questions:  # what the clip answers\n" in catalogue
    assert "      - text: What goes in the handover log? # asked at every workshop\n" in catalogue
    questions = (ws / "questions.yaml").read_text(encoding="utf-8")
    assert questions.startswith("# the filming list\n")
    assert "  - text: How do I clear a film jam?  # line 3 mostly\n" in questions
    assert "Gave 10 new short codes; commit resources.yaml, journeys/ and questions.yaml to keep them." in result.stdout
    assert f"{jam['code']}  question  How do I clear a film jam?  not answered yet  s/{jam['code']}/" in result.stdout
    assert (
        f"{signs['code']}  question  who signs the handover  answered in Handover basics  s/{signs['code']}/"
        in result.stdout
    )
    again = runner.invoke(app, ["--workspace", str(ws), "links"])
    assert again.exit_code == 0 and "Gave" not in again.stdout
    assert (ws / "resources.yaml").read_text(encoding="utf-8") == catalogue
    assert (ws / "questions.yaml").read_text(encoding="utf-8") == questions
    assert problems(ws) == []


def test_check_refuses_a_question_and_a_resource_claiming_one_code(ws: Path) -> None:
    edit(ws / "resources.yaml", "    level: beginner\n", "    level: beginner\n    code: K7QM2\n")
    edit(ws / "questions.yaml", "    asked: 3\n", "    asked: 3\n    code: K7QM2\n")
    assert problems(ws) == [
        "questions.yaml:3: error: questions[0].code: the code 'K7QM2' is already claimed by the resource 'basics' "
        "(resources.yaml:13: resources[0].code); one code leads to one page, so remove it here or there "
        "and run `capture links` for a new one",
    ]
    assert runner.invoke(app, ["--workspace", str(ws), "check"]).exit_code == 1


def test_check_refuses_two_questions_on_one_code_but_not_one_question_in_both_files(ws: Path) -> None:
    edit(ws / "questions.yaml", "  - who signs the handover\n", "  - text: who signs the handover\n    code: H4ND2\n")
    edit(ws / "resources.yaml", "        at: '00:05'\n", "        at: '00:05'\n        code: H4ND2\n")
    assert problems(ws) == []  # one question, written in both files with its one code
    edit(ws / "questions.yaml", "    asked: 3\n", "    asked: 3\n    code: H4ND2\n")
    assert problems(ws) == [
        "questions.yaml:3: error: questions[0].code: the code 'H4ND2' is already claimed by the question "
        "'Who signs the handover?' (resources.yaml:19: resources[0].questions[1].code); one code leads to one "
        "page, so remove it here or there and run `capture links` for a new one",
    ]


def test_a_malformed_or_hostile_question_code_makes_no_page(ws: Path) -> None:
    edit(ws / "questions.yaml", "    asked: 3\n", "    asked: 3\n    code: ../../evil\n")
    edit(ws / "resources.yaml", "        at: '00:05'\n", "        at: '00:05'\n        code: [1, 2]\n")
    assert problems(ws) == [
        "resources.yaml:17: error: resources[0].questions[1].code: expected a short code like 'K7QM2'; "
        "remove it and run `capture links`",
    ]
    edit(ws / "resources.yaml", "        code: [1, 2]\n", "")
    assert problems(ws) == [
        "questions.yaml:3: error: questions[0].code: expected a short code of 4 to 8 of "
        "23456789ABCDEFGHJKMNPQRSTUVWXYZ, got '../../evil'; remove it and run `capture links` to be given one",
    ]
    build_site(Workspace(ws))
    assert not (ws / "site" / "s").exists() and not (ws / "evil").exists()
    assert "evil" not in (ws / "site" / "questions" / "index.html").read_text(encoding="utf-8")


def test_a_question_coded_on_a_resource_first_gets_no_second_code_when_it_is_asked(ws: Path) -> None:
    (ws / "questions.yaml").write_text("questions: []\n", encoding="utf-8")
    assign_codes(Workspace(ws))
    listed, _ = question_codes(ws)
    code = listed[1]["code"]  # type: ignore[index]
    (ws / "questions.yaml").write_text(OPEN, encoding="utf-8")  # now asked as well: "who signs the handover"
    added = assign_codes(Workspace(ws))
    assert [claim.id for claim in added] == ["How do I clear a film jam?"]
    assert question_codes(ws)[1][1] == "who signs the handover"
    build_site(Workspace(ws))
    assert redirect_target(ws / "site" / "s" / code / "index.html") == "../../r/basics/index.html#t=5"


def test_an_open_question_leads_to_its_anchor_then_to_its_answer_with_the_same_code(ws: Path) -> None:
    assign_codes(Workspace(ws))
    listed, (jam, signs) = question_codes(ws)
    code = jam["code"]  # type: ignore[index]
    build_site(Workspace(ws))
    site = ws / "site"
    assert redirect_target(site / "s" / code / "index.html") == f"../../questions/index.html#q-{code}"
    page = (site / "questions" / "index.html").read_text(encoding="utf-8")
    assert f'<li class="question open" id="q-{code}"><span class="text">How do I clear a film jam?</span>' in page
    assert page.count(f'id="q-{code}"') == 1
    shared = signs["code"]  # type: ignore[index]
    assert redirect_target(site / "s" / shared / "index.html") == "../../r/basics/index.html#t=5"
    own = listed[0]["code"]  # type: ignore[index]
    assert redirect_target(site / "s" / own / "index.html") == "../../r/basics/index.html"
    assert page.count(f'id="q-{shared}"') == page.count(f'id="q-{own}"') == 1  # basics is under two roles
    answered = "    questions:\n      - text: how do I clear a FILM jam\n        at: '01:30'\n"
    edit(ws / "resources.yaml", "    prerequisites: [faults]\n", "    prerequisites: [faults]\n" + answered)
    assert problems(ws) == []
    assert assign_codes(Workspace(ws)) == []  # the open question's code is its code once answered
    build_site(Workspace(ws))
    assert redirect_target(site / "s" / code / "index.html") == "../../r/escalation/index.html#t=90"


def test_an_open_question_hidden_from_the_site_still_leads_somewhere(ws: Path) -> None:
    edit(ws / "resources.yaml", "title: Test know-how\n", "title: Test know-how\nsite:\n  open_questions: false\n")
    assign_codes(Workspace(ws))
    _, (jam, signs) = question_codes(ws)
    build_site(Workspace(ws))
    site = ws / "site"
    assert redirect_target(site / "s" / jam["code"] / "index.html") == "../../questions/index.html"  # type: ignore[index]
    assert redirect_target(site / "s" / signs["code"] / "index.html") == "../../r/basics/index.html#t=5"  # type: ignore[index]


def test_a_questions_file_broken_by_hand_stops_no_other_code(ws: Path) -> None:
    broken = "questions:\n  - text: [not, text]\n"
    (ws / "questions.yaml").write_text(broken, encoding="utf-8")
    result = runner.invoke(app, ["--workspace", str(ws), "links"])
    assert result.exit_code == 0, result.output
    assert "Gave 9 new short codes; commit resources.yaml and journeys/ to keep them." in result.stdout
    assert (ws / "questions.yaml").read_text(encoding="utf-8") == broken
    assert "questions.yaml:2: error: questions[0].text: expected the question as text" in problems(ws)
