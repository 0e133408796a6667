"""Captions by the book: line and cue limits, reading speed, breaks placed by whisper's word times."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.speech.captions import (
    MAX_CPS,
    MAX_CUE,
    MAX_LINE,
    MAX_LINES,
    MIN_CUE,
    Cue,
    balance_two,
    format_srt,
    format_vtt,
    make_cues,
    timed_tokens,
)
from pipeline.speech.transcribe import Word, decode_audio, transcribe_audio
from pipeline.speech.transcript import Line, Transcript
from pipeline.workspace.catalogue import TranscriptionSettings
from tests.key_words import explain, hears_enough
from tests.speech_helpers import SAMPLES, script_of

EPS = 1e-6


def check_limits(cues: list[Cue], transcript: Transcript, duration: float) -> None:
    """Every rule the captions promise, checked on one result."""
    text = "".join("".join(line.text.split()) for line in transcript.lines)
    assert "".join("".join("".join(line.split()) for line in cue.lines) for cue in cues) == text
    for index, cue in enumerate(cues):
        assert 1 <= len(cue.lines) <= MAX_LINES, cue
        assert all(0 < len(line) <= MAX_LINE and line == line.strip() for line in cue.lines), cue
        length = cue.end - cue.start
        assert MIN_CUE - EPS <= length <= MAX_CUE + EPS, cue
        following = cues[index + 1] if index + 1 < len(cues) else None
        if following is not None:
            assert following.start >= cue.end - EPS, (cue, following)
        chars = sum(len(line) for line in cue.lines)
        if chars / length > MAX_CPS + 0.01:
            # Too fast only where the timing leaves no room: the next cue starts, the clip ends, or 7 s.
            ends_at_next = following is not None and abs(following.start - cue.end) < 0.002
            ends_at_clip = following is None and cue.end >= duration - 0.002
            assert ends_at_next or ends_at_clip or length >= MAX_CUE - EPS, cue
    if cues and transcript.lines:
        assert cues[0].start >= transcript.lines[0].start - EPS


def test_a_short_transcript() -> None:
    transcript = Transcript(
        id="t",
        lines=[
            Line(0.0, "Hello, this is the basics of a shift handover on the packing line."),
            Line(5.1, "Before you leave, write three things in the handover log."),
        ],
    )
    cues = make_cues(transcript, 9.0)
    assert cues == [
        Cue(0.0, 5.1, ("Hello, this is the basics of a", "shift handover on the packing line.")),
        Cue(5.1, 9.0, ("Before you leave, write three", "things in the handover log.")),
    ]
    check_limits(cues, transcript, 9.0)


def test_a_long_line_becomes_several_cues_of_similar_size() -> None:
    text = (
        "If the line is down and the next shift lead has not arrived, you stay until someone signs the "
        "handover log, and you call the duty manager."
    )
    transcript = Transcript(id="t", lines=[Line(2.0, text)])
    cues = make_cues(transcript, 14.0)
    assert len(cues) == 2
    sizes = [len(" ".join(c.lines)) for c in cues]
    assert max(sizes) - min(sizes) < 30, cues
    check_limits(cues, transcript, 14.0)


def test_fast_lines_stay_up_a_second_and_push_the_next_cue() -> None:
    transcript = Transcript(id="t", lines=[Line(0.0, "Yes."), Line(0.2, "No."), Line(0.4, "Maybe.")])
    cues = make_cues(transcript, 5.0)
    assert [(c.start, c.end) for c in cues] == [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]


def test_a_short_line_is_shown_long_enough_to_read_but_not_through_a_long_pause() -> None:
    transcript = Transcript(
        id="t", lines=[Line(1.0, "Then walk the line with the person taking over."), Line(30.0, "Done.")]
    )
    first = make_cues(transcript, 32.0)[0]
    assert first.start == 1.0
    assert 47 / MAX_CPS <= first.end - first.start <= 6.0


def test_a_word_longer_than_a_line_is_split() -> None:
    url = "https://intranet.example.com/handover/forms/packing-line-shift-log"
    transcript = Transcript(id="t", lines=[Line(0.0, f"Open {url} now.")])
    cues = make_cues(transcript, 6.0)
    check_limits(cues, transcript, 6.0)


def test_balance_prefers_a_break_after_punctuation() -> None:
    assert balance_two("Before you leave, write three things in the handover log.") == (
        "Before you leave, write three",
        "things in the handover log.",
    )
    assert balance_two("Call the duty manager, then keep the lockout tags in place.") == (
        "Call the duty manager,",
        "then keep the lockout tags in place.",
    )


# -- word timings ----------------------------------------------------------------------------------------
def _words(spec: list[tuple[float, float, str]]) -> list[Word]:
    return [Word(s, e, " " + t) for s, e, t in spec]


SLOW_THEN_FAST = _words(
    [
        (0.0, 0.4, "When"),
        (0.5, 0.8, "you"),
        (0.9, 1.3, "hand"),
        (1.4, 1.8, "over"),
        (1.9, 2.1, "a"),
        (2.2, 2.6, "line"),
        (2.7, 3.0, "with"),
        (3.1, 3.2, "a"),
        (3.3, 3.8, "running"),
        (3.9, 4.4, "fault,"),
        (7.5, 7.7, "do"),
        (7.8, 8.0, "not"),
        (8.1, 8.3, "just"),
        (8.4, 8.6, "say"),
        (8.7, 8.8, "it"),
        (8.9, 9.0, "is"),
        (9.1, 9.4, "broken."),
        (9.6, 9.9, "Show"),
        (10.0, 10.2, "the"),
        (10.3, 10.6, "code."),
    ]
)
SAID = "When you hand over a line with a running fault, do not just say it is broken. Show the code."


def test_an_unedited_line_breaks_where_the_speaker_pauses() -> None:
    transcript = Transcript(id="t", lines=[Line(0.0, SAID)])
    cues = make_cues(transcript, 12.0, SLOW_THEN_FAST)
    assert cues[0].lines == ("When you hand over a line", "with a running fault,")
    assert cues[1].start == 7.5  # the first word after the pause, not a share of the line's length
    check_limits(cues, transcript, 12.0)


def test_case_and_punctuation_edits_keep_the_word_timings() -> None:
    edited = SAID.replace("hand over", "Hand over").replace("broken.", "broken!")
    tokens = timed_tokens(Line(0.0, edited), SLOW_THEN_FAST)
    assert tokens is not None
    assert (tokens[2].text, tokens[2].start, tokens[16].text) == ("Hand", 0.9, "broken!")


def test_an_edited_line_is_timed_in_proportion() -> None:
    edited = SAID.replace("running fault", "running jam")
    assert timed_tokens(Line(0.0, edited), SLOW_THEN_FAST) is None
    cues = make_cues(Transcript(id="t", lines=[Line(0.0, edited)]), 12.0, SLOW_THEN_FAST)
    assert cues[1].start != 7.5
    assert "running jam," in " ".join(" ".join(c.lines) for c in cues)


def test_merged_unedited_lines_still_match_the_words() -> None:
    words = _words(
        [(1.0, 1.4, "Write"), (1.5, 1.7, "the"), (1.8, 2.2, "time."), (3.0, 3.3, "Then"), (3.4, 3.8, "leave.")]
    )
    tokens = timed_tokens(Line(1.0, "Write the time. Then leave."), words)
    assert tokens is not None and tokens[3].start == 3.0


def test_a_line_far_from_its_words_is_not_matched() -> None:
    words = _words([(10.0, 10.4, "Write"), (10.5, 10.7, "the"), (10.8, 11.2, "time.")])
    assert timed_tokens(Line(2.0, "Write the time."), words) is None


def _two_sentences(pause: float) -> list[Word]:
    first = [(0.0, 0.3, "Check"), (0.35, 0.45, "the"), (0.5, 0.8, "guard"), (0.85, 1.2, "first.")]
    second = [
        (1.2 + pause + s, 1.2 + pause + e, t)
        for s, e, t in [
            (0.0, 0.2, "Then"),
            (0.25, 0.5, "start"),
            (0.55, 0.65, "the"),
            (0.7, 0.9, "belt"),
            (0.95, 1.3, "again."),
        ]
    ]
    return _words(first + second)


def test_a_line_that_fits_one_cue_still_breaks_at_a_long_pause_after_a_sentence() -> None:
    # The line fits one cue; only a sentence end with a pause (bonus over 10) pays for a second.
    transcript = Transcript(id="t", lines=[Line(0.0, "Check the guard first. Then start the belt again.")])
    paused = make_cues(transcript, 8.0, _two_sentences(pause=1.0))
    assert [(c.start, c.lines) for c in paused] == [
        (0.0, ("Check the guard first.",)),
        (2.2, ("Then start the belt again.",)),
    ]
    hurried = make_cues(transcript, 8.0, _two_sentences(pause=0.3))
    assert [c.lines for c in hurried] == [("Check the guard first.", "Then start the belt again.")]


# -- output formats --------------------------------------------------------------------------------------
CUES = [Cue(0.0, 1.5, ("A <b> & c",)), Cue(61.25, 3723.5, ("x --> y", "second line"))]


def test_webvtt() -> None:
    assert format_vtt(CUES) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.500\nA &lt;b&gt; &amp; c\n\n"
        "00:01:01.250 --> 01:02:03.500\nx -&gt; y\nsecond line\n"
    )


def test_srt() -> None:
    assert format_srt(CUES) == (
        "1\n00:00:00,000 --> 00:00:01,500\nA <b> & c\n\n2\n00:01:01,250 --> 01:02:03,500\nx -> y\nsecond line\n"
    )


# -- properties ------------------------------------------------------------------------------------------
word = st.one_of(
    st.text(
        st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_categories=("Cs", "Z", "C")),
        min_size=1,
        max_size=12,
    ),
    st.text("abcdefghij.,", min_size=30, max_size=60),
)
line_text = st.lists(word, min_size=1, max_size=40).map(" ".join)


@st.composite
def transcripts(draw: st.DrawFn) -> tuple[Transcript, float]:
    gaps = draw(st.lists(st.floats(0.0, 20.0, allow_nan=False), min_size=0, max_size=15))
    starts: list[float] = []
    moment = draw(st.floats(0.0, 5.0))
    for gap in gaps:
        starts.append(round(moment, 1))
        moment += gap
    lines = [Line(s, draw(line_text)) for s in starts]
    duration = draw(st.one_of(st.just(0.0), st.floats(0.0, moment + 30.0)))
    return Transcript(id="t", lines=lines), duration


@settings(max_examples=400, deadline=None)
@given(transcripts())
def test_every_cue_meets_the_limits(case: tuple[Transcript, float]) -> None:
    transcript, duration = case
    check_limits(make_cues(transcript, duration), transcript, duration)


@settings(max_examples=200, deadline=None)
@given(transcripts(), st.floats(0.05, 1.0), st.floats(0.0, 1.5))
def test_every_cue_meets_the_limits_with_word_timings(
    case: tuple[Transcript, float], pace: float, pause: float
) -> None:
    transcript, duration = case
    words: list[Word] = []
    for index, line in enumerate(transcript.lines):
        moment = line.start
        following = transcript.lines[index + 1].start if index + 1 < len(transcript.lines) else moment + 1000
        for token in line.text.split():
            if moment + pace > following:
                break
            words.append(Word(moment, moment + pace, " " + token))
            moment += pace + (pause if token.endswith(",") else 0.0)
    check_limits(make_cues(transcript, duration, words), transcript, duration)


# -- real speech -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("clip", ["handover-when-no-lead-arrives.mp4"])
def test_captions_of_a_real_clip(clip: str) -> None:
    audio = decode_audio(SAMPLES / clip)
    result = transcribe_audio(audio, TranscriptionSettings(language="en"), ("handover", "lockout"))
    transcript = Transcript(id="t", lines=[Line(round(s.start, 1), s.text) for s in result.segments])
    words = [w for s in result.segments for w in s.words]
    duration = len(audio) / 16000
    cues = make_cues(transcript, duration, words)
    check_limits(cues, transcript, duration)
    said = " ".join(" ".join(c.lines) for c in cues)
    assert hears_enough(clip, script_of(clip), said), explain(clip, script_of(clip), said)
    # Unedited lines take their cue times from the words: each cue starts on a word's start.
    word_starts = {round(w.start, 3) for w in words}
    line_starts = {line.start for line in transcript.lines}
    assert all(round(c.start, 3) in word_starts or c.start in line_starts for c in cues)
