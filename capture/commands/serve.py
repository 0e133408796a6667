"""``capture serve``: preview the site on this machine and rebuild it when a source changes."""

from __future__ import annotations

import threading

import typer

from capture.app import app, console, err_console, user_errors, workspace


@app.command()
def serve(
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="The port to listen on (0: any free one)."),
    watch: bool = typer.Option(
        True, "--watch/--no-watch", help="Rebuild when resources.yaml, journeys or transcripts change."
    ),
) -> None:
    """Build the site, serve it on 127.0.0.1 (loopback only), and rebuild it on change."""
    from pipeline.serve.preview import Watcher, make_server
    from pipeline.site.build import build_site

    def report(result, error) -> None:  # type: ignore[no-untyped-def]
        if error is not None:
            err_console.print(f"Error: {error} (still serving the last good build)", markup=False)
        else:
            console.print(
                f"Rebuilt: {result.written} files written, {result.removed} removed in {result.seconds:.2f} s",
                markup=False,
            )

    with user_errors():
        ws = workspace()
        result = build_site(ws)
        server = make_server(ws.site_dir, port)
    host, bound = server.server_address[:2]
    console.print(
        f"Built {result.pages} pages. Serving {ws.relative(ws.site_dir)}/ at http://{host}:{bound}/ "
        "(loopback only); press Ctrl-C to stop.",
        markup=False,
    )
    watcher = Watcher(ws, lambda: build_site(ws), report)
    if watch:
        threading.Thread(target=watcher.run, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        watcher.stop()
        server.server_close()
