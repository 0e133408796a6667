"""Round-trip YAML: a person's comments and key order survive the tool's writes.

``resources.yaml`` and ``journeys/*.yaml`` are edited by people and written by
capture, so they are read with ruamel.yaml's round-trip loader. Aliases are
refused before anything is built, which stops "billion laughs" documents at once.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pipeline.errors import CatalogueError
from pipeline.fsutil import atomic_write_text

MAX_YAML_BYTES = 8 * 1024 * 1024


def _yaml():  # type: ignore[no-untyped-def]
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line of ``node`` (or of ``key`` inside it), where ruamel recorded one."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return int(lc.line) + 1
        if isinstance(key, int):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        try:
            return int(lc.line) + 1
        except (TypeError, AttributeError):
            return None


def load_yaml(path: Path, what: str = "") -> Any:
    """Parse ``path`` with the round-trip loader; raise :class:`CatalogueError` with file:line."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import AliasEvent

    name = what or path.name
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise CatalogueError(f"{name}: the file is {size} bytes, more than the {MAX_YAML_BYTES} allowed")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise CatalogueError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
    yaml = _yaml()
    try:
        for event in yaml.parse(io.StringIO(text)):
            if isinstance(event, AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise CatalogueError(
                    f"{name}:{line}: YAML aliases (*{event.anchor}) are not allowed; write the value out in full"
                )
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else "?"
        problem = exc.problem or exc.context or "invalid YAML"
        raise CatalogueError(
            f"{name}:{line}: {problem}; fix the YAML syntax there (a backup of your edit may be in git)"
        ) from exc
    except YAMLError as exc:
        raise CatalogueError(f"{name}: invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise CatalogueError(f"{name}: the YAML is nested too deeply") from exc


def dump_yaml(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def save_yaml(path: Path, data: Any) -> None:
    atomic_write_text(path, dump_yaml(data))
