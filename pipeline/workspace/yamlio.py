"""YAML for people's files: one set of rules, two loaders, one writer.

``resources.yaml`` and ``journeys/*.yaml`` are edited by people and written by capture.
A command that writes reads them with ruamel.yaml's round-trip loader (:func:`load_yaml`),
so comments and key order survive its writes. A command that only reads uses libyaml
(:func:`read_yaml`): about thirty times faster, and every mapping and list it builds
records its lines, so problems still carry ``file:line``. Both loaders apply the same
rules: the same size cap, YAML 1.2 scalars (``yes`` is text, ``1e400`` a number), aliases
refused before anything is built (which stops "billion laughs" documents at once), and a
duplicate key is an error, never a silent "the last one wins".
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import CatalogueError
from pipeline.fsutil import atomic_write_bytes

# A 10,000-resource catalogue as capture writes it is about 7 MB: this leaves room for 100,000 and more.
MAX_YAML_BYTES = 128 * 1024 * 1024
BOM = "\ufeff"
_ANCHOR_OR_ALIAS = re.compile(r"[&*][^\s*&]")
_TAG_START = re.compile("!")
# Where libyaml and ruamel read the same text differently: tabs (after a colon, say), U+2028, U+2029 and
# NEL (line breaks to YAML 1.1 only), a block scalar header with a comment right after it (|#, >-#), a
# block scalar whose first line holds only spaces (ruamel refuses deeper lines after it, libyaml does not),
# and a key with only a comment after it, its value below (ruamel cannot place that comment when a blank
# line follows the value). The last two are only where they may happen: the round-trip loader decides.
_DIVERGENT = re.compile(
    "[\t\u2028\u2029\x85]"
    "|[|>][-+0-9]*#"
    "|[|>][-+0-9]*(?: +#[^\n]*)? *\r?\n +\r?\n"
    r"|: +#[^\n]*\n(?: *\S[^\n]*\n)+ *(?:\n|$)"
)
_RUAMEL_COMMENT_LINE = re.compile(r"line: (\d+)")
_RUAMEL_DUPLICATE = re.compile(r'found duplicate key "(?P<key>.*)" with value')


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


class MarkedDict(dict[Any, Any]):
    """A mapping from :func:`read_yaml`: its own line and each key's line (1-based)."""

    __slots__ = ("key_lines", "line")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[Any, int] = {}


