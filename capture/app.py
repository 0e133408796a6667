"""The typer application and what every command shares: consoles, errors, the workspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from pipeline import __version__
from pipeline.errors import CaptureError, CatalogueError
from pipeline.text import printable

if TYPE_CHECKING:
    from pipeline.workspace.paths import Workspace

app = typer.Typer(
    name="capture",
    help="Turn smartphone clips of local experts into a searchable learning site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    debug: bool = False
    workspace: Path | None = None


state = State()


def _version(*, value: bool) -> None:
    if value:
        console.print(f"capture {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    *,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="The workspace folder (default: found by walking up from here).",
        file_okay=False,
    ),
) -> None:
    state.debug = debug
    state.workspace = workspace


def user_text(value: object, *, one_line: bool = False) -> str:
    """User data (a title, a file name, a message quoting a file) for a rich markup string: every
    character a terminal would act on made visible (:func:`pipeline.text.printable`), then the markup
    escaped, so ``[red]`` in a title is printed, not obeyed."""
    return escape(printable(str(value), one_line=one_line))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Write ``Error: message`` to stderr; the caller raises the returned Exit."""
    sys.stderr.write(f"Error: {printable(message)}\n")
    return typer.Exit(code)


def report_error(exc: CaptureError) -> None:
    sys.stderr.write(f"Error: {printable(str(exc))}\n")
    if isinstance(exc, CatalogueError):
        for problem in exc.problems:
            sys.stderr.write(f"  {printable(str(problem))}\n")


def explain_os_error(exc: OSError) -> str:
    """A file-system failure the library did not anticipate, said for a person."""
    import errno

    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full{where}; free some space and run the command again"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write{where}: the folder is read-only or not yours; check its permissions"
    return f"{exc.strerror or exc}{where}"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into ``Error: ...`` on stderr and a non-zero exit, once, for every command."""
    try:
        yield
    except CaptureError as exc:
        if state.debug:
            raise
        report_error(exc)
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:
        if state.debug:
            raise
        sys.stderr.write(f"Error: {printable(explain_os_error(exc))}\n")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        if state.debug:
            raise
        sys.stderr.write("Interrupted: nothing half-done was kept; run the same command again to finish.\n")
        raise typer.Exit(130) from None


def workspace() -> Workspace:
    """The workspace the command runs in: ``--workspace``, else found by walking up from here."""
    from pipeline.workspace.paths import find_workspace

    return find_workspace(state.workspace)
