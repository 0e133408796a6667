"""The catalogue's code stays readable: no function over 60 lines or worse than radon's grade C,
and keyword-only parameters where a boolean or more than three would hide their meaning."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit

from tests.support import REPO

FILES = sorted(
    [
        *(REPO / "pipeline" / "workspace").glob("*.py"),
        REPO / "pipeline" / "site" / "catalogue_cache.py",
        *(REPO / "capture" / "commands" / f"{name}.py" for name in ("check", "listing", "journey", "tag", "init")),
    ]
)


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_function_is_long_or_complex(path: Path) -> None:
    long = [
        f"{f.name} ({f.end_lineno - f.lineno + 1} lines)" for f in _functions(path) if f.end_lineno - f.lineno >= 60
    ]
    complex_ = [
        f"{b.name} ({cc_rank(b.complexity)})" for b in cc_visit(path.read_text()) if cc_rank(b.complexity) > "C"
    ]
    assert (long, complex_) == ([], [])


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_booleans_and_long_signatures_are_keyword_only(path: Path) -> None:
    found = []
    for function in _functions(path):
        positional = [a for a in function.args.posonlyargs + function.args.args if a.arg not in ("self", "cls")]
        booleans = [a.arg for a in positional if a.annotation and ast.unparse(a.annotation) in ("bool", "bool | None")]
        if len(positional) > 3 or booleans:
            found.append(function.name)
    assert found == []
