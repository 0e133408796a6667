"""The transcript file: what a person may do to it in an editor, and what it cannot accept."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import TranscriptError
from pipeline.speech.transcript import (
    Line,
    Transcript,
    format_time,
    format_transcript,
    parse_transcript,
    read_transcript,
    transcript_version,
    write_transcript,
)

FRONT = "---\nid: one-to-ones-basics\nstatus: draft\nmodel: tiny.en\n---\n"


def lines_of(text: str) -> list[tuple[float, str]]:
    return [(line.start, line.text) for line in parse_transcript(text).lines]


def test_the_design_example() -> None:
    transcript = parse_transcript(
        FRONT + "[00:00.0] Today I want to show you how I run a one-to-one.\n"
        "[00:04.2] The first thing is to let them set the agenda.\n"
    )
    assert (transcript.id, transcript.status, transcript.model, transcript.language) == (
        "one-to-ones-basics",
        "draft",
        "tiny.en",
        "en",
    )
    assert [(line.start, line.text) for line in transcript.lines] == [
        (0.0, "Today I want to show you how I run a one-to-one."),
        (4.2, "The first thing is to let them set the agenda."),
    ]


def test_edited_words_merged_and_deleted_lines() -> None:
    text = FRONT + (
        "[00:00.0] Today I want to show you how I run a one to one, and the first thing\n"  # merged, edited
        "[00:09.0]\n"  # words deleted: the line goes, its time still bounds its neighbours
        "[00:12.5]   Ask   what went well.  \n"
    )
    assert lines_of(text) == [
        (0.0, "Today I want to show you how I run a one to one, and the first thing"),
        (12.5, "Ask what went well."),
    ]


def test_a_split_line_without_a_time_gets_one_between_its_neighbours() -> None:
    text = FRONT + "[00:02.0] First half.\nsecond half typed on its own line\n[00:06.0] Next.\n"
    assert lines_of(text) == [(2.0, "First half."), (4.0, "second half typed on its own line"), (6.0, "Next.")]


def test_untimed_lines_at_the_start_and_the_end() -> None:
    text = FRONT + "A greeting.\n[00:03.0] Timed.\nA last word.\nAnd another.\n"
    assert lines_of(text) == [(1.5, "A greeting."), (3.0, "Timed."), (5.0, "A last word."), (7.0, "And another.")]


def test_several_untimed_lines_keep_their_order() -> None:
    text = FRONT + "[00:01.0] a\nb\nc\nd\n[00:01.2] e\n"
    result = lines_of(text)
    assert [t for _, t in result] == ["a", "b", "c", "d", "e"]
    assert [s for s, _ in result] == sorted(s for s, _ in result)


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("[00:05.2]", 5.2),
        ("[0:05]", 5.0),
        ("[01:02.25]", 62.25),
        ("[1:00:00.0]", 3600.0),
        ("[ 00:07,5 ]", 7.5),
    ],
)
def test_time_forms_a_person_may_type(stamp: str, seconds: float) -> None:
    assert lines_of(FRONT + f"{stamp} words\n") == [(seconds, "words")]


def test_bracketed_words_that_are_not_times_are_text() -> None:
    assert lines_of(FRONT + "[00:01.0] Hello.\n[laughs] then more\n[00:03.0] End.\n") == [
        (1.0, "Hello."),
        (2.0, "[laughs] then more"),
        (3.0, "End."),
    ]


def test_windows_line_ends_and_a_byte_order_mark() -> None:
    text = "\ufeff" + FRONT.replace("\n", "\r\n") + "[00:01.0] Hi.\r\n"
    assert lines_of(text) == [(1.0, "Hi.")]


def test_unknown_front_matter_keys_survive_a_save() -> None:
    text = '---\nid: x\nstatus: draft\nnote: "checked: the names"\n---\n[00:01.0] Hi.\n'
    transcript = parse_transcript(text)
    assert transcript.extra == {"note": "checked: the names"}
    assert (
        format_transcript(transcript)
        == '---\nid: x\nstatus: draft\nlanguage: en\nnote: "checked: the names"\n---\n[00:01.0] Hi.\n'
    )


def test_approval_fields_round_trip() -> None:
    transcript = Transcript(
        id="a",
        status="approved",
        model="tiny.en",
        approved_by="Priya O'Neil",
        approved_at="2026-11-22T11:30+00:00",
        lines=[Line(1.0, "Hi.")],
    )
    text = format_transcript(transcript)
    assert 'approved_at: "2026-11-22T11:30+00:00"' in text
    assert parse_transcript(text) == transcript


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\n", "transcript:1: expected '---' to open the front matter; restore the header block"),
        ("---\nid: x\n[00:01.0] a\n", "transcript:1: the front matter is not closed; add a line '---' after it"),
        (
            "---\nid: x\nthis is not a key\n---\n",
            "transcript:3: expected 'key: value' in the front matter, got 'this is not a key'",
        ),
        ("---\nstatus: draft\n---\n", "transcript:1: the front matter has no 'id'; add 'id: <resource id>'"),
        ("---\nid: x\nstatus: done\n---\n", "transcript:3: status: expected draft or approved, got 'done'"),
        (
            FRONT + "[00:01.0] a\n\n[00:61.0] b\n",
            "transcript:8: cannot read the time in '[00:61.0] b': seconds and minutes go up to 59; "
            "write it as [mm:ss.s], e.g. [01:23.4]",
        ),
        (
            FRONT + "[00:01.0] a\n[0:1:2:3] b\n",
            "transcript:7: cannot read the time in '[0:1:2:3] b'; write it as [mm:ss.s], e.g. [01:23.4]",
        ),
        (
            FRONT + "[00:01.0] a\n[00:05.0] b\n[00:03.0] c\n",
            "transcript:8: [00:03.0] comes before line 7 ([00:05.0]); keep the times in order",
        ),
    ],
)
def test_what_it_cannot_accept_is_reported_with_the_line_number(text: str, message: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(text)
    assert str(caught.value) == message


def test_read_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.md"
    path.write_text("---\nid: x\nstatus: maybe\n---\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"^clip.md:3: status: expected draft or approved, got 'maybe'$"):
        read_transcript(path)
    with pytest.raises(TranscriptError, match=r"the transcript is missing; run `capture transcribe ID`"):
        read_transcript(tmp_path / "gone.md")
    path.write_bytes(b"---\nid: x\n---\n[00:01.0] caf\xe9\n")
    with pytest.raises(TranscriptError, match=r"clip.md: not UTF-8 text; save it as UTF-8"):
        read_transcript(path)


def test_write_is_atomic_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    transcript = Transcript(id="t", lines=[Line(0.0, "One."), Line(61.5, "Two.")])
    write_transcript(path, transcript)
    assert (
        path.read_text(encoding="utf-8")
        == "---\nid: t\nstatus: draft\nlanguage: en\n---\n[00:00.0] One.\n[01:01.5] Two.\n"
    )
    assert read_transcript(path) == transcript
    assert [p.name for p in tmp_path.iterdir()] == ["t.md"]
    assert transcript_version(path.read_text()) == transcript_version(format_transcript(transcript))


def test_format_time() -> None:
    assert [format_time(s) for s in (0, 4.24, 59.96, 61.5, 3599.9, 3600, 3723.46)] == [
        "00:00.0",
        "00:04.2",
        "01:00.0",
        "01:01.5",
        "59:59.9",
        "1:00:00.0",
        "1:02:03.5",
    ]


# -- properties ------------------------------------------------------------------------------------------
line_text = (
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
front_value = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(lambda s: " ".join(s.split()))


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    tenths = sorted(draw(st.lists(st.integers(0, 4 * 36000), max_size=25)))
    texts = draw(st.lists(line_text, min_size=len(tenths), max_size=len(tenths)))
    return Transcript(
        id=draw(front_value.filter(bool)),
        status=draw(st.sampled_from(["draft", "approved"])),
        model=draw(front_value),
        language=draw(front_value.filter(bool)),
        approved_by=draw(front_value),
        approved_at=draw(front_value),
        lines=[Line(t / 10, text) for t, text in zip(tenths, texts, strict=False)],
    )


@settings(max_examples=300, deadline=None)
@given(transcripts())
def test_round_trip(transcript: Transcript) -> None:
    again = parse_transcript(format_transcript(transcript))
    assert again == transcript
    assert format_transcript(again) == format_transcript(transcript)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_a_transcript_error(text: str) -> None:
    with contextlib.suppress(TranscriptError):
        parse_transcript(text)


body_row = st.one_of(
    line_text,
    st.builds(lambda m, s, t: f"[{m:02d}:{s:04.1f}] {t}", st.integers(0, 99), st.floats(0, 59.9), line_text),
    st.from_regex(r"\[[0-9:., ]{0,12}\]?.{0,10}", fullmatch=True),
    st.just(""),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(body_row, max_size=20))
def test_any_body_parses_or_raises_a_transcript_error_naming_a_line(rows: list[str]) -> None:
    text = FRONT + "\n".join(rows) + "\n"
    try:
        transcript = parse_transcript(text)
    except TranscriptError as exc:
        assert str(exc).startswith("transcript:")
        return
    starts = [line.start for line in transcript.lines]
    assert starts == sorted(starts)
    # What parses, writes back to something that parses to the same lines.
    again = parse_transcript(format_transcript(transcript))
    assert [(round(line.start, 1), line.text) for line in again.lines] == [
        (round(line.start, 1), line.text) for line in transcript.lines
    ]


# -- chapters and on-screen notes ------------------------------------------------------------------------
chapter_row = st.builds(
    lambda title, suggested: f"## {title}" + (" (suggested)" if suggested else ""), line_text, st.booleans()
)
note_row = st.builds(
    lambda m, s, t: f"[{m:02d}:{s:04.1f}] [on screen: {t}]",
    st.integers(0, 99),
    st.floats(0, 59.9),
    line_text.filter(lambda t: "]" not in t[-1:]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(body_row, chapter_row, note_row, st.just("[on screen: untimed]")), max_size=20))
def test_a_body_with_chapters_and_notes_reads_back_the_same_once_written(rows: list[str]) -> None:
    """Whatever parses writes back to a file that parses to the same lines, chapters and notes, and
    writing that again changes nothing (the review page's save and `capture review` write this way).
    Each line keeps its chapter, unless it shares its time with another row (a heading comes first then)."""
    try:
        transcript = parse_transcript(FRONT + "\n".join(rows) + "\n")
    except TranscriptError:
        return
    text = format_transcript(transcript)
    again = parse_transcript(text)
    assert [(round(x.start, 1), x.text) for x in again.lines] == [(round(x.start, 1), x.text) for x in transcript.lines]
    tenths = [round(x.start * 10) for x in [*transcript.lines, *transcript.notes]]
    if len(set(tenths)) == len(tenths):  # at one time a heading is written first: ties may change chapter
        assert [x.chapter for x in again.lines] == [x.chapter for x in transcript.lines]
    assert [(round(n.start, 1), n.text) for n in again.notes] == [(round(n.start, 1), n.text) for n in transcript.notes]
    assert [(c.title, c.suggested) for c in again.chapters] == [(c.title, c.suggested) for c in transcript.chapters]
    assert format_transcript(again) == text
    assert not any("on screen" in line.text.lower() and line.text.startswith("[") for line in again.lines)
