"""The code key: a hash of the modules that shape the site's output, found from their imports.

A page must be rendered again when the code that renders it changes, so every output's key
includes a hash of that code. The modules are not listed by hand (a list kept by hand missed
``ordering``, ``journeys`` and ``catalogue``): they are the ``pipeline`` modules that the
renderer imports, directly or through each other, read from the source with :mod:`ast`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = "pipeline"
_ROOT = Path(__file__).resolve().parent.parent


def module_path(name: str) -> Path | None:
    """The source file of a ``pipeline`` module (or package), or None if there is none."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = _ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(name: str, path: Path) -> set[str]:
    """The ``pipeline`` modules one source file imports, at the top or inside functions."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            # ``from pipeline.site import output`` names a module, not only a package.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] == PACKAGE and module_path(m) is not None}


@functools.lru_cache(maxsize=None)
def code_modules(*roots: str) -> tuple[Path, ...]:
    """Every ``pipeline`` source file that ``roots`` import, themselves included, sorted."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        path = module_path(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        todo.extend(_imports(name, path) - seen.keys())
    return tuple(sorted(set(seen.values())))


def code_digest(*roots: str, salt: str = "") -> str:
    """A sha1 over the source of ``roots`` and of everything they import from ``pipeline``."""
    digest = hashlib.sha1(salt.encode())  # noqa: S324 - a content key, not a signature
    for path in code_modules(*roots):
        digest.update(str(path.relative_to(_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
