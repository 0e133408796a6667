"""The catalogue: typed loading, every problem with file:line, writes that keep a person's edits."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.errors import CatalogueError
from pipeline.workspace.catalogue import Expert, Resource, editing_catalogue, load_catalogue
from tests.support import REPO


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_demo_catalogue_loads_with_settings_and_resources() -> None:
    catalogue = load_catalogue(REPO / "resources.yaml")
    assert catalogue.settings.title == "Packing line know-how"
    assert [r.id for r in catalogue.settings.roles] == ["line-operator", "shift-lead"]
    assert {r.level for r in catalogue.resources} == {"beginner", "intermediate", "advanced"}
    assert catalogue.warnings == []


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        title: Test
        resources:
          - id: first
            title: First
            level: expert
          - id: Bad Id
            title: Second
          - id: third
            duration: long
        """,
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(caught.value) == "resources.yaml has 3 problems; fix them and run the command again"
    assert caught.value.problems == [
        "resources.yaml:5: resources[0].level: expected beginner, intermediate or advanced, got 'expert'",
        "resources.yaml:6: resources[1].id: expected a URL-safe id (a-z, 0-9 and '-'), got 'Bad Id'",
        "resources.yaml:9: resources[2].duration: expected a number, got 'long'",
    ]


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "title: Test\nresources:\n  - id: a\n    title: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"^resources.yaml:5: .*fix the YAML syntax there"):
        load_catalogue(path)


def test_aliases_are_refused_before_anything_expands(tmp_path: Path) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*{chr(96 + level)}"] * 9)
        bomb.append(f"{chr(97 + level)}: &{chr(97 + level)} [{refs}]")
    path = write(tmp_path, "\n".join(bomb) + "\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(caught.value) == "resources.yaml:2: YAML aliases (*a) are not allowed; write the value out in full"


def test_unknown_keys_warn_but_load(tmp_path: Path) -> None:
    path = write(tmp_path, "title: Test\ncolour: blue\nresources: []\n")
    catalogue = load_catalogue(path)
    assert catalogue.warnings == [
        "resources.yaml:2: settings.colour: unknown key (known keys: title, organisation, feedback, roles, "
        "glossary, levels, kinds, review_every, media, transcription, site, report, resources)"
    ]


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "resources:\n  - id: a\n  - id: a\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == [
        "resources.yaml:3: resources[1].id: 'a' is also the id of resources[0]; ids must be unique"
    ]


def test_writes_keep_comments_order_and_untouched_entries(tmp_path: Path) -> None:
    original = """\
        # Our catalogue: keep this comment.
        title: Test   # the site's title
        resources:
          # hand-written entry
          - title: Hand made
            id: hand-made
            level: beginner   # decided by Jo
        """
    path = write(tmp_path, original)
    with editing_catalogue(path) as catalogue:
        catalogue.put(Resource(id="new-one", title="New one", expert=Expert(name="Ann"), level="advanced"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(textwrap.dedent(original))
    assert "  - id: new-one\n    title: New one\n    expert:\n      name: Ann\n" in text
    reloaded = load_catalogue(path)
    assert [r.id for r in reloaded.resources] == ["hand-made", "new-one"]


def test_updating_an_entry_keeps_its_comments(tmp_path: Path) -> None:
    path = write(tmp_path, "resources:\n  - id: a   # first clip\n    title: A\n    level: beginner  # keep\n")
    with editing_catalogue(path) as catalogue:
        resource = catalogue.get("a")
        resource.summary = "Now with a summary"
        catalogue.put(resource)
    assert path.read_text(encoding="utf-8") == (
        "resources:\n  - id: a   # first clip\n    title: A\n    summary: Now with a summary\n"
        "    level: beginner  # keep\n"
    )


def test_unknown_id_says_where_to_look(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path, "resources:\n  - id: a\n"))
    with pytest.raises(Exception) as caught:
        catalogue.get("b")
    assert str(caught.value) == "no resource with id 'b' in resources.yaml (known: a); see `capture list`"


def test_both_loaders_read_the_demo_alike_lines_included() -> None:
    from pipeline.workspace.catalogue import read_catalogue

    written, read = load_catalogue(REPO / "resources.yaml"), read_catalogue(REPO / "resources.yaml")
    assert read.settings == written.settings
    assert read.resources == written.resources  # the dataclasses compare every field, line too
    assert read.warnings == written.warnings


def test_missing_settings_take_the_dataclass_defaults(tmp_path: Path) -> None:
    from pipeline.workspace.catalogue import Settings, read_catalogue

    path = write(tmp_path, "resources:\n  - id: a\n")
    for catalogue in (load_catalogue(path), read_catalogue(path)):
        assert catalogue.settings == Settings()
        assert catalogue.resources == [Resource(id="a", title="A", line=2)]


def test_a_read_only_copy_cannot_be_saved(tmp_path: Path) -> None:
    from pipeline.workspace.catalogue import read_catalogue

    catalogue = read_catalogue(write(tmp_path, "resources:\n  - id: a\n"))
    with pytest.raises(CatalogueError) as caught:
        catalogue.save()
    assert str(caught.value) == (
        "resources.yaml: this copy was read for reading only; load it with load_catalogue to change it"
    )
