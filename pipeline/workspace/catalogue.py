"""The catalogue: ``resources.yaml`` as typed data, validated with every problem reported.

The file is the source of truth and people edit it, so :class:`Catalogue` keeps
the round-trip YAML tree beside the dataclasses and writes changes into that tree:
comments, key order and untouched entries come back out exactly as they went in.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CatalogueError, NotFoundError
from pipeline.fsutil import file_lock
from pipeline.workspace.answered import AnsweredQuestion, read_answered
from pipeline.workspace.reviewdates import interval_problem
from pipeline.workspace.yamlio import MarkedDict, line_of, load_yaml, read_yaml, save_yaml, writable_mode

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
KINDS: tuple[str, ...] = ("skill", "theory", "strategy")
REVIEW_STATES: tuple[str, ...] = ("draft", "approved")
FLOW_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.'-]{0,40}")
ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
BUNDLED_MODEL = "bundled"


@dataclass
class Expert:
    name: str = ""
    job_title: str = ""


@dataclass
class SourceClip:
    file: str
    size: int
    sha256: str


@dataclass
class Role:
    id: str
    name: str
    description: str = ""
    signals: list[str] = field(default_factory=list)
    code: str = ""  # its short link, s/<code>/ (pipeline.workspace.codes)


@dataclass
class MediaSettings:
    target_height: int = 720
    crf: int = 23
    preset: str = "veryfast"
    loudness: float = -16.0
    keep_original: bool = False
    max_duration: float = 4 * 3600.0
    max_size_gb: float = 32.0


@dataclass
class TranscriptionSettings:
    model: str = BUNDLED_MODEL
    device: str = "auto"
    compute_type: str = "default"
    language: str | None = None
    beam_size: int = 5
    vad: bool = True
    word_timestamps: bool = True


@dataclass
class SiteSettings:
    publish_drafts: bool = True
    language: str = "en"
    url: str = ""  # the site's public address, for what needs an absolute one (the feed, QR codes)
    open_questions: bool = True  # the Questions page shows questions.yaml's open ones ("asked N times")


@dataclass
class Settings:
    title: str = "Know-how"
    organisation: str = ""
    feedback: str = ""
    roles: list[Role] = field(default_factory=list)
    glossary: list[str] = field(default_factory=list)
    media: MediaSettings = field(default_factory=MediaSettings)
    transcription: TranscriptionSettings = field(default_factory=TranscriptionSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    # Cue words per level and per kind that suggest tags (empty: the built-in cues of pipeline.workspace.tagging).
    levels: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    review_every: str = ""  # "6 months": how long a check holds (pipeline.workspace.reviewdates)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)


@dataclass
class Take:
    """A previous take of a resource (``versions:``), playable on its page until ``capture prune`` drops it."""

    version: int
    date: str = ""
    note: str = ""
    video: str | None = None
    poster: str | None = None
    transcript: str | None = None
    sha256: str = ""
    duration: float = 0.0


@dataclass
class Resource:
    id: str
    title: str
    summary: str = ""
    expert: Expert = field(default_factory=Expert)
    captured: str = ""
    what: str = ""
    why: str = ""
    when: str = ""
    roles: list[str] = field(default_factory=list)
    level: str | None = None
    kind: str | None = None
    prerequisites: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    questions: list[AnsweredQuestion] = field(default_factory=list)  # what it answers (pipeline.workspace.answered)
    source: SourceClip | None = None
    video: str | None = None
    poster: str | None = None
    audio_only: bool = False
    transcript: str | None = None
    review: str = "draft"
    duration: float = 0.0
    produced_by: dict[str, str] = field(default_factory=dict)
    tagged: dict[str, str] = field(default_factory=dict)
    code: str = ""  # its short link, s/<code>/: given once, kept through renames (pipeline.workspace.codes)
    aliases: list[str] = field(default_factory=list)  # ids and codes it was known by (a rename, a merge)
    reviewed: str = ""  # the date a person checked a resource with no transcript
    review_by: str = ""  # the date it is due for another check
    version: int = 1  # the take: 2 once ``capture add --replaces`` gave it a new clip
    updated: str = ""  # the date of the current take, when it replaced another
    update_note: str = ""  # what changed in it
    versions: list[Take] = field(default_factory=list)  # the previous takes, oldest first
    line: int | None = None


@dataclass
class Catalogue:
    path: Path
    settings: Settings
    resources: list[Resource]
    doc: Any
    warnings: list[str] = field(default_factory=list)

    def get(self, resource_id: str) -> Resource:
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        known = ", ".join(r.id for r in self.resources[:8]) or "none yet"
        raise NotFoundError(
            f"no resource with id '{resource_id}' in {self.path.name} (known: {known}); see `capture list`"
        )

    def find(self, resource_id: str) -> Resource | None:
        return next((r for r in self.resources if r.id == resource_id), None)

    def by_sha256(self, sha256: str) -> Resource | None:
        return next((r for r in self.resources if r.source and r.source.sha256 == sha256), None)

    def put(self, resource: Resource) -> None:
        """Add ``resource`` or update the entry with its id, keeping the YAML's comments and order."""
        entries = self.doc.setdefault("resources", _new_seq())
        if entries is None:
            entries = self.doc["resources"] = _new_seq()
        mapping = resource_to_mapping(resource)
        for index, existing in enumerate(self.resources):
            if existing.id == resource.id:
                node = entries[index]
                for key in list(node.keys()):
                    if key in RESOURCE_KEYS and key not in mapping:
                        del node[key]
                for key, value in mapping.items():
                    if key not in node and IMPLIED_DEFAULTS.get(key) == value:
                        continue  # a default the person left out stays left out
                    if key not in node:
                        node.insert(_insert_position(node, key), key, value)
                    elif node.get(key) != value:
                        node[key] = value
                self.resources[index] = resource
                return
        entries.append(_to_commented(mapping))
        self.resources.append(resource)

    def save(self) -> None:
        if not hasattr(self.doc, "ca"):  # a ruamel tree keeps comments; a read-only load has none to keep
            raise CatalogueError(
                f"{self.path.name}: this copy was read for reading only; load it with load_catalogue to change it"
            )
        save_yaml(self.path, self.doc)


