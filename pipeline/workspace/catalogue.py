"""The catalogue: ``resources.yaml`` as typed data, validated with every problem reported.

The file is the source of truth and people edit it, so :class:`Catalogue` keeps
the round-trip YAML tree beside the dataclasses and writes changes into that tree:
comments, key order and untouched entries come back out exactly as they went in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CatalogueError, NotFoundError
from pipeline.fsutil import file_lock
from pipeline.workspace.yamlio import line_of, load_yaml, save_yaml

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

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)


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
    source: SourceClip | None = None
    video: str | None = None
    poster: str | None = None
    audio_only: bool = False
    transcript: str | None = None
    review: str = "draft"
    duration: float = 0.0
    produced_by: dict[str, str] = field(default_factory=dict)
    tagged: dict[str, str] = field(default_factory=dict)
    line: int | None = None


# Keys written for each resource, in this order, when capture creates an entry.
RESOURCE_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "summary",
    "expert",
    "captured",
    "level",
    "kind",
    "roles",
    "what",
    "why",
    "when",
    "prerequisites",
    "topics",
    "source",
    "video",
    "poster",
    "audio_only",
    "transcript",
    "review",
    "duration",
    "produced_by",
    "tagged",
)


# Values that need not be written into an entry a person wrote without them.
IMPLIED_DEFAULTS: dict[str, Any] = {"review": "draft"}


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
    }
    return {k: _to_commented(v) for k, v in raw.items() if v not in (None, "", [], {})}


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

    def __init__(self, node: Any, where: str, problems: _Problems, known: tuple[str, ...]) -> None:
        self.node = node if isinstance(node, dict) else {}
        self.where = where
        self.problems = problems
        for key in self.node:
            if key not in known:
                problems.warn(line_of(node, key), f"{where}.{key}", f"unknown key (known keys: {', '.join(known)})")

    def line(self, key: str | None = None) -> int | None:
        return line_of(self.node, key)

    def text(self, key: str, default: str = "") -> str:
        value = self.node.get(key, default)
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value).strip()
        if hasattr(value, "isoformat"):
            return value.isoformat()
        self.problems.error(self.line(key), f"{self.where}.{key}", f"expected text, got {_describe(value)}")
        return default

    def number(self, key: str, default: float, minimum: float | None = None, maximum: float | None = None) -> float:
        value = self.node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problems.error(self.line(key), f"{self.where}.{key}", f"expected a number, got {_describe(value)}")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.problems.error(
                self.line(key), f"{self.where}.{key}", f"expected a number from {minimum} to {maximum}, got {value}"
            )
            return default
        return float(value)

    def integer(self, key: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.error(
                self.line(key), f"{self.where}.{key}", f"expected a whole number, got {_describe(value)}"
            )
            return default
        return int(self.number(key, default, minimum, maximum))

    def flag(self, key: str, default: bool) -> bool:
        value = self.node.get(key, default)
        if not isinstance(value, bool):
            self.problems.error(
                self.line(key), f"{self.where}.{key}", f"expected true or false, got {_describe(value)}"
            )
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.node.get(key, default)
        if value is None:
            return default
        if value not in choices:
            allowed = ", ".join(choices[:-1]) + " or " + choices[-1]
            self.problems.error(self.line(key), f"{self.where}.{key}", f"expected {allowed}, got {_describe(value)}")
            return default
        return str(value)

    def texts(self, key: str) -> list[str]:
        value = self.node.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.problems.error(
                self.line(key), f"{self.where}.{key}", f"expected a list of text, got {_describe(value)}"
            )
            return []
        return [str(v).strip() for v in value if str(v).strip()]

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
            self.problems.error(
                self.line(key),
                f"{self.where}.{key}",
                f"expected a path inside the workspace like 'media/<id>/video.mp4', got {value!r}",
            )
            return None
        return value

    def mapping(self, key: str) -> Any:
        value = self.node.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problems.error(self.line(key), f"{self.where}.{key}", f"expected a mapping, got {_describe(value)}")
            return None
        return value


SETTINGS_KEYS = (
    "title",
    "organisation",
    "feedback",
    "roles",
    "glossary",
    "levels",
    "kinds",
    "media",
    "transcription",
    "site",
    "report",
    "resources",
)
ROLE_KEYS = ("id", "name", "description", "signals")
MEDIA_KEYS = ("target_height", "crf", "preset", "loudness", "keep_original", "max_duration", "max_size_gb")
TRANSCRIPTION_KEYS = ("model", "device", "compute_type", "language", "beam_size", "vad", "word_timestamps")
SITE_KEYS = ("publish_drafts", "language")
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEVICES = ("auto", "cpu", "cuda")


def _read_settings(doc: Any, problems: _Problems) -> Settings:
    top = _Reader(doc, "settings", problems, SETTINGS_KEYS)
    settings = Settings(
        title=top.text("title", "Know-how") or "Know-how",
        organisation=top.text("organisation"),
        feedback=top.text("feedback"),
        glossary=top.texts("glossary"),
    )
    roles_node = doc.get("roles") if isinstance(doc, dict) else None
    if roles_node is not None and not isinstance(roles_node, list):
        problems.error(line_of(doc, "roles"), "roles", f"expected a list of roles, got {_describe(roles_node)}")
    for index, node in enumerate(roles_node if isinstance(roles_node, list) else []):
        where = f"roles[{index}]"
        if isinstance(node, str):
            settings.roles.append(Role(id=node, name=node.replace("-", " ")))
            continue
        if not isinstance(node, dict):
            problems.error(
                line_of(roles_node, index), where, f"expected a mapping with id and name, got {_describe(node)}"
            )
            continue
        reader = _Reader(node, where, problems, ROLE_KEYS)
        role_id = reader.text("id")
        if not ID_PATTERN.match(role_id):
            problems.error(
                reader.line("id") or reader.line(),
                f"{where}.id",
                f"expected a lower-case id like 'shift-lead', got {role_id!r}",
            )
            continue
        settings.roles.append(
            Role(
                id=role_id,
                name=reader.text("name") or role_id.replace("-", " "),
                description=reader.text("description"),
                signals=reader.texts("signals"),
            )
        )
    media = _Reader(top.mapping("media") or {}, "media", problems, MEDIA_KEYS)
    settings.media = MediaSettings(
        target_height=media.integer("target_height", 720, 144, 2160),
        crf=media.integer("crf", 23, 0, 51),
        preset=media.choice("preset", PRESETS, "veryfast") or "veryfast",
        loudness=media.number("loudness", -16.0, -40.0, -5.0),
        keep_original=media.flag("keep_original", False),
        max_duration=media.number("max_duration", 4 * 3600.0, 1.0, 48 * 3600.0),
        max_size_gb=media.number("max_size_gb", 32.0, 0.001, 10000.0),
    )
    trans = _Reader(top.mapping("transcription") or {}, "transcription", problems, TRANSCRIPTION_KEYS)
    settings.transcription = TranscriptionSettings(
        model=trans.text("model", BUNDLED_MODEL) or BUNDLED_MODEL,
        device=trans.choice("device", DEVICES, "auto") or "auto",
        compute_type=trans.text("compute_type", "default") or "default",
        language=trans.text("language") or None,
        beam_size=trans.integer("beam_size", 5, 1, 20),
        vad=trans.flag("vad", True),
        word_timestamps=trans.flag("word_timestamps", True),
    )
    settings.levels = _read_cues(top, "levels", LEVELS, problems)
    settings.kinds = _read_cues(top, "kinds", KINDS, problems)
    site = _Reader(top.mapping("site") or {}, "site", problems, SITE_KEYS)
    settings.site = SiteSettings(
        publish_drafts=site.flag("publish_drafts", True),
        language=site.text("language", "en") or "en",
    )
    return settings


def _read_cues(top: _Reader, key: str, names: tuple[str, ...], problems: _Problems) -> dict[str, list[str]]:
    """``levels:`` / ``kinds:``: a mapping from each level (or kind) to words that suggest it."""
    reader = _Reader(top.mapping(key) or {}, key, problems, names)
    return {name: reader.texts(name) for name in names if name in reader.node}


def _read_resource(node: Any, where: str, problems: _Problems) -> Resource | None:
    reader = _Reader(node, where, problems, RESOURCE_KEYS)
    resource_id = reader.text("id")
    if not ID_PATTERN.match(resource_id):
        problems.error(
            reader.line("id") or reader.line(),
            f"{where}.id",
            f"expected a URL-safe id (a-z, 0-9 and '-'), got {resource_id!r}",
        )
        return None
    expert = Expert()
    expert_node = node.get("expert")
    if isinstance(expert_node, str):
        expert = Expert(name=expert_node.strip())
    elif expert_node is not None:
        expert_reader = _Reader(reader.mapping("expert") or {}, f"{where}.expert", problems, ("name", "job_title"))
        expert = Expert(name=expert_reader.text("name"), job_title=expert_reader.text("job_title"))
    source = None
    source_node = reader.mapping("source")
    if source_node is not None:
        source_reader = _Reader(source_node, f"{where}.source", problems, ("file", "size", "sha256"))
        source = SourceClip(
            file=source_reader.text("file"),
            size=source_reader.integer("size", 0, 0),
            sha256=source_reader.text("sha256"),
        )
    produced = reader.mapping("produced_by") or {}
    tagged = reader.mapping("tagged") or {}
    return Resource(
        id=resource_id,
        title=reader.text("title") or resource_id.replace("-", " ").capitalize(),
        summary=reader.text("summary"),
        expert=expert,
        captured=reader.text("captured"),
        what=reader.text("what"),
        why=reader.text("why"),
        when=reader.text("when"),
        roles=reader.texts("roles"),
        level=reader.choice("level", LEVELS, None),
        kind=reader.choice("kind", KINDS, None),
        prerequisites=reader.texts("prerequisites"),
        topics=reader.texts("topics"),
        source=source,
        video=reader.inside_path("video"),
        poster=reader.inside_path("poster"),
        audio_only=reader.flag("audio_only", False),
        transcript=reader.inside_path("transcript"),
        review=reader.choice("review", REVIEW_STATES, "draft") or "draft",
        duration=reader.number("duration", 0.0, 0.0),
        produced_by={str(k): str(v) for k, v in produced.items()},
        tagged={str(k): str(v) for k, v in tagged.items()},
        line=reader.line(),
    )


def parse_catalogue(path: Path, doc: Any) -> Catalogue:
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
    resources: list[Resource] = []
    entries = doc.get("resources")
    if entries is not None and not isinstance(entries, list):
        problems.error(
            line_of(doc, "resources"), "resources", f"expected a list of resources, got {_describe(entries)}"
        )
        entries = []
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
    if problems.errors:
        count = len(problems.errors)
        raise CatalogueError(
            f"{path.name} has {count} problem{'s' if count > 1 else ''}; fix {'them' if count > 1 else 'it'} and run the command again",
            problems.errors,
        )
    return Catalogue(path=path, settings=settings, resources=resources, doc=doc, warnings=problems.warnings)


def load_catalogue(path: Path) -> Catalogue:
    return parse_catalogue(path, load_yaml(path))


def catalogue_lock(path: Path) -> Any:
    """The lock every writer of the catalogue at ``path`` holds."""
    return file_lock(path.with_name(".resources.yaml.lock"))


@contextmanager
def editing_catalogue(path: Path) -> Iterator[Catalogue]:
    """Load, let the caller change, save atomically: all under a lock so concurrent runs lose nothing."""
    with catalogue_lock(path):
        catalogue = load_catalogue(path)
        yield catalogue
        catalogue.save()
