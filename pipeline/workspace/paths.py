"""A workspace: a folder with ``resources.yaml`` at its root, found by walking up like git."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import WorkspaceError
from pipeline.fsutil import atomic_write_text

CATALOGUE_NAME = "resources.yaml"
# Names Windows reserves for devices, whatever follows them: a folder called one of these cannot be made
# or copied on a Windows file share, and the site has a folder per resource, journey and role.
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)


def windows_reserved(name: str) -> bool:
    """Whether ``name`` (an id, a file name) is one Windows reserves: ``con``, ``nul``, ``com1``, ``lpt9.txt``."""
    return name.split(".", 1)[0].strip().lower() in WINDOWS_RESERVED


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def catalogue_path(self) -> Path:
        return self.root / CATALOGUE_NAME

    @property
    def journeys_dir(self) -> Path:
        return self.root / "journeys"

    @property
    def transcripts_dir(self) -> Path:
        return self.root / "transcripts"

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".capture"

    def media_folder(self, resource_id: str) -> Path:
        return self.media_dir / resource_id

    @property
    def words_dir(self) -> Path:
        """Where ``capture add`` keeps whisper's word timings (a disposable cache)."""
        return self.cache_dir / "words"

    def words_path(self, resource_id: str) -> Path:
        return self.words_dir / f"{resource_id}.json"

    def transcript_path(self, resource_id: str) -> Path:
        return self.transcripts_dir / f"{resource_id}.md"

    def relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()


def find_workspace(start: Path | None = None) -> Workspace:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CATALOGUE_NAME).is_file():
            return Workspace(folder)
    raise WorkspaceError(
        f"no {CATALOGUE_NAME} in {here} or any folder above it; run `capture init` to make a workspace here"
    )


STARTER_CATALOGUE = """\
# capture workspace: the catalogue of your organisation's know-how.
# People edit this file and `capture` writes to it; comments and key order are kept.

title: {title}           # the site's title
organisation: {organisation}
# Where workers send feedback: a form URL or a mailto: address. The resource id is added.
feedback: ""

# Who the resources are for. `signals` are words in a transcript that suggest the role.
roles:
  - id: team-member
    name: Team member
    description: Everyone who does the work day to day.
    signals: []

# Your organisation's words (product names, acronyms) so transcripts spell them right.
glossary: []

# How clips are processed (flags on `capture add` override these per run).
media:
  target_height: 720     # at most this many lines; portrait clips keep their shape
  crf: 23                # quality: lower is better and bigger
  preset: veryfast
  loudness: -16          # speech loudness target, LUFS

transcription:
  model: bundled         # the offline tiny.en model, a faster-whisper name, or a folder path
  device: auto           # auto, cpu or cuda
  language: en

site:
  publish_drafts: true   # show transcripts the expert has not approved yet

# One entry per clip; `capture add` writes these.
resources: []
"""


def init_workspace(folder: Path, title: str = "Know-how", organisation: str = "") -> Workspace:
    folder = folder.resolve()
    catalogue = folder / CATALOGUE_NAME
    if catalogue.exists():
        raise WorkspaceError(f"{catalogue} already exists; this folder is already a workspace")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "journeys").mkdir(exist_ok=True)
        (folder / "transcripts").mkdir(exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    atomic_write_text(
        catalogue, STARTER_CATALOGUE.format(title=_yaml_scalar(title), organisation=_yaml_scalar(organisation or '""'))
    )
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(
            gitignore, "# rebuilt from sources, not committed\nmedia/\nsite/\n.capture/\n.resources.yaml.lock\n"
        )
    return Workspace(folder)


def _yaml_scalar(text: str) -> str:
    if text == '""':
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
