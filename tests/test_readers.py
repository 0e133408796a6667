"""Issue 13: the commands that only read use the fast loader, never the round-trip one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from tests.journey_workspace import make_workspace

runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--json"],
        ["list"],
        ["check"],
        ["status", "--json"],
        ["journey", "show", "leads"],
        ["journey", "new", "--role", "lead", "--id", "second-leads"],
    ],
)
def test_read_only_commands_never_load_round_trip(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws")

    def refuse(*_: object) -> None:
        raise AssertionError("a read-only command used the round-trip loader")

    monkeypatch.setattr("pipeline.workspace.yamlio._round_trip", refuse)
    result = runner.invoke(app, ["--workspace", str(ws), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "round-trip" not in result.output


def test_a_writing_command_still_keeps_comments(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    catalogue = ws / "resources.yaml"
    catalogue.write_text("# kept\n" + catalogue.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["--workspace", str(ws), "tag", "faults", "--kind", "skill"])
    assert result.exit_code == 0, result.output
    assert catalogue.read_text(encoding="utf-8").startswith("# kept\ntitle: Test know-how\n")
