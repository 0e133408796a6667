"""One error hierarchy. Each message says what went wrong and what to do next."""

from __future__ import annotations


class CaptureError(Exception):
    """An error the CLI shows as ``Error: <message>`` and exits non-zero."""

    exit_code = 1


class WorkspaceError(CaptureError):
    """No workspace, or a workspace that cannot be used."""


class CatalogueError(CaptureError):
    """``resources.yaml`` (or a journey) cannot be read or is invalid.

    ``problems`` holds every problem found, each already formatted as
    ``FILE:LINE: where: what``.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class MediaError(CaptureError):
    """A clip that cannot be probed or processed."""


class TranscriptionError(CaptureError):
    """The speech model cannot be loaded or run."""


class TranscriptError(CaptureError):
    """A transcript file that cannot be parsed."""


class EditConflictError(TranscriptError):
    """The transcript changed on disk after the review page read it."""


class BuildError(CaptureError):
    """The site cannot be built."""


class NotFoundError(CaptureError):
    """A resource id that is not in the catalogue."""


class ShrinkRefusedError(BuildError):
    """A catalogue that lost all or most of its resources since the last build: maybe empty or half-saved."""


class ReportError(CaptureError):
    """The report cannot be made from what was given."""


class LogError(CaptureError):
    """An access log that cannot be opened or read."""


class FeedbackError(CaptureError):
    """A feedback export that cannot be read or does not have the columns the settings name."""
