"""The quality gates, run with the tests so CI enforces them: ruff, mypy --strict, radon, and
the house rules on function size and keyword-only options (see ../shared/STYLE.md)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "capture")
MAX_LINES = 60
MAX_COMPLEXITY = 20  # radon's grade C ends at 20; D and worse fail
MAX_POSITIONAL = 3
# Called positionally by another library, so their signatures are not ours to choose.
POSITIONAL_BY_CONTRACT = {
    "capture/app.py:_version",  # typer's option callback: click passes the value positionally
}
BARE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\[)")


def sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    checked = run_tool("ruff", "check", "--no-cache", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = run_tool("ruff", "format", "--check", "--no-cache", ".")
    assert formatted.returncode == 0, "run `ruff format .`:\n" + formatted.stdout + formatted.stderr


def test_mypy_strict_finds_nothing() -> None:
    result = run_tool("mypy", "--strict", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_type_ignore_without_an_error_code() -> None:
    bare = [
        f"{path.relative_to(REPO)}:{number}"
        for path in [*sources(), *sorted((REPO / "tests").rglob("*.py")), *sorted((REPO / "benchmarks").rglob("*.py"))]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_IGNORE.search(line)
    ]
    assert bare == []


def test_no_function_is_longer_than_a_screen() -> None:
    long = [
        f"{where(path, node)} {node.name}: {node.end_lineno - node.lineno + 1} lines"
        for path in sources()
        for node in functions(path)
        if node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert long == []


def test_no_radon_grade_worse_than_c() -> None:
    from radon.complexity import cc_visit

    tangled = [
        f"{path.relative_to(REPO)}:{block.lineno} {block.name}: complexity {block.complexity}"
        for path in sources()
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if block.complexity > MAX_COMPLEXITY
    ]
    assert tangled == []


def _is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """typer commands and callbacks: typer passes their options by name."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "callback"):
            return True
    return False


def _is_boolean(arg: ast.arg, default: ast.expr | None) -> bool:
    annotation = ast.unparse(arg.annotation) if arg.annotation else ""
    if re.fullmatch(r"bool(\s*\|\s*None)?|Optional\[bool\]", annotation):
        return True
    return isinstance(default, ast.Constant) and isinstance(default.value, bool)


def positional_problems(path: Path, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = [*node.args.posonlyargs, *node.args.args]
    defaults: list[ast.expr | None] = [None] * (len(args) - len(node.args.defaults)) + list(node.args.defaults)
    pairs = [(a, d) for a, d in zip(args, defaults, strict=True) if a.arg not in ("self", "cls")]
    problems = []
    if len(pairs) > MAX_POSITIONAL:
        problems.append(f"{where(path, node)} {node.name}: {len(pairs)} positional parameters")
    problems += [
        f"{where(path, node)} {node.name}: boolean {arg.arg} is positional"
        for arg, default in pairs
        if _is_boolean(arg, default)
    ]
    return problems


def test_options_are_keyword_only() -> None:
    problems = [
        problem
        for path in sources()
        for node in functions(path)
        if not _is_command(node) and f"{path.relative_to(REPO)}:{node.name}" not in POSITIONAL_BY_CONTRACT
        for problem in positional_problems(path, node)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(a, b, c): pass", []),
        ("def f(a, b, c, d): pass", ["4 positional parameters"]),
        ("def f(a, *, b, c, d): pass", []),
        ("def f(a, full: bool = False): pass", ["boolean full is positional"]),
        ("def f(a, full=True): pass", ["boolean full is positional"]),
        ("def f(a, *, full: bool = False): pass", []),
        ("def f(self, a, b, c): pass", []),
    ],
)
def test_the_keyword_only_rule_itself(tmp_path: Path, source: str, expected: list[str]) -> None:
    path = REPO / "pipeline" / "example.py"
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    found = [problem.split(": ", 1)[1] for problem in positional_problems(path, node)]
    assert found == expected
