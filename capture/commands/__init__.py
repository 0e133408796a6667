"""One module per command or command group; each registers on capture.app.app."""
