"""Terminal injection (issue 19 item 13): nothing from the catalogue, transcripts or logs reaches the
terminal as a control sequence. ``printable`` is checked as a pure function, then every command that
prints user data is run as a user would, on a workspace whose title, transcript and log carry escapes."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text import BIDI_CONTROLS, printable, printable_json
from tests.support import REPO, copy_demo

# What a terminal acts on: C0 controls (tab and newline aside), DEL, C1 controls, bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
SURROGATES = re.compile("[\ud800-\udfff]")
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x9b31m\r\u202eevil [red]markup[/]"

any_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x2FF),
        st.sampled_from(BIDI_CONTROLS + "\u2028\ufeff\ud800\udfff"),
        st.characters(),
    )
)


@given(any_text)
def test_printable_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = printable(text)
    assert UNSAFE.search(shown) is None
    assert SURROGATES.search(shown) is None
    shown.encode("utf-8")  # a lone surrogate could not even be written
    assert printable(shown) == shown
    assert shown.count("\n") == text.count("\n") and shown.count("\t") == text.count("\t")


@given(any_text)
def test_printable_one_line_keeps_to_its_line(text: str) -> None:
    shown = printable(text, one_line=True)
    assert UNSAFE.search(shown) is None and "\n" not in shown and "\t" not in shown
    assert printable(shown, one_line=True) == shown


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")).filter(lambda c: c not in BIDI_CONTROLS)))
def test_printable_keeps_ordinary_text_as_it_is(text: str) -> None:
    assert printable(text) is text or printable(text) == text
    assert printable(text, one_line=True) == text


def test_printable_writes_each_control_as_a_visible_escape() -> None:
    assert printable(HOSTILE) == "\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\r\\u202eevil [red]markup[/]"
    assert printable("a\tb\nc\x7f\ud800") == "a\tb\nc\\x7f\\ud800"
    assert printable("a\tb\nc", one_line=True) == "a\\tb\\nc"


@given(
    st.recursive(st.none() | any_text | st.integers(), lambda inner: st.lists(inner) | st.dictionaries(any_text, inner))
)
def test_printable_json_is_the_same_json_and_safe(value: object) -> None:
    text = printable_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert UNSAFE.search(text) is None and SURROGATES.search(text) is None


# ---------------------------------------------------------------- the commands, in a subprocess


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace with escapes in a title, a journey's goal, a transcript's front matter and
    first line, and the access log (a search term), all as raw characters in the files."""
    root = copy_demo(tmp_path_factory.mktemp("hostile"))
    catalogue = root / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    quoted = json.dumps(HOSTILE)  # a YAML double-quoted scalar takes JSON's escapes
    catalogue.write_text(text.replace("title: Shift handover basics", f"title: {quoted}", 1), encoding="utf-8")
    journey = root / "journeys" / "handover-for-operators.yaml"
    journey.write_text(re.sub(r"goal: .*", lambda _: f"goal: {quoted}", journey.read_text(encoding="utf-8"), count=1))
    transcript = root / "transcripts" / "shift-handover-basics.md"
    front = re.sub(
        r"model: .*", lambda _: "model: tiny" + HOSTILE.replace("\r", ""), transcript.read_text(encoding="utf-8")
    )
    transcript.write_text(front.replace("[00:00.0] ", "[00:00.0] \x1b[2J\u202e", 1), encoding="utf-8")
    (root / "access.log").write_text(
        '10.0.0.1 - - [09/Nov/2026:10:15:00 +0100] "GET /r/shift-handover-basics/ HTTP/1.1" 200 5120 "-" "M"\n'
        '10.0.0.1 - - [09/Nov/2026:10:16:00 +0100] "GET /search.gif?q=%1b%5d0%3bX%07%c2%9b%e2%80%ae&n=0 HTTP/1.1" '
        '200 43 "-" "M"\n',
        encoding="utf-8",
    )
    return root


def run_bytes(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "capture", *args], cwd=root, env=env, capture_output=True, timeout=120)


COMMANDS = [
    ("list",),
    ("list", "--json"),
    ("status",),
    ("status", "--json"),
    ("check",),
    ("journey", "show", "handover-for-operators"),
    ("report", "--access-log", "access.log"),
    ("report", "--access-log", "access.log", "--json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_control_sequence_reaches_the_terminal(hostile: Path, args: tuple[str, ...]) -> None:
    done = run_bytes(hostile, *args)
    assert done.returncode in (0, 1), done.stderr
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8")  # strict: every byte written is UTF-8
        assert UNSAFE.search(text) is None, text


def test_the_title_is_shown_escaped_not_dropped(hostile: Path) -> None:
    done = run_bytes(hostile, "list")
    assert b"\\x1b]0;PWNED\\x07" in done.stdout and b"[red]markup[/]" in done.stdout
    listed = json.loads(run_bytes(hostile, "list", "--json").stdout)
    assert listed[0]["title"] == HOSTILE  # JSON escapes it, and a reader gets the title back exactly


def test_an_error_message_quoting_user_data_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text("title: x\nresources: []\n", encoding="utf-8")
    done = run_bytes(tmp_path, "report", "--access-log", "nope\x1b[2J.log")
    assert done.returncode == 1
    assert done.stderr.decode("utf-8") == (
        "Error: access log not found: nope\\x1b[2J.log; check the path "
        "(rotated logs are often /var/log/nginx/access.log* or /var/log/apache2/access.log*)\n"
    )


# What rich itself writes to a terminal: styles, and the progress bar's cursor hiding, line erasing,
# cursor up and carriage returns. Anything else with ESC (a CSI J, an OSC title) is not ours.
RICH_CONTROLS = re.compile("\x1b\\[(?:[0-9;]*m|\\?25[lh]|2K|[0-9]*A)|\r")


def run_on_terminal(root: Path, *args: str) -> tuple[int, str]:
    """Exit code and what a terminal would receive from ``python -m capture ARGS``, stdout and stderr
    both on a pseudo-terminal: click and rich pass ANSI sequences through only when they see one."""
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200", TERM="xterm-256color")
    command = [sys.executable, "-m", "capture", *args]
    done = subprocess.run(command, cwd=root, env=env, stdout=follower, stderr=follower, timeout=120, check=False)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is gone once everything written was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return done.returncode, RICH_CONTROLS.sub("", shown.decode("utf-8"))


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_control_sequence_reaches_a_real_terminal(hostile: Path, args: tuple[str, ...]) -> None:
    code, shown = run_on_terminal(hostile, *args)
    assert code in (0, 1), shown
    assert UNSAFE.search(shown) is None, shown


def test_captions_on_a_terminal_show_the_controls(hostile: Path) -> None:
    code, shown = run_on_terminal(hostile, "captions", "shift-handover-basics")
    assert code == 0, shown
    assert UNSAFE.search(shown) is None, shown
    assert "\\x1b[2J\\u202eHello" in shown


def test_check_quoting_a_value_with_escapes(tmp_path: Path) -> None:
    root = copy_demo(tmp_path)
    catalogue = root / "resources.yaml"
    text = catalogue.read_text(encoding="utf-8")
    hostile_level = '    level: "expert\\e]0;PWNED\\a\\e[2J"'  # check quotes a value it refuses
    catalogue.write_text(text.replace("    level: beginner", hostile_level, 1))
    code, shown = run_on_terminal(root, "check")
    assert code == 1
    assert UNSAFE.search(shown) is None, shown
    assert "got 'expert\\x1b]0;PWNED\\x07\\x1b[2J'" in shown, shown
