"""Questions: suggestions from the real transcripts, questions.yaml, who might answer, searches merged, check, site."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from capture.commands.tag import ask_questions
from pipeline.report.model import build_report
from pipeline.report.questions import candidate_questions
from pipeline.speech.transcript import read_transcript
from pipeline.workspace.answered import AnsweredQuestion, parse_at
from pipeline.workspace.catalogue import load_catalogue, read_catalogue
from pipeline.workspace.paths import Workspace
from pipeline.workspace.question_suggestions import suggest_questions
from pipeline.workspace.questions import OpenQuestion, read_questions, who_might_answer
from pipeline.workspace.tagging import PERSON, SUGGESTED, TagChange, suggest_for
from tests.support import copy_demo, run_capture
from tests.test_report import log_line

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 9)


def _suggested(resource_id: str) -> list[tuple[str, str, str]]:
    catalogue = read_catalogue(REPO / "resources.yaml")
    resource = catalogue.get(resource_id)
    lines = read_transcript(REPO / "transcripts" / f"{resource_id}.md").lines
    return [(s.text, s.at, s.reason) for s in suggest_questions(lines, resource)]


def test_question_suggestions_and_their_reasons_on_the_real_transcripts() -> None:
    assert _suggested("when-no-shift-lead-arrives")[0] == (
        "What do I do if the line is down and the next shift lead does not arrive?",
        "00:02",
        "the clip says 'if …,' at 00:02: 'If the line is down and the next shift lead does not arrive, "
        "you stay until someone signs the handover log.'",
    )
    assert _suggested("handing-over-a-running-fault")[:2] == [
        (
            "What do I do when I handover a line with a running fault?",
            "00:00",
            "the clip says 'when …,' at 00:00: 'When you handover a line with a running fault, do not just say "
            "it is broken.'",
        ),
        (
            "What do I do when a fault is still open at the end of my shift?",
            "",
            "the resource's when: 'When a fault is still open at the end of your shift.'",
        ),
    ]
    basics = _suggested("shift-handover-basics")
    assert basics[0] == (
        "What do I do before I leave?",
        "00:05",
        "the clip says 'before …,' at 00:05: 'Before you leave, write three things in the handover log.'",
    )
    assert [reason.split(":")[0] for _, _, reason in basics[1:]] == [
        "the resource's when",
        "the resource's what",
        "the resource's why",
    ]


def test_question_sentences_how_to_and_because_are_suggested_and_listed_ones_are_not() -> None:
    from pipeline.speech.transcript import Line
    from pipeline.workspace.catalogue import Resource

    lines = [
        Line(0.0, "So what do you do when the film tears?"),
        Line(4.0, "I will show you how to thread the film"),
        Line(6.5, "through the rollers. You check the tension because a loose film jams."),
        Line(9.0, "Right?"),
    ]
    resource = Resource(
        id="film", title="Film", questions=[AnsweredQuestion("How do I thread the film through the rollers?")]
    )
    assert [(s.text, s.at) for s in suggest_questions(lines, resource)] == [
        ("So what do you do when the film tears?", "00:00"),
        ("Why do I check the tension?", "00:06"),
    ]  # "how to thread…" spans two lines and is listed already; "Right?" is too short to be a question


def test_suggest_for_offers_questions_beside_the_tags() -> None:
    catalogue = read_catalogue(REPO / "resources.yaml")
    found = suggest_for(REPO, catalogue, catalogue.get("when-no-shift-lead-arrives"))
    assert str(found.questions[0]) == (
        "question: What do I do if the line is down and the next shift lead does not arrive?, because the clip "
        "says 'if …,' at 00:02: 'If the line is down and the next shift lead does not arrive, you stay until "
        "someone signs the handover log.'"
    )
    assert found.questions[0].at == "00:02"


def test_keeping_and_editing_suggested_questions_in_a_terminal() -> None:
    catalogue = read_catalogue(REPO / "resources.yaml")
    resource = catalogue.get("when-no-shift-lead-arrives")
    suggestions = suggest_for(REPO, catalogue, resource)
    out = Console(file=io.StringIO(), width=200)
    change = TagChange()
    ask_questions(resource, suggestions, change, out=out, stream=io.StringIO("1\n\n\n"))
    assert change.questions == [
        AnsweredQuestion("What do I do if the line is down and the next shift lead does not arrive?", "00:02")
    ]
    assert change.sources == {"questions": SUGGESTED}
    change = TagChange()
    answers = "3, 1\nWhat do I say to the duty manager?\n\nWho do I call at night? @ 00:10\n"
    ask_questions(resource, suggestions, change, out=out, stream=io.StringIO(answers))
    assert [(q.text, q.at) for q in change.questions or []] == [
        ("What do I say to the duty manager?", ""),
        ("What do I do if the line is down and the next shift lead does not arrive?", "00:02"),
        ("Who do I call at night?", "00:10"),
    ]
    assert change.sources == {"questions": PERSON}
    change = TagChange()
    ask_questions(resource, suggestions, change, out=out, stream=io.StringIO(""))
    assert change.changed() == []  # Enter (or the end of input): none kept


def test_times_for_at() -> None:
    assert [parse_at(t) for t in ("01:05", "1:02:03", "65", "0:59.5", "Jams", "1:60", "")] == [
        65.0,
        3723.0,
        65.0,
        59.5,
        None,
        None,
        None,
    ]


# ---------------------------------------------------------------- questions.yaml and the CLI


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    (tmp_path / "ws").mkdir()
    return copy_demo(tmp_path / "ws")


def test_add_list_and_answer_questions(demo: Path) -> None:
    first = run_capture("questions", "add", "How do I clear a film jam on line 3?", "--role", "line-operator", cwd=demo)
    assert (first.returncode, first.stdout) == (0, "added: How do I clear a film jam on line 3? (questions.yaml)\n")
    again = run_capture("questions", "add", "how do I clear a film jam on line 3", cwd=demo)
    assert again.stdout == "asked again, now 2 times: How do I clear a film jam on line 3? (questions.yaml)\n"
    run_capture(
        "questions", "add", "What goes in the handover log?", "--role", "shift-lead", "--from", "workshop", cwd=demo
    )
    text = (demo / "questions.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Questions people ask that no clip answers yet: L&D's filming list.\n")
    assert "  - text: How do I clear a film jam on line 3?\n    role: line-operator\n" in text
    tagged = run_capture(
        "tag", "shift-handover-basics", "--question", "What goes in the handover log? @ 00:05", cwd=demo
    )
    assert tagged.returncode == 0, tagged.stderr
    assert "answers 1 question" in tagged.stdout
    entry = load_catalogue(demo / "resources.yaml").get("shift-handover-basics")
    assert entry.questions == [AnsweredQuestion("What goes in the handover log?", "00:05", entry.questions[0].line)]
    listed = run_capture("questions", cwd=demo)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[:2] == [
        "Open questions (1), most asked first:",
        "  How do I clear a film jam on line 3? (asked 2 times · line-operator)",
    ]
    assert listed.stdout.splitlines()[-2:] == [
        "Answered (1):",
        "  answered What goes in the handover log? → shift-handover-basics (Shift handover basics)",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "Error: the question is empty; write what people ask, like 'How do I clear a film jam?'"),
        (
            ("a" * 10_000,),
            "Error: the question is 10,000 characters, more than the 300 allowed; ask one thing in a sentence or two",
        ),
        (("Why\x07 the bell?",), "Error: the question holds control characters; type it again as plain text"),
        (
            ("How do I?", "--role", "boss"),
            "Error: role 'boss' is not declared in resources.yaml (declared: line-operator, shift-lead); "
            "add it under 'roles:' first, or leave --role out",
        ),
    ],
)
def test_bad_questions_are_refused_with_a_clear_error(demo: Path, args: tuple[str, ...], message: str) -> None:
    result = run_capture("questions", "add", *args, cwd=demo)
    assert (result.returncode, result.stderr.strip(), result.stdout) == (1, message, "")
    assert not (demo / "questions.yaml").exists()


def test_html_in_a_question_is_kept_as_text(demo: Path) -> None:
    result = run_capture("questions", "add", "<script>alert(1)</script> where is the <b>key</b>?", cwd=demo)
    assert result.returncode == 0
    assert read_questions(demo).questions[0].text == "<script>alert(1)</script> where is the <b>key</b>?"


def test_a_questions_file_broken_by_hand_gives_file_and_line(demo: Path) -> None:
    (demo / "questions.yaml").write_text(
        "questions:\n  - text: Fine?\n  - text: ''\n  - text: Counted?\n    asked: lots\n  - [a, list]\n",
        encoding="utf-8",
    )
    result = run_capture("questions", cwd=demo)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: questions.yaml has 3 problems; fix them and run the command again",
        "  questions.yaml:3: questions[1].text: the question is empty; write what people ask, like 'How do I "
        "clear a film jam?'",
        "  questions.yaml:5: questions[2].asked: expected a whole number from 0 to 1,000,000,000",
        "  questions.yaml:6: questions[3]: expected a question: text: and, if known, role:, topics:, asked:",
    ]
    (demo / "questions.yaml").write_text("questions:\n  - text: [unclosed\n", encoding="utf-8")
    broken = run_capture("questions", "add", "Another?", cwd=demo)
    assert broken.returncode == 1
    assert broken.stderr.startswith("Error: questions.yaml:3: ")


def test_bad_questions_in_resources_yaml_give_file_and_line(demo: Path) -> None:
    text = (demo / "resources.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    topics: [handover, handover log]\n",
        "    topics: [handover, handover log]\n    questions:\n      - ''\n      - text: Fine?\n        at: [1]\n"
        "      - text: Where?\n        why: no\n",
        1,
    )
    (demo / "resources.yaml").write_text(text, encoding="utf-8")
    result = run_capture("list", cwd=demo)
    line = text.splitlines().index("    questions:") + 2
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        f"  resources.yaml:{line}: resources[0].questions[0]: the question is empty; write what people ask, like "
        "'How do I clear a film jam?'",
        f"  resources.yaml:{line + 1}: resources[0].questions[1].at: expected a time like '01:05' or a chapter's name",
        f"  resources.yaml:{line + 3}: resources[0].questions[2]: unknown key 'why' (a question has text: and at:)",
    ]


# ---------------------------------------------------------------- who might answer

EXPERTS = """\
title: Wrapping hall
roles:
  - id: line-operator
    name: Line operator
  - id: maintenance
    name: Maintenance
