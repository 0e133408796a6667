"""Issues 14 and 17: chapters and on-screen notes, from the transcript file to the site's tracks.

Pure logic on the sample clips' real transcripts (``transcripts/``) for the suggestions; real
ffmpeg, espeak-ng and the bundled model for ``capture add``; the review functions on a real clip.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.speech.captions import format_vtt, make_cues
from pipeline.speech.chapters import (
    MIN_CHAPTER,
    Aside,
    ChapterSpan,
    Suggestion,
    asides_by_line,
    chapter_spans,
    chapters_vtt,
    description_cues,
    descriptions_vtt,
    suggest_chapters,
    with_suggested_chapters,
)
from pipeline.speech.review import save_lines, save_rows
from pipeline.speech.summary import summary_from_text
from pipeline.speech.transcript import (
    Chapter,
    Line,
    Note,
    Transcript,
    body_row,
    format_transcript,
    parse_transcript,
    read_transcript,
    read_transcript_text,
    transcript_version,
)
from pipeline.workspace.paths import Workspace
from tests.speech_helpers import copy_workspace
from tests.support import make_clip, run_capture
from tests.test_review import RID, template

__all__ = ["template"]  # the fixture: a workspace with one real clip added, shared with test_review

REPO = Path(__file__).resolve().parent.parent
FRONT = "---\nid: jam\nstatus: draft\nlanguage: en\n---\n"
# The sample clips' durations, as resources.yaml records them.
DURATIONS = {"shift-handover-basics": 19.87, "handing-over-a-running-fault": 17.87, "when-no-shift-lead-arrives": 21.4}
_TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def webvtt_cues(text: str) -> list[tuple[float, float, str]]:
    """The cues of a WebVTT file, checking what the format asks: the header, timing lines, a text
    under each, starts in order, each cue ending after it starts, no ``-->`` inside a cue's text."""
    blocks = text.split("\n\n")
    assert blocks[0].strip() == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        rows = block.strip("\n").split("\n")
        match = _TIMING.match(rows[0])
        assert match, rows[0]
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + f1 / 1000, h2 * 3600 + m2 * 60 + s2 + f2 / 1000
        body = "\n".join(rows[1:])
        assert body and "-->" not in body and end > start
        cues.append((start, end, body))
    assert [c[0] for c in cues] == sorted(c[0] for c in cues)
    return cues


# -- the file ------------------------------------------------------------------------------------------
DOCUMENTED = FRONT + (
    "## Clearing the jam\n"
    "[00:00.0] First stop the line.\n"
    "[00:03.0] [on screen: press the blue reset button]\n"
    "[00:04.0] Then open the guard.\n"
    "## Why it matters (suggested)\n"
    "[00:08.0] A jam left alone tears the film.\n"
)


def test_chapters_and_notes_as_the_readme_writes_them() -> None:
    transcript = parse_transcript(DOCUMENTED)
    assert transcript.chapters == [Chapter(0.0, "Clearing the jam"), Chapter(8.0, "Why it matters", suggested=True)]
    assert transcript.notes == [Note(3.0, "press the blue reset button")]
    assert [(line.start, line.text, line.chapter) for line in transcript.lines] == [
        (0.0, "First stop the line.", "Clearing the jam"),
        (4.0, "Then open the guard.", "Clearing the jam"),
        (8.0, "A jam left alone tears the film.", "Why it matters"),
    ]
    assert format_transcript(transcript) == DOCUMENTED  # written back as the expert wrote it
    assert "on screen" not in transcript.text and "blue reset" not in transcript.text


def test_what_a_person_may_type_for_chapters_and_notes() -> None:
    transcript = parse_transcript(
        FRONT + "#  Intro\n[00:01.0] Hello there.\n   ### Step two  \n[on screen:the dial reads 40]\n"
        "[00:05.0] Turn it.\n[ON SCREEN: ]\n## \n[00:07.0] [on screen: done]\n"
    )
    assert transcript.chapters == [Chapter(1.0, "Intro"), Chapter(3.0, "Step two")]
    assert transcript.notes == [Note(3.0, "the dial reads 40"), Note(7.0, "done")]  # untimed: between its neighbours
    assert [line.text for line in transcript.lines] == ["Hello there.", "Turn it."]
    # "#1" is no heading, and a heading with a time in front is spoken text as it always was.
    again = parse_transcript(FRONT + "#1 rule: safety\n[00:02.0] ## said aloud\n")
    assert [(line.text, line.chapter) for line in again.lines] == [("#1 rule: safety", ""), ("## said aloud", "")]
    assert again.chapters == []