class MarkedList(list[Any]):
    """A list from :func:`read_yaml`: its own line and each item's line (1-based)."""

    __slots__ = ("item_lines", "line")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.item_lines: list[int] = []


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line of ``node`` (or of ``key`` inside it), from either loader."""
    if isinstance(node, MarkedDict):
        return node.key_lines.get(key, node.line) if key is not None else node.line
    if isinstance(node, MarkedList):
        if isinstance(key, int) and 0 <= key < len(node.item_lines):
            return node.item_lines[key]
        return node.line
    return _ruamel_line(node, key)


def _ruamel_line(node: Any, key: Any) -> int | None:
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


def size_problem(name: str, size: int) -> CatalogueError | None:
    """The one size cap of every reader of these files, with what to do."""
    if size <= MAX_YAML_BYTES:
        return None
    return CatalogueError(
        f"{name}: the file is {size:,} bytes, more than the {MAX_YAML_BYTES:,} allowed (room for about "
        "100,000 resources); check that it is the file you meant, or split the library into two workspaces"
    )


def read_text(path: Path, name: str) -> str:
    """The file as text (a leading BOM dropped), within the size cap; errors worded for a person."""
    try:
        problem = size_problem(name, path.stat().st_size)
        if problem is not None:
            raise problem
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise CatalogueError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
    return text.removeprefix(BOM)


def alias_hint(text: str) -> bool:
    """Whether ``&name`` or ``*name`` follows a space, a line start or a flow indicator anywhere in ``text``.

    The same as searching ``(?:^|[\\s\\[{,:-])[&*][^\\s*&]``, four times faster on a 7 MB catalogue:
    the search starts only at an ``&`` or ``*``, and the character before is looked at after.
    """
    for match in _ANCHOR_OR_ALIAS.finditer(text):
        at = match.start()
        if at == 0 or text[at - 1].isspace() or text[at - 1] in "[{,:-":
            return True
    return False


def tag_hint(text: str) -> bool:
    """Whether a ``!tag`` may start anywhere in ``text`` (after a space, a line start or a flow indicator)."""
    for match in _TAG_START.finditer(text):
        at = match.start()
        if at == 0 or text[at - 1].isspace() or text[at - 1] in "[{,:-":
            return True
    return False


def _tag_error(name: str, line: int | str, tag: str) -> CatalogueError:
    return CatalogueError(
        f"{name}:{line}: YAML tags ({tag}) are not allowed; remove it (capture knows each field's type)"
    )


def _special_error(name: str, line: int | str, value: str) -> CatalogueError:
    return CatalogueError(f"{name}:{line}: a plain {value} has a special meaning in YAML; put it in quotes: '{value}'")


def _alias_error(name: str, line: int | str, anchor: str) -> CatalogueError:
    return CatalogueError(f"{name}:{line}: YAML aliases (*{anchor}) are not allowed; write the value out in full")


def _syntax_error(name: str, exc: Any) -> CatalogueError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else "?"
    problem = exc.problem or exc.context or "invalid YAML"
    return CatalogueError(f"{name}:{line}: {problem}; fix the YAML syntax there (a backup of your edit may be in git)")


def _duplicate_error(name: str, line: int, key: Any) -> CatalogueError:
    return CatalogueError(
        f"{name}:{line}: duplicate key '{key}' in one mapping; keep one of them (YAML would silently use the last)"
    )


def load_yaml(path: Path, what: str = "") -> Any:
    """Parse ``path`` with the round-trip loader (for a command that writes it); errors carry file:line."""
    name = what or path.name
    return _round_trip(read_text(path, name), name)


def _refuse_event(event: Any, name: str) -> None:
    """What neither loader accepts: aliases, explicit tags, a plain ``=`` or ``<<`` (ruamel's or libyaml's events)."""
    mark = getattr(event, "start_mark", None)
    line = mark.line + 1 if mark is not None else "?"
    kind = type(event).__name__
    if kind == "AliasEvent":
        raise _alias_error(name, line, str(event.anchor))
    tag = getattr(event, "tag", None)
    # A lone "!" (the non-specific tag: "no type, just text") is left to the round-trip loader, which reads it.
    tagged = tag is not None and str(tag) != "!" and kind in ("ScalarEvent", "MappingStartEvent", "SequenceStartEvent")
    if tagged and (kind != "ScalarEvent" or not event.implicit[0]):
        raise _tag_error(name, line, str(tag))
    if kind == "ScalarEvent" and event.style is None and event.value in ("=", "<<"):
        raise _special_error(name, line, event.value)


def _round_trip_events(text: str, name: str) -> None:
    """ruamel's parser alone over ``text``: its syntax error in its words, at a third of a full load's cost."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        for event in _yaml().parse(io.StringIO(text)):
            _refuse_event(event, name)
    except MarkedYAMLError as exc:
        raise _syntax_error(name, exc) from exc
    except YAMLError as exc:
        raise CatalogueError(f"{name}: invalid YAML: {exc}") from exc


def _round_trip(text: str, name: str) -> Any:
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = _yaml()
    try:
        for event in yaml.parse(io.StringIO(text)):
            _refuse_event(event, name)
        return yaml.load(text)
    except DuplicateKeyError as exc:
        found = _RUAMEL_DUPLICATE.search(str(exc.problem))
        if found is None or exc.problem_mark is None:
            raise _syntax_error(name, exc) from exc
        raise _duplicate_error(name, exc.problem_mark.line + 1, found.group("key")) from exc
    except MarkedYAMLError as exc:
        raise _syntax_error(name, exc) from exc
    except YAMLError as exc:
        raise CatalogueError(f"{name}: invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise CatalogueError(f"{name}: the YAML is nested too deeply") from exc
    except NotImplementedError as exc:  # ruamel: "overlap in comment", a comment it cannot keep in place
        raise _comment_error(name, exc) from exc
    except ValueError as exc:  # Python refuses to read an integer of more than 4,300 digits
        raise _long_number(name, text) from exc


def _comment_error(name: str, exc: NotImplementedError) -> CatalogueError:
    found = _RUAMEL_COMMENT_LINE.search(str(exc))
    line = int(found.group(1)) + 1 if found else "?"
    return CatalogueError(
        f"{name}:{line}: capture cannot keep this comment in place (it sits after a key whose value is on "
        "the next line); move the comment onto a line of its own above the key"
    )


def _long_number(name: str, text: str) -> CatalogueError:
    found = re.search(r"\d{1000,}", text)
    line = text.count("\n", 0, found.start()) + 1 if found else "?"
    return CatalogueError(f"{name}:{line}: a number of thousands of digits; write a number capture can use")


def read_yaml(path: Path, what: str = "") -> Any:
    """Parse ``path`` with libyaml (for a command that only reads it): plain dicts and lists that know their lines."""
    name = what or path.name
    return parse_yaml(read_text(path, name), name)


def parse_yaml(text: str, name: str) -> Any:
    """``text`` read as :func:`read_yaml` reads a file, by the same rules as the round-trip loader."""
    if needs_round_trip(text, name):
        return _round_trip(text, name)
    return parse_plain(text, name)


def needs_round_trip(text: str, name: str) -> bool:
    """Whether the two libraries may read ``text`` apart, so the round-trip loader must read it for every command.

    That is: a tab, U+2028, U+2029 or NEL, a block scalar header with a comment right after it, or an
    anchor. Raises at an alias or a tag. Rare in a catalogue, and so is the cost of the slow reader.
    """
    if _DIVERGENT.search(text):
        return True
    return (alias_hint(text) or tag_hint(text)) and _anchored(text, name)


def parse_plain(text: str, name: str) -> Any:
    """:func:`parse_yaml` for a text :func:`needs_round_trip` passed (the build screens a file once, not per entry)."""
    import yaml

    from pipeline.workspace.yamlsafe import DuplicateKeyError, SpecialScalarError, load_marked

    try:
        with paused_gc():
            return load_marked(text)
    except DuplicateKeyError as exc:
        raise _duplicate_error(name, exc.line, exc.key) from exc
    except SpecialScalarError as exc:
        raise _special_error(name, exc.line, exc.value) from exc
    except ValueError as exc:
        raise _long_number(name, text) from exc
    except RecursionError as exc:
        raise CatalogueError(f"{name}: the YAML is nested too deeply") from exc
    except NotImplementedError as exc:  # ruamel: "overlap in comment", a comment it cannot keep in place
        raise _comment_error(name, exc) from exc
    except yaml.YAMLError:
        # What libyaml refuses the round-trip loader decides: its words for the error (its parser alone
        # finds it, and stops there), or, where it reads the text after all, its value.
        _round_trip_events(text, name)
        return _round_trip(text, name)


def _anchored(text: str, name: str) -> bool:
    """Raise at the first alias or tag; whether the text has an anchor (ruamel and libyaml name them apart).

    Called only where the text hints at one of them: a scan of libyaml's events costs a third of a load.
    """
    import yaml

    anchored = False
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            _refuse_event(event, name)
            anchored = anchored or getattr(event, "anchor", None) is not None
    except yaml.YAMLError:
        return True  # let the round-trip loader read it, or word the error
    return anchored


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cycle collector off while a big tree of fresh containers is built (it would walk them again and again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dump_yaml(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def writable_mode(path: Path, name: str) -> int | None:
    """The mode a rewrite of ``path`` keeps (None for a new file); refuse a file its owner made read-only."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CatalogueError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
    if not mode & stat.S_IWUSR:
        raise CatalogueError(
            f"{name} is read-only (mode {mode:04o}), so capture leaves it as it is; "
            f"make it writable (chmod u+w {name}) and run the command again"
        )
    return mode


def _line_style(path: Path) -> tuple[bool, bool]:
    """Whether the file now starts with a BOM, and whether its first line ends in CRLF."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False, False
    first = head.split(b"\n", 1)
    return head.startswith(BOM.encode("utf-8")), len(first) > 1 and first[0].endswith(b"\r")


def save_text(path: Path, text: str, what: str = "") -> None:
    """Write ``text`` over ``path`` atomically, keeping its mode, its BOM and its CRLF line ends."""
    name = what or path.name
    mode = writable_mode(path, name)
    bom, crlf = _line_style(path)
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    atomic_write_bytes(path, ((BOM if bom else "") + text).encode("utf-8"), mode=mode)


def save_yaml(path: Path, data: Any, what: str = "") -> None:
    save_text(path, dump_yaml(data), what)
