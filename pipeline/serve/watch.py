"""``capture serve``'s watcher: rebuild the site when a source changes, from file-system events.

The operating system tells us of a change (inotify, FSEvents, ReadDirectoryChangesW through
:mod:`watchfiles`), so an idle watcher reads nothing, however large the workspace. A
change only *starts* a rebuild; what the rebuild writes is still decided by content (see
:mod:`pipeline.site.output`).

Two rules keep a bad moment from being published:

- **Settle first.** An editor saving a file, or ``capture add`` committing, changes it in
  several steps. The rebuild waits until the sources have been quiet for ``settle``
  seconds, so a file is built once, whole.
- **Survive any failure.** Whatever a rebuild raises (a ``CaptureError`` such as the
  refusal to publish a catalogue that lost most of its resources, or any other exception),
  it is reported and watching goes on; the site on disk is the last good one, since a
  build writes nothing until it has gathered everything.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from watchfiles._rust_notify import RustNotify  # watchfiles' documented Rust backend, typed

from pipeline.workspace.paths import Workspace

Result = TypeVar("Result")
STEP_MS = 100  # how often the event thread looks for news and for a stop; the OS queues events meanwhile
# The longest a rebuild waits for a writer that keeps a changed source open (an editor that holds
# the file, a copy that stalled); then it builds what is there, and the build's checks decide.
LONGEST_HOLD = 30.0


FOLDERS = ("journeys", "transcripts", "media")  # the workspace's source folders, by name


def source_folders(workspace: Workspace, theme: Path) -> tuple[Path, ...]:
    """The folders whose whole tree holds sources (those that exist): journeys, transcripts, media, theme."""
    folders = (workspace.journeys_dir, workspace.transcripts_dir, workspace.media_dir, theme)
    return tuple(folder for folder in folders if folder.is_dir())


def is_source(workspace: Workspace, path: Path, theme: Path) -> bool:
    """Whether a change to ``path`` can change the site (temp files, locks and media files cannot)."""
    if path.parent == workspace.root:
        # The catalogue, or a source folder that appeared or went away.
        return path.name == workspace.catalogue_path.name or path.name in FOLDERS
    if path.is_relative_to(theme):
        return True
    if path.parent == workspace.journeys_dir:
        return path.suffix == ".yaml"
    if path.parent == workspace.transcripts_dir:
        return path.suffix == ".md"
    return path.parent.parent == workspace.media_dir and path.name == "meta.json"


def open_for_writing(paths: Iterable[Path]) -> bool:
    """Whether some process of this user has one of ``paths`` open for writing (a save still going on).

    Linux only: it reads ``/proc/*/fd``; elsewhere, or where ``/proc`` cannot be read, False.
    A few milliseconds for a few hundred processes, and only once the sources have settled.
    """
    wanted = {str(path.resolve()) for path in paths}
    if not wanted or not os.path.isdir("/proc/self/fd"):
        return False
    for fds in Path("/proc").glob("[0-9]*/fd"):
        try:
            numbers = os.listdir(fds)
        except OSError:  # another user's process, or one that ended
            continue
        if any(_writes(fds, number, wanted) for number in numbers):
            return True
    return False


def _writes(fds: Path, number: str, wanted: set[str]) -> bool:
    """Whether descriptor ``number`` in ``fds`` (``/proc/PID/fd``) is one of ``wanted``, open for writing."""
    try:
        if os.readlink(fds / number) not in wanted:
            return False
        info = (fds.parent / "fdinfo" / number).read_text(encoding="ascii")
        flags = int(info.split("flags:", 1)[1].split()[0], 8)
    except (OSError, ValueError, IndexError):
        return False
    return (flags & os.O_ACCMODE) in (os.O_WRONLY, os.O_RDWR)


@dataclass
class _Feed:
    """A thread that puts the paths the OS says changed under ``folders`` on ``changes``."""

    folders: tuple[Path, ...]
    recursive: bool
    changes: queue.Queue[Path | None]
    stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        # Made here, not in the thread: events from the moment start() returns are caught.
        notify = RustNotify([str(folder) for folder in self.folders], False, False, 300, self.recursive, True)
        threading.Thread(target=self._run, args=(notify,), name="capture-watch", daemon=True).start()

    def _run(self, notify: RustNotify) -> None:
        with notify:
            while not self.stopped.is_set():
                try:
                    found = notify.watch(STEP_MS, STEP_MS, 0, self.stopped)
                except RuntimeError:  # the backend failed: the watcher starts this feed again
                    self.stopped.set()
                    self.changes.put(self.folders[0])
                    return
                if isinstance(found, set):
                    for _, path in found:
                        self.changes.put(Path(path))

    def stop(self) -> None:
        self.stopped.set()


