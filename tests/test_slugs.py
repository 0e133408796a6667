"""One slug module on python-slugify (issue 12): resource ids and expert page names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.workspace.catalogue import ID_PATTERN
from pipeline.workspace.paths import windows_reserved as is_windows_reserved
from pipeline.workspace.slugs import person_slug, resource_slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Café ünï — täst", "cafe-uni-tast"),
        ("  Shift handover: the basics!  ", "shift-handover-the-basics"),
        ("it's_a clip.v2", "it-s-a-clip-v2"),
        ("Анна Петрова", "anna-petrova"),
        ("王伟", "wang-wei"),
        ("😀😀", "clip"),
        ("---", "clip"),
        ("x" * 100, "x" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
        ("CON", "con-clip"),
        ("nul", "nul-clip"),
        ("Com1", "com1-clip"),
        ("LPT9", "lpt9-clip"),
        ("console", "console"),
        ("com10", "com10"),
    ],
)
def test_resource_slug(text: str, slug: str) -> None:
    assert resource_slug(text) == slug
    assert ID_PATTERN.match(slug)


def test_resource_slug_fallback() -> None:
    assert resource_slug("!!!", fallback="untitled") == "untitled"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("José Müller", "jose-muller"),
        ("Анна Петрова", "anna-petrova"),
        ("王伟", "wang-wei"),
        ("Priya Nair", "priya-nair"),
        ("  Zoë O'Brien ", "zoe-o-brien"),
        ("Nul", "nul-expert"),
    ],
)
def test_person_slug(name: str, slug: str) -> None:
    assert person_slug(name) == slug


def test_person_slug_keeps_distinct_experts_apart() -> None:
    names = ["José Müller", "Анна Петрова", "Иван Петров", "王伟", "李娜", "Priya Nair", "🙂", "🙃", "★"]
    slugs = [person_slug(name) for name in names]
    assert len(set(slugs)) == len(names)
    assert all(ID_PATTERN.match(slug) for slug in slugs)
    unreadable = slugs[-3:]
    assert all(slug.startswith("expert-") and len(slug) == len("expert-") + 8 for slug in unreadable)
    assert person_slug("🙂") == unreadable[0]  # stable: the same page on every build


@pytest.mark.parametrize("name", ["con", "CON.mp4", "Aux.txt", "com3", "com0", "lpt1.tar.gz", " nul "])
def test_windows_reserved(name: str) -> None:
    assert is_windows_reserved(name)


@pytest.mark.parametrize("name", ["con-clip", "console", "com10", "lpt", "aux2"])
def test_not_windows_reserved(name: str) -> None:
    assert not is_windows_reserved(name)


def test_experts_with_non_latin_names_get_their_own_pages(tmp_path: Path) -> None:
    import re

    from benchmarks.site import make_library
    from pipeline.site.build import build_site
    from pipeline.workspace.paths import Workspace

    root = make_library(tmp_path / "ws", 4, lines=2)
    catalogue = root / "resources.yaml"
    names = iter(["Анна Петрова", "Иван Петров", "王伟", "José Müller"])
    catalogue.write_text(
        re.sub(r"name: Expert \d\d", lambda _: f"name: {next(names)}", catalogue.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    build_site(Workspace(root), today=dt.date(2026, 1, 1))
    pages = sorted(p.parent.name for p in (root / "site" / "expert").glob("*/index.html"))
    assert pages == ["anna-petrova", "ivan-petrov", "jose-muller", "wang-wei"]
    assert "Анна Петрова" in (root / "site" / "expert" / "anna-petrova" / "index.html").read_text(encoding="utf-8")
