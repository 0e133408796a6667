"""A typed face for ffmpeg-python, which ships no types: inputs, streams, filters, one compiled command.

Only :mod:`pipeline.media.process` builds graphs, and only through this module, so the untyped
package stays behind these few names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class Stream:
    """One stream of a filter graph: an input's ``v:0`` or ``a:0``, or a filter's output."""

    def __init__(self, node: Any) -> None:
        self.node = node

    def filter(self, name: str, *args: object, **options: object) -> Stream:
        return Stream(self.node.filter(name, *args, **options))


class Input:
    """A file given to ffmpeg with ``-i``."""

    def __init__(self, path: str) -> None:
        import ffmpeg  # type: ignore[import-untyped]

        self.node = ffmpeg.input(path)

    def stream(self, selector: str) -> Stream:
        return Stream(self.node[selector])


def compile_command(
    streams: Sequence[Stream],
    target: str,
    *,
    options: Mapping[str, object],
    global_args: Sequence[str],
    executable: str,
) -> list[str]:
    """The ffmpeg command line that writes ``streams`` to ``target`` with output ``options``."""
    import ffmpeg

    output = ffmpeg.output(*(stream.node for stream in streams), target, **options).global_args(*global_args)
    return [str(part) for part in output.compile(cmd=executable, overwrite_output=True)]