def test_a_heading_with_nothing_after_it_is_kept() -> None:
    transcript = parse_transcript(FRONT + "[00:01.0] One.\n[00:04.0] Two.\n## Questions\n")
    assert transcript.chapters == [Chapter(4.1, "Questions")]
    assert format_transcript(transcript).endswith("[00:04.0] Two.\n## Questions\n")
    again = parse_transcript(format_transcript(transcript))
    assert again.chapters == transcript.chapters and again.lines == transcript.lines


# -- tracks --------------------------------------------------------------------------------------------
def test_chapters_track_is_valid_webvtt_and_ends_with_the_clip() -> None:
    transcript = parse_transcript(DOCUMENTED)
    assert chapter_spans(transcript, 12.0) == [
        ChapterSpan(0.0, 8.0, "Clearing the jam"),
        ChapterSpan(8.0, 12.0, "Why it matters"),
    ]
    assert webvtt_cues(chapters_vtt(transcript, 12.0)) == [
        (0.0, 8.0, "Clearing the jam"),
        (8.0, 12.0, "Why it matters"),
    ]
    # Two headings in a row: the empty first chapter is no place to jump to.
    doubled = parse_transcript(FRONT + "## A\n## B\n[00:02.0] Words.\n")
    assert [s.title for s in chapter_spans(doubled, 5.0)] == ["B"]


def test_descriptions_track_holds_the_notes_and_captions_never_do() -> None:
    transcript = parse_transcript(DOCUMENTED)
    cues = webvtt_cues(descriptions_vtt(transcript, 12.0))
    assert cues == [(3.0, 5.0, "press the blue reset button")]  # 27 characters at 15 a second, at least 2 s
    captions = format_vtt(make_cues(transcript, 12.0))
    assert "blue reset" not in captions and "on screen" not in captions.lower()
    assert "blue reset" not in summary_from_text(transcript.text)
    assert webvtt_cues(captions)


def test_a_description_is_over_before_the_next_and_never_outlasts_the_clip() -> None:
    transcript = Transcript(id="x", notes=[Note(1.0, "a " * 60), Note(2.5, "b"), Note(9.5, "c d e")])
    assert [(c.start, c.end) for c in description_cues(transcript, 10.0)] == [(1.0, 2.5), (2.5, 4.5), (9.5, 10.0)]


def test_html_and_arrows_in_a_note_stay_text() -> None:
    transcript = Transcript(id="x", notes=[Note(1.0, "<b>hot</b> --> off & on")])
    assert descriptions_vtt(transcript, 5.0).endswith("\n&lt;b&gt;hot&lt;/b&gt; -&gt; off &amp; on\n")


def test_headings_and_notes_sit_between_the_lines_as_in_the_file() -> None:
    assert asides_by_line(parse_transcript(DOCUMENTED)) == {
        0: [Aside("chapter", 0.0, "Clearing the jam")],
        1: [Aside("note", 3.0, "press the blue reset button")],
        2: [Aside("chapter", 8.0, "Why it matters")],
    }
    # A note after the last line is shown after it (index: the number of lines).
    late = parse_transcript(FRONT + "[00:01.0] One.\n[00:09.0] [on screen: the end card]\n")
    assert asides_by_line(late) == {1: [Aside("note", 9.0, "the end card")]}


# -- suggestions ---------------------------------------------------------------------------------------
def sample(name: str) -> Transcript:
    return read_transcript(REPO / "transcripts" / f"{name}.md")


def test_suggestions_on_the_sample_clips_say_why() -> None:
    found = {name: suggest_chapters(sample(name), duration=seconds) for name, seconds in DURATIONS.items()}
    assert found["shift-handover-basics"] == [
        Suggestion(0.0, "Introduction", ("the start of the clip",)),
        Suggestion(5.1, "Before you leave", ('a "when" cue: "Before you leave, write"',)),
    ]
    assert found["when-no-shift-lead-arrives"] == [
        Suggestion(0.0, "Introduction", ("the start of the clip",)),
        Suggestion(10.5, "Call the duty manager", ('a "who" cue: "Call the duty manager,"',)),
    ]
    # Its lines open with no cue, follow on without a pause and keep to one topic: no chapters.
    assert found["handing-over-a-running-fault"] == []


