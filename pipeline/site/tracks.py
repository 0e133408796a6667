"""The resource page's two extra WebVTT tracks: ``chapters.vtt`` and ``descriptions.vtt``.

Planning must not parse every transcript (a build parses one only where a page that shows it
is rendered), so a track is planned where the transcript's bytes may hold a chapter heading or
an on-screen note; the page links the track only where the same look says so and, parsed, the
transcript really has one.
"""

from __future__ import annotations

import functools

from pipeline.site.output import Output
from pipeline.site.views import ResourceView, content_key
from pipeline.speech.chapters import chapters_vtt, descriptions_vtt, may_have_chapters, may_have_notes

TRACKS_CODE = ("pipeline.speech.chapters",)


def _chapters(view: ResourceView) -> bytes:
    transcript = view.transcript
    return chapters_vtt(transcript, view.resource.duration).encode("utf-8") if transcript else b"WEBVTT\n"


def _descriptions(view: ResourceView) -> bytes:
    transcript = view.transcript
    return descriptions_vtt(transcript, view.resource.duration).encode("utf-8") if transcript else b"WEBVTT\n"


def track_outputs(view: ResourceView, code: str) -> list[Output]:
    """``r/<id>/chapters.vtt`` and ``r/<id>/descriptions.vtt`` where the published transcript may have them.

    ``code`` is the key of the code that writes them (``code_key(TRACKS_CODE, theme=False)``).
    """
    data = view.transcript_bytes
    if not view.published or data is None:
        return []
    rid = view.resource.id
    key = content_key(code, view.transcript_digest, view.resource.duration)
    outputs = []
    if may_have_chapters(data):
        outputs.append(Output(f"r/{rid}/chapters.vtt", key, render=functools.partial(_chapters, view)))
    if may_have_notes(data):
        outputs.append(Output(f"r/{rid}/descriptions.vtt", key, render=functools.partial(_descriptions, view)))
    return outputs
