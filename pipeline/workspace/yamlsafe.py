"""libyaml's parser with YAML 1.2 scalars and line marks: the loader of :func:`yamlio.read_yaml`.

PyYAML resolves plain scalars by YAML 1.1 (``yes`` is true, ``1e5`` is text, ``1:30`` is 90)
while ruamel.yaml, which reads the same files for the commands that write, uses YAML 1.2.
This loader takes ruamel's 1.2 rules so that every command reads one file the same way,
and its mappings and lists (:class:`MarkedDict`, :class:`MarkedList`) keep their lines.
"""

from __future__ import annotations

import re
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

    # libyaml calls these three for every node: PyYAML's versions also handle path resolvers, which
    # this loader has none of, so these are the same answers in fewer steps (a third of a parse).
    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _TAG + "str"
        return _TAG + ("seq" if kind is SequenceNode else "map")

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


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


_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"


class _Builder:
    """Plain values from libyaml's nodes, in one small recursion instead of PyYAML's generic one.

    PyYAML's ``construct_object`` keeps a table of built nodes (for aliases, refused here before
    any node is built) and steps generators for recursive structures; a text scalar, most of a
    catalogue, costs it three calls. Here it costs one. Every other tag goes to the safe
    constructor's own function, so values are the ones PyYAML builds.
    """

    def __init__(self, loader: MarkedLoader) -> None:
        self.loader = loader
        self.scalars = loader.yaml_constructors

    def value(self, node: Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _MAP:
            return self.mapping(node)  # type: ignore[arg-type]
        if tag == _SEQ:
            return self.sequence(node)  # type: ignore[arg-type]
        build = self.scalars.get(tag) if isinstance(node, ScalarNode) else None
        if build is None:
            raise ConstructorError(None, None, f"the tag {tag} is not allowed here", node.start_mark)
        return build(self.loader, node)

    def mapping(self, node: MappingNode) -> MarkedDict:
        data = MarkedDict()
        data.line = node.start_mark.line + 1
        lines = data.key_lines
        for key_node, value_node in node.value:
            key = self.value(key_node)
            line = key_node.start_mark.line + 1
            try:
                seen = key in data
            except TypeError as exc:
                raise ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                ) from exc
            if seen:
                raise DuplicateKeyError(key, line)
            data[key] = self.value(value_node)
            lines[key] = line
        return data

    def sequence(self, node: SequenceNode) -> MarkedList:
        data = MarkedList()
        data.line = node.start_mark.line + 1
        items: list[Node] = node.value
        data.extend(map(self.value, items))
        data.item_lines = [item.start_mark.line + 1 for item in items]
        return data


def load_marked(text: str) -> Any:
    """The single document in ``text``: :class:`MarkedDict`, :class:`MarkedList` and plain scalars."""
    loader = MarkedLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Builder(loader).value(node)
    finally:
        loader.dispose()


def _int(loader: MarkedLoader, node: ScalarNode) -> int:
    return _int12(str(loader.construct_scalar(node)))


def _refused(loader: MarkedLoader, node: Node) -> Any:
    raise SpecialScalarError(str(node.value), node.start_mark.line + 1)


MarkedLoader.add_constructor(_TAG + "int", _int)
MarkedLoader.add_constructor(_TAG + "merge", _refused)
MarkedLoader.add_constructor(_TAG + "value", _refused)