def test_a_pause_and_a_change_of_topic_suggest_a_chapter() -> None:
    lines = [
        Line(0.0, "Load the film roll onto the spindle."),
        Line(3.0, "Thread the film roll under both rollers."),
        Line(12.0, "Cleaning uses the alcohol wipes from the cabinet."),
        Line(15.0, "Wipe every sensor lens gently."),
    ]
    suggestions = suggest_chapters(Transcript(id="x", lines=lines), duration=20.0)
    assert [(s.start, s.title) for s in suggestions] == [(0.0, "Introduction"), (12.0, "Part 2")]
    assert suggestions[1].reasons == (
        "a pause of 6.3 s before it",
        "a change of topic: new words (alcohol, cabinet, cleaning)",
    )
    # With whisper's segment ends, the pause is measured, not estimated.
    measured = suggest_chapters(Transcript(id="x", lines=lines), duration=20.0, ends=[2.5, 5.5, 14.5, 17.0])
    assert measured[1].reasons[0] == "a pause of 6.5 s before it"


def test_no_chapter_shorter_than_four_seconds_and_none_for_a_short_clip() -> None:
    lines = [Line(0.0, "This is the wrapper."), Line(2.0, "Because it jams, check it."), Line(3.0, "Why? Film.")]
    assert suggest_chapters(Transcript(id="x", lines=lines), duration=6.0) == []
    assert suggest_chapters(Transcript(id="x", lines=lines[:1]), duration=60.0) == []


def test_suggestions_are_written_as_suggested_headings_and_never_over_the_experts() -> None:
    transcript = sample("shift-handover-basics")
    transcript.chapters = []
    assert with_suggested_chapters(transcript, suggest_chapters(transcript, duration=19.87)) == 2
    text = format_transcript(transcript)
    assert "## Introduction (suggested)\n[00:00.0] Hello" in text
    assert "## Before you leave (suggested)\n[00:05.1] Before you leave" in text
    assert [line.chapter for line in parse_transcript(text).lines] == [
        "Introduction",
        "Before you leave",
        "Before you leave",
        "Before you leave",
    ]
    written = sample("shift-handover-basics")  # the demo's own chapters, by the expert
    assert with_suggested_chapters(written, suggest_chapters(written, duration=19.87)) == 0
    assert [c.title for c in written.chapters] == ["What a handover is", "Write it in the log", "Walk the line"]


# -- review --------------------------------------------------------------------------------------------
@pytest.fixture
def reviewed(template: Path, tmp_path: Path) -> Workspace:
    """The review tests' real clip, its transcript given a chapter and a note."""
    workspace = Workspace(copy_workspace(template, tmp_path / "ws"))
    path = workspace.transcript_path(RID)
    transcript = read_transcript(path)
    transcript.chapters = [Chapter(transcript.lines[0].start, "The fault")]
    transcript.notes = [Note(transcript.lines[0].start + 0.5, "the fault code on the panel")]
    path.write_text(format_transcript(transcript), encoding="utf-8")
    return workspace


def test_saving_lines_keeps_the_chapters_and_notes(reviewed: Workspace) -> None:
    path = reviewed.transcript_path(RID)
    before = read_transcript(path)
    version = transcript_version(read_transcript_text(path))
    lines = [Line(before.lines[0].start, "Edited words."), *before.lines[1:]]
    saved, _ = save_lines(reviewed, RID, lines, version=version)
    after = read_transcript(path)
    assert after.chapters == before.chapters and after.notes == before.notes
    assert saved.lines[0].chapter == "The fault" and after.lines[0].text == "Edited words."


def test_saving_rows_adds_accepts_and_removes_chapters_and_notes(reviewed: Workspace) -> None:
    path = reviewed.transcript_path(RID)
    before = read_transcript(path)
    version = transcript_version(read_transcript_text(path))
    first, second = before.lines[0], before.lines[1]
    rows = [
        body_row("chapter", "The fault (suggested)"),
        body_row("line", first.text, first.start),
        body_row("line", "[on screen: the log book]", first.start + 0.2),  # typed into a line's box
        body_row("chapter", "Telling the next operator", suggested=True),
        body_row("line", second.text, second.start),
        *(body_row("line", line.text, line.start) for line in before.lines[2:]),
    ]
    save_rows(reviewed, RID, rows, version=version)
    after = read_transcript(path)
    assert after.chapters == [
        Chapter(first.start, "The fault", suggested=True),
        Chapter(second.start, "Telling the next operator", suggested=True),
    ]
    assert after.notes == [Note(round(first.start + 0.2, 1), "the log book")]  # the old note removed
    assert [line.text for line in after.lines] == [line.text for line in before.lines]
    assert "## Telling the next operator (suggested)\n" in path.read_text(encoding="utf-8")


