"""``capture serve``: preview the site on this machine and rebuild it when a source changes."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import typer

from capture.app import app, console, err_console, user_errors, workspace
from capture.words import plural
from pipeline.errors import CaptureError, CatalogueError
from pipeline.text import printable

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipeline.serve.watch import Watcher
    from pipeline.site.build import BuildResult
    from pipeline.workspace.paths import Workspace


def report_rebuild(result: BuildResult | None, error: Exception | None) -> None:
    """One line per rebuild: what it wrote, or what went wrong (the last good site stays served)."""
    if result is not None:
        console.print(
            f"Rebuilt: {plural(result.written, 'file')} written, {result.removed} removed in {result.seconds:.2f} s",
            markup=False,
        )
    elif isinstance(error, CaptureError):
        err_console.print(f"Error: {printable(str(error))} (still serving the last good build)", markup=False)
        for problem in error.problems if isinstance(error, CatalogueError) else []:
            err_console.print(f"  {printable(problem)}", markup=False)
    elif error is not None:
        err_console.print(
            f"Error: the rebuild failed ({type(error).__name__}: {printable(str(error))}); "
            "still serving the last good build. "
            "Run `capture --debug build` to see where, and report it.",
            markup=False,
        )


def report_request_error(message: str) -> None:
    err_console.print(f"Error: {printable(message)}", markup=False)


def make_watcher(ws: Workspace, rebuild: Callable[[], BuildResult]) -> Watcher[BuildResult] | None:
    """A watcher of ``ws``'s sources, or None (said on stderr) where the system cannot watch them."""
    from pipeline.serve.watch import Watcher

    try:
        return Watcher(ws, rebuild, report_rebuild)
    except OSError as exc:
        err_console.print(
            f"Warning: cannot watch for changes ({exc}); serving without rebuilds: run `capture build` "
            "after an edit, or raise the system's limit of watched files",
            markup=False,
        )
        return None


@app.command()
def serve(
    *,
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="The port to listen on (0: any free one)."),
    watch: bool = typer.Option(
        True, "--watch/--no-watch", help="Rebuild when resources.yaml, journeys or transcripts change."
    ),
) -> None:
    """Build the site, serve it on 127.0.0.1 (loopback only), and rebuild it on change."""
    from pipeline.serve.preview import make_server
    from pipeline.site.build import build_site

    with user_errors():
        ws = workspace()
        # Watching starts before the first build, so an edit made during it or once the address
        # is printed is seen.
        watcher = make_watcher(ws, lambda: build_site(ws)) if watch else None
        result = build_site(ws)
        server = make_server(ws.site_dir, port, on_error=report_request_error)
    console.print(
        f"Built {result.pages} pages. Serving {ws.relative(ws.site_dir)}/ at {server.url} "
        "(loopback only); press Ctrl-C to stop.",
        markup=False,
    )
    if watcher is not None:
        threading.Thread(target=watcher.run, name="capture-rebuild", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        if watcher is not None:
            watcher.stop()
        server.server_close()
