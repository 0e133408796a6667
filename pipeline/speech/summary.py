"""The automatic summary of a clip: the first sentence of its transcript that says what it is about.

Experts open with a greeting or their own name ("Hi, I'm Alex from the wrapping station."), and
that is no summary: it would stand on every card, in search and in the feed. A sentence that is
only a greeting, a self-introduction or a courtesy is passed over; a greeting in front of a real
sentence is cut off ("Hello, this is the shift handover." gives "This is the shift handover.").
When no sentence is left the summary stays empty, for a person to write.
"""

from __future__ import annotations

import re

MAX_LENGTH = 200
# Too short to say what a clip is about ("Okay.", "Right, so.").
MIN_WORDS = 4
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening)|morning|welcome)"
    r"(?:\s+(?:there|everyone|everybody|all|folks|team|guys|again))?(?:\s+and\s+welcome)?[\s,.!:;-]*)+",
    re.IGNORECASE,
)
# A name starts with a capital whatever the case of the rest ("This is the shift handover" is no name).
NAME = r"(?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)"
SELF_INTRODUCTION = re.compile(
    rf"^(?:i'm|i am|my name is|my name's|me,)\s"
    rf"|^(?:this is|it's|it is)\s+{NAME}(?:\s+(?:here|from|at|on|in)\b|[\s,.!]*$)",
    re.IGNORECASE,
)
# Where an introduction goes on to what the clip is about: "..., and today I'll show you how to ...".
TOPIC_AFTER_INTRODUCTION = re.compile(
    r"(?:,|\s)\s*(?:and|so)\s+(?=(?:today|now|here|in this)\b|(?:i'll|i will|i'm going to|we'll|let me)\b)",
    re.IGNORECASE,
)
COURTESY = re.compile(r"^(?:thanks|thank you|ok|okay|right|so|um|uh|alright|all right)\b[\s\W]*$", re.IGNORECASE)


def _after_greeting(sentence: str) -> str:
    rest = GREETING.sub("", sentence, count=1).strip()
    return rest[:1].upper() + rest[1:] if rest else ""


def about_the_clip(sentence: str) -> str:
    """``sentence`` without a greeting in front; empty where it is only a greeting or introduction."""
    rest = _after_greeting(sentence.strip())
    if SELF_INTRODUCTION.match(rest):
        topic = TOPIC_AFTER_INTRODUCTION.split(rest, maxsplit=1)
        rest = topic[1][:1].upper() + topic[1][1:] if len(topic) == 2 else ""
    if COURTESY.match(rest) or len(rest.split()) < MIN_WORDS:
        return ""
    return rest


def summary_from_text(text: str) -> str:
    """The first sentence of ``text`` that says what the clip is about, shortened to 200 characters."""
    for sentence in SENTENCE_END.split(text.strip()):
        found = about_the_clip(sentence)
        if found:
            if len(found) <= MAX_LENGTH:
                return found
            return found[: MAX_LENGTH - 3].rsplit(" ", 1)[0] + "…"
    return ""