def test_a_row_of_another_kind_is_refused() -> None:
    from pipeline.errors import TranscriptError

    with pytest.raises(TranscriptError) as caught:
        body_row("<script>", "x", 1.0)
    assert str(caught.value) == "a row's kind must be line, note or chapter, not '<script>'; reload the page"


# -- capture add ---------------------------------------------------------------------------------------
def test_capture_add_suggests_chapters_and_says_how_many(tmp_path: Path) -> None:
    import subprocess

    speech = tmp_path / "speech.wav"
    subprocess.run(
        [
            "espeak-ng",
            "-m",
            "-v",
            "en-us+m3",
            "-s",
            "140",
            "-w",
            str(speech),
            "<speak>This is how to clear a jam on the wrapper at the end of the line. <break time='3s'/> "
            "Because a jam left alone tears the film, stop the line first and open the guard.</speak>",
        ],
        check=True,
    )
    root = tmp_path / "ws"
    assert run_capture("init", str(root), cwd=tmp_path).returncode == 0
    make_clip(root / "clearing a jam.mp4", seconds=13.0, speech=speech)
    added = run_capture("add", "clearing a jam.mp4", "--yes", cwd=root)
    assert added.returncode == 0, added.stderr
    assert re.search(r"\(\d+ transcript lines, 2 chapters suggested, draft for review, [\d.]+ s\)", added.stdout), (
        added.stdout
    )
    transcript = read_transcript(root / "transcripts" / "clearing-a-jam.md")
    assert [c.suggested for c in transcript.chapters] == [True, True]
    assert transcript.chapters[0].start == transcript.lines[0].start
    assert transcript.chapters[1].start >= 6.0  # after the pause, where "Because ..." starts


def test_transcribing_again_keeps_the_chapters_and_notes(reviewed: Workspace) -> None:
    """`capture transcribe ID` redoes the words; the chapters and notes are about the video, and stay."""
    from pipeline.speech.review import transcribe_resource

    path = reviewed.transcript_path(RID)
    before = read_transcript(path)
    transcribe_resource(reviewed, RID)
    after = read_transcript(path)
    assert after.chapters == before.chapters == [Chapter(before.lines[0].start, "The fault")]
    assert after.notes == before.notes
    assert after.lines[0].chapter == "The fault"


SPOKEN = [
    "This is how we clear a jam.",
    "Because a jam tears the film, stop first.",
    "When the light is red, wait.",
    "Call the shift lead if it jams twice.",
    "Then open the guard.",
    "Lift the roller and pull the film out.",
    "Check the sensor lens for dust.",
    "Close the guard and restart.",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 120), st.sampled_from(SPOKEN)), min_size=0, max_size=40))
def test_suggestions_are_ordered_spaced_and_read_back(gaps: list[tuple[int, str]]) -> None:
    """Whatever the lines: chapters in time order, the first at the first line, at least MIN_CHAPTER
    apart, no more than one each 30 s, each with a title and a reason; written, they read back."""
    lines, start = [], 0.0
    for tenths, text in gaps:
        lines.append(Line(start, text))
        start = round(start + tenths / 10, 1)
    transcript = Transcript(id="x", lines=lines)
    duration = start + 3.0
    found = suggest_chapters(transcript, duration=duration)
    if not found:
        return
    starts = [s.start for s in found]
    assert starts[0] == lines[0].start and starts == sorted(starts)
    assert all(b - a >= MIN_CHAPTER for a, b in itertools.pairwise(starts))
    assert 2 <= len(found) <= max(2, int(duration // 30) + 1)
    assert all(s.title and s.reasons for s in found)
    with_suggested_chapters(transcript, found)
    again = parse_transcript(format_transcript(transcript))
    assert [(c.start, c.title, c.suggested) for c in again.chapters] == [(s.start, s.title, True) for s in found]


def test_the_look_at_the_bytes_finds_every_heading_and_note_the_parser_reads() -> None:
    from pipeline.speech.chapters import may_have_chapters, may_have_notes

    for text in (DOCUMENTED, DOCUMENTED.replace("\n", "\r\n"), DOCUMENTED.replace("\n", "\r"), "\ufeff" + DOCUMENTED):
        data = text.encode("utf-8")
        assert may_have_chapters(data) and may_have_notes(data)
    assert may_have_notes(FRONT.encode() + b"[00:01.0] [ On   SCREEN : a dial]\n")
    assert may_have_chapters(FRONT.encode() + b"[00:01.0] x\n   ## Late\n")
    plain = (
        FRONT.replace("language: en\n", "# a comment: not a heading\n") + "[00:01.0] The screen shows 40.\n"
    ).encode()
    assert not may_have_chapters(plain) and not may_have_notes(plain)