resources:
  - id: clearing-a-film-jam
    title: Clearing a film jam on the wrapper
    expert: {name: Ana Lopes, job_title: Line operator}
    roles: [line-operator]
    topics: [film jams]
  - id: restarting-line-3
    title: Restarting line 3 after a stop
    expert: {name: Ana Lopes, job_title: Line operator}
    roles: [line-operator]
  - id: cleaning-the-film-sensor
    title: Cleaning the film sensor
    expert: {name: Ben Okoro, job_title: Maintenance technician}
    roles: [maintenance]
  - id: greasing-the-rollers
    title: Greasing the rollers
    expert: {name: Cleo Hart, job_title: Maintenance technician}
    roles: [maintenance]
    what: Keeps the wrapper's rollers turning.
  - id: weekly-safety-walk
    title: Weekly safety walk
    expert: {name: Dev Shah}
"""


def test_who_might_answer_ranks_the_closest_experts_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text(EXPERTS, encoding="utf-8")
    catalogue = read_catalogue(tmp_path / "resources.yaml")
    question = OpenQuestion("How do I clear a film jam on line 3?", role="line-operator")
    ranked = who_might_answer(question, catalogue, {"greasing-the-rollers": "a jammed roller stops the film"})
    assert [(a.name, a.score) for a in ranked] == [("Ana Lopes", 8), ("Cleo Hart", 2), ("Ben Okoro", 1)]
    assert [str(a) for a in ranked] == [
        "Ana Lopes (Line operator): 'Clearing a film jam on the wrapper': role line-operator, topic film jams, "
        "says 'clear', 'film', 'jam' (and 1 more of their clips)",
        "Cleo Hart (Maintenance technician): 'Greasing the rollers': says 'film', 'jam'",
        "Ben Okoro (Maintenance technician): 'Cleaning the film sensor': says 'film'",
    ]  # Dev Shah's clip shares nothing with the question
    maintenance = who_might_answer(OpenQuestion("Why does the film sensor fail?", role="maintenance"), catalogue)
    assert [(a.name, a.score) for a in maintenance] == [("Ben Okoro", 5), ("Cleo Hart", 3), ("Ana Lopes", 1)]


# ---------------------------------------------------------------- searches that found nothing

GROUPS = {  # the question each group of searches should become, and its searches with their counts
    "Clear jam": {"clear jam": 4, "film jammed": 3, "jam line 3": 2, "jammed film": 1},
    "Pallet wrapper": {"pallet wrapper": 3, "wrapping pallets": 2, "pallet wrap broken": 1},
    "How do I book forklift training?": {"how do i book forklift training": 2, "forklift": 1},
    "Line 3 speed": {"line 3 speed": 1},
}


def _no_result_log(path: Path) -> Path:
    lines = []
    for number, (term, count) in enumerate(t for group in GROUPS.values() for t in group.items()):
        query = term.replace(" ", "+")
        lines += [log_line(f"10.1.{number}.{n}", DAY, f"/search.gif?q={query}&n=0", size=43) for n in range(count)]
    lines.append(log_line("10.2.0.1", DAY, "/search.gif?q=handover&n=3", size=43))  # found something
    lines.append(log_line("10.2.0.2", DAY, "/search.gif?q=how+to&n=0", size=43))  # only common words
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_near_duplicate_searches_merge_into_known_groups(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text(EXPERTS, encoding="utf-8")
    report = build_report(Workspace(tmp_path), [_no_result_log(tmp_path / "access.log")])
    found = report.candidate_questions
    assert {c.text: c.terms for c in found} == GROUPS
    assert [(c.text, c.count) for c in found] == [
        ("Clear jam", 10),
        ("Pallet wrapper", 6),
        ("How do I book forklift training?", 3),
        ("Line 3 speed", 1),
    ]


def test_report_lists_candidates_and_import_searches_adopts_them_once(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text(EXPERTS, encoding="utf-8")
    log = _no_result_log(tmp_path / "access.log")
    report = run_capture("report", "--access-log", str(log), "--out", str(tmp_path / "report.html"), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (
        "  Clear jam: 10 times ('clear jam' ×4, 'film jammed' ×3, 'jam line 3' ×2, 'jammed film' ×1)" in report.stdout
    )
    first = run_capture("questions", "import-searches", str(log), cwd=tmp_path)
    assert first.stdout.splitlines()[-1] == "questions.yaml: 4 added, 0 with new counts; see `capture questions`."
    again = run_capture("questions", "import-searches", str(log), cwd=tmp_path)
    assert again.stdout.splitlines()[-1] == "questions.yaml: 0 added, 0 with new counts; see `capture questions`."
    adopted = read_questions(tmp_path).questions
    assert [(q.text, q.times, q.source) for q in adopted] == [
        ("Clear jam", 10, "searches"),
        ("Pallet wrapper", 6, "searches"),
        ("How do I book forklift training?", 3, "searches"),
        ("Line 3 speed", 1, "searches"),
    ]
    listed = run_capture("questions", cwd=tmp_path)
    assert listed.stdout.splitlines()[1:3] == [
        "  Clear jam (asked 10 times)",
        "    who might answer: Ana Lopes (Line operator): 'Clearing a film jam on the wrapper': says 'clear', 'jam'",
    ]


def test_merging_keeps_a_number_only_search_apart() -> None:
    class Row:
        def __init__(self, term: str, no_result: int) -> None:
            self.term, self.no_result = term, no_result

    found = candidate_questions([Row("3", 2), Row("line 3", 1), Row("the", 4)])
    assert [(c.text, c.terms) for c in found] == [("3", {"3": 2}), ("Line 3", {"line 3": 1})]


# ---------------------------------------------------------------- capture check


def test_check_warns_about_moments_doubles_and_levels(demo: Path) -> None:
    text = (demo / "resources.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    topics: [handover, handover log]\n",
        "    topics: [handover, handover log]\n    questions:\n      - text: What goes in the handover log?\n"
        "        at: '05:00'\n      - what goes in the handover log\n      - text: Who signs?\n        at: Signing\n",
        1,
    )
    marker = "  - id: when-no-shift-lead-arrives\n"
    text = text.replace(marker, marker + "    questions: [What goes in the handover log?]\n", 1)
    (demo / "resources.yaml").write_text(text, encoding="utf-8")
    rows = text.splitlines()
    first = rows.index("      - text: What goes in the handover log?") + 1
    result = run_capture("check", cwd=demo)
    assert result.returncode == 0, result.stdout
    shown = [line for line in result.stdout.splitlines() if "questions" in line]
    assert shown == [
        f"resources.yaml:{first}: warning: resources[0].questions[0].at: 05:00 is past the end of the clip (00:19); "
        "set the moment where the answer starts",
        f"resources.yaml:{first}: warning: resources[0].questions: 'What goes in the handover log?' is answered at "
        "different levels by shift-handover-basics (beginner), when-no-shift-lead-arrives (advanced); keep it on "
        "the one whose level fits, or ask it two ways",
        f"resources.yaml:{first + 2}: warning: resources[0].questions[1]: listed twice "
        "(also resources[0].questions[0]); keep one",
        f"resources.yaml:{first + 3}: warning: resources[0].questions[2].at: 'Signing' is not a time like '01:05' and "
        "the transcript has no chapter of that name; write the time",
    ]


# ---------------------------------------------------------------- the site


def _with_questions(root: Path) -> None:
    text = (root / "resources.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    topics: [handover, handover log]\n",
        "    topics: [handover, handover log]\n    questions:\n      - text: What goes in the handover log?\n"
        "        at: '00:05'\n      - <script>alert(1)</script>?\n",
        1,
    )
    (root / "resources.yaml").write_text(text, encoding="utf-8")
    (root / "questions.yaml").write_text(
        "questions:\n  - text: How do I clear a film jam?\n    role: line-operator\n    asked: 3\n"
        "  - text: what goes in the handover log\n    asked: 9\n",
        encoding="utf-8",
    )


def test_the_questions_page_index_and_resource_page(demo: Path) -> None:
    _with_questions(demo)
    built = run_capture("build", cwd=demo)
    assert built.returncode == 0, built.stderr
    page = (demo / "site" / "questions" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../r/shift-handover-basics/index.html#t=5">What goes in the handover log?</a>' in page
    assert "Answered in Shift handover basics at 0:05" in page
    assert "How do I clear a film jam?" in page and "Asked 3 times, not answered yet" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;?" in page
    assert page.index("Line operator</a></h2>") < page.index("Shift lead</a></h2>")
    assert "what goes in the handover log" not in page  # answered: not shown again as open
    index = (demo / "site" / "questions-index.js").read_text(encoding="utf-8")
    assert index.startswith("window.CAPTURE_QUESTIONS = [")
    assert (
        '["What goes in the handover log?","r/shift-handover-basics/index.html#t=5","Shift handover basics",5,0]'
        in index
    )
    assert "<" not in index
    resource = (demo / "site" / "r" / "shift-handover-basics" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="answers-title">Questions this answers</h2>' in resource
    assert '<a href="#t=5">What goes in the handover log?</a>' in resource
    assert 'href="../../questions/index.html">Questions</a>' in resource


def test_open_questions_follow_the_setting_and_the_file_rebuilds_the_site(demo: Path) -> None:
    _with_questions(demo)
    assert run_capture("build", cwd=demo).returncode == 0
    added = run_capture("questions", "add", "Who signs the log at night?", cwd=demo)
    assert added.returncode == 0
    assert run_capture("build", cwd=demo).returncode == 0  # questions.yaml is an input of the no-op check
    assert "Who signs the log at night?" in (demo / "site" / "questions" / "index.html").read_text(encoding="utf-8")
    text = (demo / "resources.yaml").read_text(encoding="utf-8")
    (demo / "resources.yaml").write_text(
        text.replace("site:\n", "site:\n  open_questions: false\n", 1), encoding="utf-8"
    )
    assert run_capture("build", cwd=demo).returncode == 0
    page = (demo / "site" / "questions" / "index.html").read_text(encoding="utf-8")
    assert "Who signs the log at night?" not in page and "What goes in the handover log?" in page


def test_a_broken_questions_file_does_not_stop_the_build(demo: Path) -> None:
    (demo / "questions.yaml").write_text("questions:\n  - text: ''\n", encoding="utf-8")
    built = run_capture("build", cwd=demo)
    assert built.returncode == 0
    assert "questions.yaml:2: questions[0].text: the question is empty" in " ".join(built.stderr.split())


def test_tag_refuses_an_empty_question(demo: Path) -> None:
    result = run_capture("tag", "shift-handover-basics", "--question", " @ 00:05", cwd=demo)
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "Error: question: the question is empty; write what people ask, like 'How do I clear a film jam?'",
    )


def test_a_site_without_questions_has_no_questions_page_or_link(demo: Path) -> None:
    assert run_capture("build", cwd=demo).returncode == 0
    assert not (demo / "site" / "questions" / "index.html").exists()
    assert not (demo / "site" / "questions-index.js").exists()
    assert "questions/index.html" not in (demo / "site" / "index.html").read_text(encoding="utf-8")


def test_check_reports_a_broken_questions_file_with_its_lines(demo: Path) -> None:
    (demo / "questions.yaml").write_text(
        "questions:\n  - text: Fine?\n    colour: red\n  - text: ''\n", encoding="utf-8"
    )
    result = run_capture("check", cwd=demo)
    assert result.returncode == 1
    shown = [line for line in result.stdout.splitlines() if line.startswith("questions.yaml")]
    assert shown == [
        "questions.yaml:4: error: questions[1].text: the question is empty; write what people ask, like "
        "'How do I clear a film jam?'",
    ]


def test_a_chapter_names_the_moment_where_transcripts_have_chapters() -> None:
    from dataclasses import dataclass

    from pipeline.workspace.answered import first_chapter_start, has_chapters

    @dataclass
    class ChapteredLine:  # the shape transcripts take once lines carry their chapter
        start: float
        text: str
        chapter: str = ""

    lines = [ChapteredLine(0.0, "Hello", "Intro"), ChapteredLine(12.5, "Open the guard", "Clearing a jam")]
    question = AnsweredQuestion("How do I clear a jam?", "clearing a JAM")
    assert (question.seconds, question.chapter) == (None, "clearing a JAM")
    assert has_chapters(lines)
    assert first_chapter_start(lines, question.chapter) == 12.5
    assert first_chapter_start(lines, "Restart") is None
    # The demo's transcripts: one with chapters (its first starts at 0:00), one without.
    basics = read_transcript(REPO / "transcripts" / "shift-handover-basics.md").lines
    assert has_chapters(basics) and first_chapter_start(basics, "walk the line") == 13.5
    assert not has_chapters(read_transcript(REPO / "transcripts" / "handing-over-a-running-fault.md").lines)


def test_the_json_and_html_reports_carry_the_candidate_questions(tmp_path: Path) -> None:
    import json

    from pipeline.report.html import render_report_html
    from pipeline.report.model import report_to_json

    (tmp_path / "resources.yaml").write_text(EXPERTS, encoding="utf-8")
    report = build_report(Workspace(tmp_path), [_no_result_log(tmp_path / "access.log")])
    data = json.loads(report_to_json(report))
    assert data["candidate_questions"][0] == {"text": "Clear jam", "count": 10, "terms": GROUPS["Clear jam"]}
    html = render_report_html(report)
    assert "<li>Clear jam: 10 (clear jam, film jammed, jam line 3, jammed film)</li>" in html


def test_a_long_topic_is_refused_and_an_unknown_role_in_the_file_is_a_warning(demo: Path) -> None:
    long_topic = run_capture("questions", "add", "Where is the key?", "--topic", "x" * 10_000, cwd=demo)
    assert (long_topic.returncode, long_topic.stderr.strip()) == (
        1,
        "Error: --topic: expected a few words of plain text (at most 100 characters)",
    )
    (demo / "questions.yaml").write_text("questions:\n  - text: Where is the key?\n    role: boss\n", encoding="utf-8")
    result = run_capture("check", cwd=demo)
    assert (
        "questions.yaml:2: warning: role 'boss' is not declared in resources.yaml; the site shows it for everyone "
        "until it is"
    ) in result.stdout


def test_a_question_suggested_past_an_hour_keeps_its_moment() -> None:
    from pipeline.speech.transcript import Line
    from pipeline.workspace.answered import parse_at
    from pipeline.workspace.catalogue import Resource

    lines = [Line(3725.0, "So what do you do when the film tears?")]
    (found,) = suggest_questions(lines, Resource(id="long", title="Long shift"))
    assert found.at == "1:02:05" and parse_at(found.at) == 3725.0  # was "1:02:", read as a chapter's name