@dataclass
class Watcher(Generic[Result]):
    """Rebuilds the site when its sources change; ``on_build`` gets each result, or the exception raised.

    Watching starts when the watcher is made. ``run`` watches until ``stop``; ``check`` waits
    once (tests and callers with their own loop).
    """

    workspace: Workspace
    rebuild: Callable[[], Result]
    on_build: Callable[[Result | None, Exception | None], None]
    settle: float = 1.0

    def __post_init__(self) -> None:
        from pipeline.site.build import theme_dir

        self._theme = theme_dir()
        self._stop = threading.Event()
        self._changes: queue.Queue[Path | None] = queue.Queue()
        self._refresh = False  # a source folder was made, removed or replaced: watch the trees afresh
        self._changed: set[Path] = set()  # the sources changed since the last build
        self._root = _Feed((self.workspace.root,), False, self._changes)
        self._root.start()
        self._tree = self._start_tree()

    def _start_tree(self) -> _Feed:
        feed = _Feed(source_folders(self.workspace, self._theme), True, self._changes)
        if feed.folders:
            feed.start()
        return feed

    def wait_for_change(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds (None: until stopped) for a source to change, then for quiet.

        Quiet means no change for ``settle`` seconds and, for up to LONGEST_HOLD, no changed file
        still open for writing: a save that pauses half-way is not built.
        """
        if not self._next_source(timeout):
            return False
        held_until = time.monotonic() + LONGEST_HOLD
        while self._next_source(self.settle) or (
            not self._stop.is_set()
            and time.monotonic() < held_until
            and open_for_writing(path for path in self._changed if path.is_file())
        ):
            pass
        self._changed.clear()
        return not self._stop.is_set()

    def _next_source(self, timeout: float | None) -> bool:
        """True when a change to a source arrives within ``timeout``; False on a timeout or a stop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                path = self._changes.get(timeout=None if deadline is None else max(deadline - time.monotonic(), 0))
            except queue.Empty:
                return False
            if path is None:  # stop() was called
                self._changes.put(None)  # for any other waiter
                return False
            if path == self.workspace.root or (path.parent == self.workspace.root and path.name in FOLDERS):
                # A source folder was made or removed (a watch on a removed folder does not follow
                # its successor), or a feed failed (it sends the folder it watched): watch afresh.
                self._refresh = True
            if path == self.workspace.root or is_source(self.workspace, path, self._theme):
                self._changed.add(path)
                return True

    def build(self) -> None:
        """Rebuild now and report how it went, whatever it raises."""
        try:
            result = self.rebuild()
        except Exception as exc:  # any failure is reported, and watching goes on
            self.on_build(None, exc)
        else:
            self.on_build(result, None)
        self._watch_afresh()

    def _watch_afresh(self) -> None:
        """Watch the source folders again where one was made, removed or replaced, or a feed stopped."""
        if self._root.stopped.is_set() and not self._stop.is_set():
            self._root = _Feed((self.workspace.root,), False, self._changes)
            self._root.start()
        folders = source_folders(self.workspace, self._theme)
        if self._refresh or folders != self._tree.folders or (folders and self._tree.stopped.is_set()):
            self._refresh = False
            self._tree.stop()
            try:
                self._tree = self._start_tree()
            except OSError:  # a folder went away meanwhile: try again after the next change
                self._refresh = True

    def check(self, timeout: float | None = 1.0) -> bool:
        """Rebuild once if a source changes within ``timeout`` seconds (once it settles); True when it did."""
        if not self.wait_for_change(timeout):
            return False
        self.build()
        return True

    def run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # on_build itself failing must not end the watching
                self.check(timeout=None)

    def stop(self) -> None:
        self._stop.set()
        self._changes.put(None)
        self._root.stop()
        self._tree.stop()