def _insert_position(node: Any, key: str) -> int:
    """Where a new key goes: after the last existing key that comes before it in RESOURCE_KEYS."""
    order = RESOURCE_KEYS.index(key)
    position = 0
    for index, existing in enumerate(node.keys()):
        if existing in RESOURCE_KEYS and RESOURCE_KEYS.index(existing) < order:
            position = index + 1
    return position


def _new_seq() -> Any:
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq()


def _to_commented(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _to_commented(item)
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_to_commented(v) for v in value)
        # Short lists of plain words read best inline; anything else goes in block style, where
        # ruamel quotes every scalar correctly (inline '?x' would be read back as a mapping key).
        if value and all(isinstance(v, str) and FLOW_SAFE.fullmatch(v) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def resource_to_mapping(resource: Resource) -> dict[str, Any]:
    """The YAML form of a resource: empty optional fields are left out."""
    raw: dict[str, Any] = {
        "id": resource.id,
        "title": resource.title,
        "summary": resource.summary,
        "expert": {"name": resource.expert.name, "job_title": resource.expert.job_title}
        if resource.expert.name or resource.expert.job_title
        else None,
        "captured": resource.captured,
        "level": resource.level,
        "kind": resource.kind,
        "roles": list(resource.roles),
        "what": resource.what,
        "why": resource.why,
        "when": resource.when,
        "prerequisites": list(resource.prerequisites),
        "topics": list(resource.topics),
        "questions": [q.to_yaml() for q in resource.questions],
        "source": {"file": resource.source.file, "size": resource.source.size, "sha256": resource.source.sha256}
        if resource.source
        else None,
        "video": resource.video,
        "poster": resource.poster,
        "audio_only": resource.audio_only or None,
        "transcript": resource.transcript,
        "review": resource.review,
        "duration": round(resource.duration, 2) if resource.duration else None,
        "produced_by": dict(resource.produced_by) or None,
        "tagged": dict(resource.tagged) or None,
        "code": resource.code,
        "aliases": list(resource.aliases),
        "reviewed": resource.reviewed,
        "review_by": resource.review_by,
        "version": resource.version if resource.version > 1 else None,
        "updated": resource.updated,
        "update_note": resource.update_note,
        "versions": [_take_mapping(take) for take in resource.versions],
    }
    return {k: _to_commented(v) for k, v in raw.items() if v not in (None, "", [], {})}


def _take_mapping(take: Take) -> dict[str, Any]:
    raw = dataclasses.asdict(take)
    raw["duration"] = round(take.duration, 2) if take.duration else None
    return {k: v for k, v in raw.items() if v not in (None, "")}


class _Problems:
    """Collects ``file:line: where: what`` messages instead of stopping at the first."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, line: int | None, where: str, what: str) -> None:
        self.errors.append(f"{self.file_name}:{line or '?'}: {where}: {what}")

    def warn(self, line: int | None, where: str, what: str) -> None:
        self.warnings.append(f"{self.file_name}:{line or '?'}: {where}: {what}")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class _Reader:
    """Typed access to one YAML mapping, reporting wrong types by key and line."""

    def __init__(self, node: Any, where: str, problems: _Problems, *, known: tuple[str, ...]) -> None:
        self.node = node if isinstance(node, dict) else {}
        self.where = where
        self.problems = problems
        for key in self.node:
            if key not in known:
                problems.warn(line_of(node, key), f"{where}.{key}", f"unknown key (known keys: {', '.join(known)})")

    def line(self, key: str | None = None) -> int | None:
        return line_of(self.node, key)

    def error(self, key: str, what: str) -> None:
        self.problems.error(self.line(key), f"{self.where}.{key}", what)

    def read(self, key: str, rule: Rule, default: Any) -> Any:
        """The value of ``key`` by its rule; ``default`` where it is missing, empty or wrong (and reported)."""
        kind = rule.kind
        if kind == TEXT:
            return self.text(key) or default
        if kind == CHOICE:
            return self.choice(key, rule.choices, default) or default
        if kind in (NUMBER, WHOLE):
            return self.number(key, default, rule)
        if kind == FLAG:
            return self.flag(key, default=default)
        if kind == TEXTS:
            return self.texts(key)
        if kind == PATH:
            return self.inside_path(key)
        if kind == DATE:
            return self.date(key)
        if kind == NAMES:
            return {str(k): str(v) for k, v in (self.mapping(key) or {}).items()}
        raise ValueError(f"no reader for the kind {kind!r}")

    def text(self, key: str, default: str = "") -> str:
        value = self.node.get(key, default)
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value).strip()
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
        self.error(key, f"expected text, got {_describe(value)}")
        return default

    def number(self, key: str, default: Any, rule: Rule) -> Any:
        """A number in the rule's range (a whole one for WHOLE); never .nan or .inf."""
        value = self.node.get(key, default)
        whole = rule.kind == WHOLE
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            self.error(key, f"expected {'a whole number' if whole else 'a number'}, got {_describe(value)}")
            return default
        low, high = rule.minimum, rule.maximum
        if (
            (isinstance(value, float) and not math.isfinite(value))
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            self.error(
                key, f"expected {'a whole number' if whole else 'a number'} {_range(low, high)}, got {_number(value)}"
            )
            return default
        return int(value) if whole else float(value)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.node.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {_describe(value)}")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.node.get(key, default)
        if value is None:
            return default
        if value not in choices:
            allowed = ", ".join(choices[:-1]) + " or " + choices[-1]
            self.error(key, f"expected {allowed}, got {_describe(value)}")
            return default
        return str(value)

    def texts(self, key: str) -> list[str]:
        value = self.node.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.error(key, f"expected a list of text, got {_describe(value)}")
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def date(self, key: str) -> str:
        """A calendar date, written as YYYY-MM-DD (YAML reads it as a date; quoted, it is text)."""
        value = self.text(key)
        if value and not _is_date(value):
            self.error(key, f"expected a date like 2026-06-30, got {value!r}")
            return ""
        return value

    def inside_path(self, key: str) -> str | None:
        """A workspace-relative path; absolute paths, '..' and control characters are refused."""
        value = self.text(key)
        if not value:
            return None
        parts = value.replace("\\", "/").split("/")
        if (
            value.startswith(("/", "~"))
            or ".." in parts
            or re.search(r"[\x00-\x1f\x7f]", value)
            or re.match(r"^[A-Za-z]:", value)
        ):
            self.error(key, f"expected a path inside the workspace like 'media/<id>/video.mp4', got {value!r}")
            return None
        return value

    def mapping(self, key: str) -> Any:
        value = self.node.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping, got {_describe(value)}")
            return None
        return value

    def fields(self, cls: type, rules: dict[str, Rule]) -> dict[str, Any]:
        """Every field of ``rules`` read, each defaulting to ``cls``'s own default for it."""
        defaults = _defaults(cls)
        return {key: self.read(key, rule, defaults.get(key, _EMPTY[rule.kind])) for key, rule in rules.items()}


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _number(value: float) -> str:
    """A number as YAML writes it: .nan and .inf, and 12 rather than 12.0."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else str(value)


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {_number(low)} to {_number(high)}"
    if low is not None:
        return f"of at least {_number(low)}"
    return f"of at most {_number(high)}" if high is not None else "that is finite"


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    """The defaults a dataclass declares: the one place each default is written.

    Only plain defaults: a field with a default factory (a list, a mapping) is read into a new value.
    """
    return {item.name: item.default for item in dataclasses.fields(cls) if item.default is not dataclasses.MISSING}


# Kinds of field. The schema tables below give each field its kind and its bounds; its default is the
# dataclass's (see _defaults), so each default is written once.
TEXT, NUMBER, WHOLE, FLAG, CHOICE, TEXTS, PATH, NAMES, DATE = (
    "text",
    "number",
    "whole",
    "flag",
    "choice",
    "texts",
    "path",
    "names",
    "date",
)
# What a field without a dataclass default reads as when it is missing.
_EMPTY: dict[str, Any] = {TEXT: "", NUMBER: 0.0, WHOLE: 0, FLAG: False, CHOICE: None, TEXTS: [], PATH: None, NAMES: {}}
_EMPTY[DATE] = ""


@dataclass(frozen=True)
class Rule:
    """How one field is read: its kind and, for numbers, its range; for a choice, the allowed words."""

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEVICES = ("auto", "cpu", "cuda")
MAX_DURATION = 48 * 3600.0  # the longest clip media.max_duration may allow, and so the longest resource
MAX_SOURCE_BYTES = 10**15
MAX_VERSION = 10**6

MEDIA_FIELDS: dict[str, Rule] = {
    "target_height": Rule(WHOLE, 144, 2160),
    "crf": Rule(WHOLE, 0, 51),
    "preset": Rule(CHOICE, choices=PRESETS),
    "loudness": Rule(NUMBER, -40.0, -5.0),
    "keep_original": Rule(FLAG),
    "max_duration": Rule(NUMBER, 1.0, MAX_DURATION),
    "max_size_gb": Rule(NUMBER, 0.001, 10000.0),
}
TRANSCRIPTION_FIELDS: dict[str, Rule] = {
    "model": Rule(TEXT),
    "device": Rule(CHOICE, choices=DEVICES),
    "compute_type": Rule(TEXT),
    "language": Rule(TEXT),
    "beam_size": Rule(WHOLE, 1, 20),
    "vad": Rule(FLAG),
    "word_timestamps": Rule(FLAG),
}
SITE_FIELDS: dict[str, Rule] = {
    "publish_drafts": Rule(FLAG),
    "language": Rule(TEXT),
    "url": Rule(TEXT),
    "open_questions": Rule(FLAG),
}
SECTIONS: dict[str, tuple[type, dict[str, Rule]]] = {
    "media": (MediaSettings, MEDIA_FIELDS),
    "transcription": (TranscriptionSettings, TRANSCRIPTION_FIELDS),
    "site": (SiteSettings, SITE_FIELDS),
}
# The top level of resources.yaml, in the order the unknown-key warning lists them; None: read on its own.
SETTINGS_FIELDS: dict[str, Rule | None] = {
    "title": Rule(TEXT),
    "organisation": Rule(TEXT),
    "feedback": Rule(TEXT),
    "roles": None,
    "glossary": Rule(TEXTS),
    "levels": None,
    "kinds": None,
    "review_every": Rule(TEXT),
    "media": None,
    "transcription": None,
    "site": None,
    "report": None,  # read by pipeline.report.model
    "resources": None,
}
SETTINGS_KEYS = tuple(SETTINGS_FIELDS)
ROLE_KEYS = ("id", "name", "description", "signals", "code")
MEDIA_KEYS = tuple(MEDIA_FIELDS)
TRANSCRIPTION_KEYS = tuple(TRANSCRIPTION_FIELDS)
SITE_KEYS = tuple(SITE_FIELDS)
EXPERT_FIELDS: dict[str, Rule] = {"name": Rule(TEXT), "job_title": Rule(TEXT)}
SOURCE_FIELDS: dict[str, Rule] = {"file": Rule(TEXT), "size": Rule(WHOLE, 0, MAX_SOURCE_BYTES), "sha256": Rule(TEXT)}
# A resource's fields in the order capture writes them; None: read on its own (id, expert, source).
RESOURCE_FIELDS: dict[str, Rule | None] = {
    "id": None,
    "title": Rule(TEXT),
    "summary": Rule(TEXT),
    "expert": None,
    "captured": Rule(TEXT),
    "level": Rule(CHOICE, choices=LEVELS),
    "kind": Rule(CHOICE, choices=KINDS),
    "roles": Rule(TEXTS),
    "what": Rule(TEXT),
    "why": Rule(TEXT),
    "when": Rule(TEXT),
    "prerequisites": Rule(TEXTS),
    "topics": Rule(TEXTS),
    "questions": None,
    "source": None,
    "video": Rule(PATH),
    "poster": Rule(PATH),
    "audio_only": Rule(FLAG),
    "transcript": Rule(PATH),
    "review": Rule(CHOICE, choices=REVIEW_STATES),
    "duration": Rule(NUMBER, 0.0, MAX_DURATION),
    "produced_by": Rule(NAMES),
    "tagged": Rule(NAMES),
    "code": Rule(TEXT),
    "aliases": Rule(TEXTS),
    "reviewed": Rule(DATE),
    "review_by": Rule(DATE),
    "version": Rule(WHOLE, 1, MAX_VERSION),
    "updated": Rule(DATE),
    "update_note": Rule(TEXT),
    "versions": None,
}
TAKE_FIELDS: dict[str, Rule] = {
    "version": Rule(WHOLE, 1, MAX_VERSION),
    "date": Rule(DATE),
    "note": Rule(TEXT),
    "video": Rule(PATH),
    "poster": Rule(PATH),
    "transcript": Rule(PATH),
    "sha256": Rule(TEXT),
    "duration": Rule(NUMBER, 0.0, MAX_DURATION),
}
RESOURCE_KEYS: tuple[str, ...] = tuple(RESOURCE_FIELDS)
# Values that need not be written into an entry a person wrote without them (the dataclass's defaults).
IMPLIED_DEFAULTS: dict[str, Any] = {key: _defaults(Resource)[key] for key in ("review",)}
# The feedback addresses the site can link to: check warns with it, and the site links only what matches it.
FEEDBACK_SCHEME = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)


def _plain(rules: dict[str, Rule | None]) -> dict[str, Rule]:
    return {key: rule for key, rule in rules.items() if rule is not None}


def _read_settings(doc: Any, problems: _Problems) -> Settings:
    top = _Reader(doc, "settings", problems, known=SETTINGS_KEYS)
    values = top.fields(Settings, _plain(SETTINGS_FIELDS))
    values["roles"] = _read_roles(doc, problems)
    for key, (cls, rules) in SECTIONS.items():
        values[key] = cls(**_Reader(top.mapping(key) or {}, key, problems, known=tuple(rules)).fields(cls, rules))
    values["levels"] = _read_cues(top, "levels", names=LEVELS, problems=problems)
    values["kinds"] = _read_cues(top, "kinds", names=KINDS, problems=problems)
    _check_site_url(values["site"].url, top, problems)
    every = values["review_every"]
    if every and (problem := interval_problem(every)):
        problems.error(top.line("review_every"), "settings.review_every", problem)
        values["review_every"] = ""
    feedback = values["feedback"]
    if feedback and not FEEDBACK_SCHEME.match(feedback):
        problems.warn(
            top.line("feedback"),
            "settings.feedback",
            f"expected an https:// form address or a mailto: address, got {feedback!r}; "
            "the site shows no feedback link until it is one",
        )
    return Settings(**values)


def _check_site_url(url: str, top: _Reader, problems: _Problems) -> None:
    what = site_url_problem(url) if url else ""
    if what:
        site = top.mapping("site") or {}
        problems.error(line_of(site, "url") or top.line("site"), "site.url", what)


def site_url_problem(url: str) -> str:
    """What is wrong with ``url`` as the site's public address ("" when nothing is)."""
    from urllib.parse import urlsplit

    example = "like 'https://learning.example.com/packing/'"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or re.search(r"[\s\x00-\x1f\x7f]", url):
        return f"expected an http:// or https:// address {example}, got {url!r}"
    if not parts.hostname:
        return f"the address {url!r} has no host name; write it in full, {example}"
    if parts.query or "?" in url:
        return f"the address {url!r} has a query ('?…'); give the site's folder alone, {example}"
    if parts.fragment or "#" in url:
        return f"the address {url!r} has a fragment ('#…'); give the site's folder alone, {example}"
    if not url.endswith("/"):
        fixed = url + "/"
        return f"the address {url!r} does not end with '/'; write {fixed!r}, so links made from it stay inside the site"
    return ""


def _read_roles(doc: Any, problems: _Problems) -> list[Role]:
    roles_node = doc.get("roles") if isinstance(doc, dict) else None
    if roles_node is not None and not isinstance(roles_node, list):
        problems.error(line_of(doc, "roles"), "roles", f"expected a list of roles, got {_describe(roles_node)}")
        return []
    roles: list[Role] = []
    for index, node in enumerate(roles_node or []):
        role = _read_role(node, line_of(roles_node, index), where=f"roles[{index}]", problems=problems)
        if role is not None:
            roles.append(role)
    return roles


def _read_role(node: Any, line: int | None, *, where: str, problems: _Problems) -> Role | None:
    if isinstance(node, str):
        return Role(id=node, name=node.replace("-", " "))
    if not isinstance(node, dict):
        problems.error(line, where, f"expected a mapping with id and name, got {_describe(node)}")
        return None
    reader = _Reader(node, where, problems, known=ROLE_KEYS)
    role_id = reader.text("id")
    if not ID_PATTERN.match(role_id):
        problems.error(
            reader.line("id") or reader.line(),
            f"{where}.id",
            f"expected a lower-case id like 'shift-lead', got {role_id!r}",
        )
        return None
    return Role(
        id=role_id,
        name=reader.text("name") or role_id.replace("-", " "),
        description=reader.text("description"),
        signals=reader.texts("signals"),
        code=reader.text("code"),
    )


def _read_cues(top: _Reader, key: str, *, names: tuple[str, ...], problems: _Problems) -> dict[str, list[str]]:
    """``levels:`` / ``kinds:``: a mapping from each level (or kind) to words that suggest it."""
    reader = _Reader(top.mapping(key) or {}, key, problems, known=names)
    return {name: reader.texts(name) for name in names if name in reader.node}


def _read_resource(node: Any, where: str, problems: _Problems) -> Resource | None:
    reader = _Reader(node, where, problems, known=RESOURCE_KEYS)
    resource_id = reader.text("id")
    if not ID_PATTERN.match(resource_id):
        reader.problems.error(
            reader.line("id") or reader.line(),
            f"{where}.id",
            f"expected a URL-safe id (a-z, 0-9 and '-'), got {resource_id!r}",
        )
        return None
    values = reader.fields(Resource, _plain(RESOURCE_FIELDS))
    values["title"] = values["title"] or resource_id.replace("-", " ").capitalize()
    return Resource(
        id=resource_id,
        expert=_read_expert(reader, where),
        source=_read_source(reader, where),
        questions=read_answered(
            reader.node.get("questions"), where=f"{where}.questions", line_of=line_of, error=problems.error
        ),
        versions=_read_versions(reader, where),
        line=reader.line(),
        **values,
    )


def _read_expert(reader: _Reader, where: str) -> Expert:
    node = reader.node.get("expert")
    if isinstance(node, str):
        return Expert(name=node.strip())
    if node is None:
        return Expert()
    inner = _Reader(reader.mapping("expert") or {}, f"{where}.expert", reader.problems, known=tuple(EXPERT_FIELDS))
    return Expert(**inner.fields(Expert, EXPERT_FIELDS))


def _read_source(reader: _Reader, where: str) -> SourceClip | None:
    node = reader.mapping("source")
    if node is None:
        return None
    inner = _Reader(node, f"{where}.source", reader.problems, known=tuple(SOURCE_FIELDS))
    return SourceClip(**inner.fields(SourceClip, SOURCE_FIELDS))


def _read_versions(reader: _Reader, where: str) -> list[Take]:
    """``versions:``: the previous takes, each a mapping with its version, date, note and media."""
    node = reader.node.get("versions")
    if node is None:
        return []
    if not isinstance(node, list):
        reader.error("versions", f"expected a list of previous takes, got {_describe(node)}")
        return []
    takes = []
    for index, item in enumerate(node):
        inner = _Reader(item, f"{where}.versions[{index}]", reader.problems, known=tuple(TAKE_FIELDS))
        if not isinstance(item, dict):
            reader.problems.error(line_of(node, index), inner.where, f"expected a mapping, got {_describe(item)}")
            continue
        takes.append(Take(**inner.fields(Take, TAKE_FIELDS)))
    return takes


def parse_catalogue(path: Path, doc: Any) -> Catalogue:
    """Validate a parsed ``resources.yaml``; raise :class:`CatalogueError` listing every problem with its line."""
    problems = _Problems(path.name)
    if doc is None:
        from ruamel.yaml.comments import CommentedMap

        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise CatalogueError(
            f"{path.name}:1: expected a mapping of settings and a 'resources' list, got {_describe(doc)}; "
            "see `capture init` for the layout"
        )
    settings = _read_settings(doc, problems)
    resources = _read_resources(doc, problems)
    if problems.errors:
        count = len(problems.errors)
        raise CatalogueError(
            f"{path.name} has {count} problem{'s' if count > 1 else ''}; "
            f"fix {'them' if count > 1 else 'it'} and run the command again",
            problems.errors,
        )
    return Catalogue(path=path, settings=settings, resources=resources, doc=doc, warnings=problems.warnings)


def _read_resources(doc: Any, problems: _Problems) -> list[Resource]:
    entries = doc.get("resources")
    if entries is not None and not isinstance(entries, list):
        problems.error(
            line_of(doc, "resources"), "resources", f"expected a list of resources, got {_describe(entries)}"
        )
        return []
    resources: list[Resource] = []
    seen: dict[str, int] = {}
    for index, node in enumerate(entries or []):
        where = f"resources[{index}]"
        if not isinstance(node, dict):
            problems.error(
                line_of(entries, index), where, f"expected a mapping with an id and a title, got {_describe(node)}"
            )
            continue
        resource = _read_resource(node, where, problems)
        if resource is None:
            continue
        if resource.id in seen:
            problems.error(
                resource.line,
                f"{where}.id",
                f"'{resource.id}' is also the id of resources[{seen[resource.id]}]; ids must be unique",
            )
            continue
        seen[resource.id] = index
        resources.append(resource)
    return resources


def load_catalogue(path: Path) -> Catalogue:
    """The catalogue for a command that changes it: the round-trip tree keeps a person's comments."""
    return parse_catalogue(path, load_yaml(path))


def read_catalogue(path: Path) -> Catalogue:
    """The catalogue for a command that only reads it: libyaml, same rules and messages, no comments kept."""
    doc = read_yaml(path)
    return parse_catalogue(path, MarkedDict() if doc is None else doc)


def catalogue_lock(path: Path) -> Any:
    """The lock every writer of the catalogue at ``path`` holds."""
    return file_lock(path.with_name(".resources.yaml.lock"))


@contextmanager
def editing_catalogue(path: Path) -> Iterator[Catalogue]:
    """Load, let the caller change, save atomically: all under a lock so concurrent runs lose nothing.

    A file its owner made read-only is refused before the caller changes anything; the save keeps
    the file's mode, its BOM and its CRLF line ends.
    """
    with catalogue_lock(path):
        writable_mode(path, path.name)
        catalogue = load_catalogue(path)
        yield catalogue
        catalogue.save()
