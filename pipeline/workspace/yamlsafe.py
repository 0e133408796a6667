"""libyaml's parser with YAML 1.2 scalars and line marks: the loader of :func:`yamlio.read_yaml`.

PyYAML resolves plain scalars by YAML 1.1 (``yes`` is true, ``1e5`` is text, ``1:30`` is 90)
while ruamel.yaml, which reads the same files for the commands that write, uses YAML 1.2.
This loader takes ruamel's 1.2 rules so that every command reads one file the same way,
and its mappings and lists (:class:`MarkedDict`, :class:`MarkedList`) keep their lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from yaml import CSafeLoader
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline.workspace.yamlio import MarkedDict, MarkedList

_TAG = "tag:yaml.org,2002:"


class DuplicateKeyError(Exception):
    """A key given twice in one mapping."""

    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class SpecialScalarError(Exception):
    """A plain ``=`` or ``<<``: YAML gives them meanings (a value key, a merge) that capture does not use."""

    def __init__(self, value: str, line: int) -> None:
        super().__init__(value, line)
        self.value = value
        self.line = line


class MarkedLoader(CSafeLoader):
    """libyaml's parser (C) and PyYAML's safe constructor, with ruamel.yaml's YAML 1.2 implicit tags.

    Its mappings and lists carry their lines, and a key given twice is refused.
    """

    # Its own table, not a copy of PyYAML's 1.1 one (add_implicit_resolver would copy the parent's).
    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012


_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    ("int", r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$", "-+0123456789"),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
    ("value", r"^(?:=)$", "="),
)
for _name, _pattern, _first in _RESOLVERS:
    MarkedLoader.add_implicit_resolver(_TAG + _name, re.compile(_pattern, re.X), list(_first))
MarkedLoader.add_implicit_resolver(_TAG + "null", re.compile(r"^$"), [""])


def _int12(value: str) -> int:
    """A YAML 1.2 integer: ``0o17`` and ``0x1f`` have prefixes, ``017`` is seventeen (1.1 read it as octal)."""
    text = value.replace("_", "")
    sign = -1 if text[:1] == "-" else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text, 10)


def _marked_map(loader: MarkedLoader, node: MappingNode) -> Iterator[MarkedDict]:
    data = MarkedDict()
    data.line = node.start_mark.line + 1
    yield data
    lines = data.key_lines
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = key in data
        except TypeError as exc:
            raise ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            ) from exc
        if seen:
            raise DuplicateKeyError(key, key_node.start_mark.line + 1)
        data[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1


def _marked_seq(loader: MarkedLoader, node: SequenceNode) -> Iterator[MarkedList]:
    data = MarkedList()
    data.line = node.start_mark.line + 1
    yield data
    items: list[Node] = node.value
    data.extend(loader.construct_object(item, deep=True) for item in items)
    data.item_lines = [item.start_mark.line + 1 for item in items]


def _int(loader: MarkedLoader, node: ScalarNode) -> int:
    return _int12(str(loader.construct_scalar(node)))


def _refused(loader: MarkedLoader, node: Node) -> Any:
    raise SpecialScalarError(str(node.value), node.start_mark.line + 1)


MarkedLoader.add_constructor(_TAG + "map", _marked_map)
MarkedLoader.add_constructor(_TAG + "seq", _marked_seq)
MarkedLoader.add_constructor(_TAG + "int", _int)
MarkedLoader.add_constructor(_TAG + "merge", _refused)
MarkedLoader.add_constructor(_TAG + "value", _refused)
