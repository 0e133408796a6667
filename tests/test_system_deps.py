"""``scripts/system-deps.sh``: only what is missing, one package at a time, never Debian's npm
beside an npm that is already there, and a clear word when apt refuses one.

apt-get is replaced by a recorder on a PATH made for the test (the decisions are what is tested;
installing Debian packages for real is what ``make test`` itself does on a new machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO

SCRIPT = REPO / "scripts" / "system-deps.sh"
TOOLS = ("bash", "mktemp", "rm", "grep", "tail", "cat")


def fake_path(tmp_path: Path, *, present: tuple[str, ...], refuse: tuple[str, ...] = ()) -> tuple[dict[str, str], Path]:
    """A PATH with the shell tools, the commands in ``present``, and an apt-get that records its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    calls = tmp_path / "apt-calls"
    scripts = {
        "id": "#!/bin/sh\necho 0\n",
        "apt-get": (
            "#!/bin/sh\n"
            f'echo "$*" >> {calls}\n'
            "for pkg in " + " ".join(refuse) + "; do\n"
            '  case " $* " in *" $pkg "*)\n'
            '    echo "E: Unable to correct problems, you have held broken packages."; exit 100;;\n'
            "  esac\n"
            "done\n"
        ),
        **dict.fromkeys(present, "#!/bin/sh\necho v1\n"),
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    return {"PATH": str(bin_dir), "HOME": str(tmp_path)}, calls


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash
    return subprocess.run([bash, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def installs(calls: Path) -> list[str]:
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [line.split()[-1] for line in lines if line.startswith("install")]


def test_nothing_missing_asks_apt_for_nothing(tmp_path: Path) -> None:
    env, calls = fake_path(tmp_path, present=("espeak-ng", "chromium", "npm"))
    result = run_script(env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not calls.exists()


def test_each_missing_package_is_installed_on_its_own_and_npm_is_left_alone(tmp_path: Path) -> None:
    env, calls = fake_path(tmp_path, present=("npm", "node"))
    result = run_script(env)
    assert result.returncode == 0, result.stderr
    assert installs(calls) == ["espeak-ng", "chromium"]
    assert result.stdout == "system-deps: installing espeak-ng chromium with apt-get\n"


def test_npm_is_asked_for_only_when_there_is_none(tmp_path: Path) -> None:
    env, calls = fake_path(tmp_path, present=("espeak-ng", "chromium"))
    assert run_script(env).returncode == 0
    assert installs(calls) == ["npm"]


@pytest.mark.parametrize("node", [True, False])
def test_a_refused_package_is_named_with_what_to_do(tmp_path: Path, node: bool) -> None:
    env, calls = fake_path(tmp_path, present=("node",) if node else (), refuse=("npm",))
    result = run_script(env)
    assert result.returncode == 1
    assert installs(calls) == ["espeak-ng", "chromium", "npm"]  # one refusal stops no other package
    assert "system-deps: apt-get could not install npm:" in result.stderr
    assert "E: Unable to correct problems, you have held broken packages." in result.stderr
    if node:
        assert "Node v1 is installed without npm" in result.stderr
    else:
        assert "Try it by hand to see the whole reason: apt-get install npm" in result.stderr
    assert "espeak-ng" not in result.stderr


def test_the_makefile_asks_apt_through_the_script_only() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "apt-get" not in makefile
    assert "bash scripts/system-deps.sh" in makefile
    assert os.access(SCRIPT, os.X_OK)
