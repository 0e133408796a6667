"""Hostile and malformed catalogues: refused quickly with file:line, never a traceback."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import CatalogueError
from pipeline.workspace.catalogue import (
    RESOURCE_KEYS,
    Catalogue,
    Expert,
    Resource,
    SourceClip,
    editing_catalogue,
    load_catalogue,
    parse_catalogue,
)
from pipeline.workspace.journeys import load_journeys
from tests.support import run_capture_measured

BOMB = (
    "\n".join(
        ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]" for i in range(1, 10)]
    )
    + "\n"
)


def test_billion_laughs_in_the_catalogue_is_refused_quickly(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text(BOMB)
    result, peak, _ = run_capture_measured("list", cwd=tmp_path)
    assert peak < 512 * 1024  # KiB: refused before the aliases expand (a billion items would need gigabytes)
    assert result.returncode == 1
    assert result.stderr == "Error: resources.yaml:2: YAML aliases (*a) are not allowed; write the value out in full\n"


def test_billion_laughs_in_a_journey_is_refused(tmp_path: Path) -> None:
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "bomb.yaml").write_text(BOMB)
    with pytest.raises(CatalogueError) as caught:
        load_journeys(tmp_path / "journeys")
    assert caught.value.problems == [
        "journeys/bomb.yaml:2: YAML aliases (*a) are not allowed; write the value out in full"
    ]


WRONG_VALUES = {"mapping": {"x": 1}, "list": [1, 2], "bool": True, "number": 12.5, "text": "word"}


@pytest.mark.parametrize("key", [k for k in RESOURCE_KEYS if k != "id"])
@pytest.mark.parametrize("kind", list(WRONG_VALUES))
def test_wrong_types_in_every_resource_field_give_file_line(key: str, kind: str) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    doc = yaml.load("resources:\n  - id: a\n    title: A\n")
    doc["resources"][0][key] = WRONG_VALUES[kind]
    import io

    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    reloaded = yaml.load(buffer.getvalue())
    try:
        catalogue = parse_catalogue(Path("resources.yaml"), reloaded)
    except CatalogueError as exc:
        assert exc.problems, str(exc)
        for problem in exc.problems:
            assert problem.startswith("resources.yaml:"), problem
            assert f"resources[0].{key}" in problem, problem
        return
    assert isinstance(catalogue, Catalogue)  # a value that is acceptable for this field


@pytest.mark.parametrize(
    "section, key",
    [
        ("media", "crf"),
        ("media", "preset"),
        ("transcription", "device"),
        ("transcription", "beam_size"),
        ("site", "publish_drafts"),
    ],
)
def test_wrong_settings_name_the_key_and_line(tmp_path: Path, section: str, key: str) -> None:
    path = tmp_path / "resources.yaml"
    path.write_text(f"title: T\n{section}:\n  {key}: [nonsense]\nresources: []\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"resources.yaml:3: {section}.{key}: expected ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_loader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "resources.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(CatalogueError):
        load_catalogue(path)


plain = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip)
slug = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
resources = st.builds(
    Resource,
    id=slug,
    title=plain.filter(bool),
    summary=plain,
    expert=st.builds(Expert, name=plain, job_title=plain),
    level=st.sampled_from([None, "beginner", "intermediate", "advanced"]),
    kind=st.sampled_from([None, "skill", "theory", "strategy"]),
    roles=st.lists(slug, max_size=3),
    prerequisites=st.lists(slug, max_size=3),
    topics=st.lists(plain.filter(bool), max_size=3),
    source=st.one_of(
        st.none(),
        st.builds(
            SourceClip,
            file=plain.filter(bool),
            size=st.integers(0, 10**9),
            sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
        ),
    ),
    review=st.sampled_from(["draft", "approved"]),
    duration=st.floats(0, 10000).map(lambda d: round(d, 2)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(resources, max_size=5, unique_by=lambda r: r.id))
def test_load_save_load_is_identity(tmp_path: Path, items: list[Resource]) -> None:
    path = tmp_path / "resources.yaml"
    path.write_text("# kept\ntitle: Round trip\nresources: []\n", encoding="utf-8")
    with editing_catalogue(path) as catalogue:
        for item in items:
            catalogue.put(item)
    first = load_catalogue(path)
    text = path.read_text(encoding="utf-8")
    with editing_catalogue(path):
        pass
    assert path.read_text(encoding="utf-8") == text
    second = load_catalogue(path)

    def comparable(r: Resource) -> dict:
        data = asdict(r)
        data.pop("line")
        return data

    assert [comparable(r) for r in first.resources] == [comparable(r) for r in second.resources]
    assert [comparable(r) for r in first.resources] == [comparable(r) for r in items]
    assert text.startswith("# kept\n")


@pytest.mark.parametrize("value", ["/etc/passwd", "../outside.md", "transcripts/../../x.md", "a\x01b.md", "~/x.md"])
def test_paths_outside_the_workspace_are_refused(tmp_path: Path, value: str) -> None:
    import json

    path = tmp_path / "resources.yaml"
    path.write_text(f"resources:\n  - id: a\n    transcript: {json.dumps(value)}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == [
        f"resources.yaml:3: resources[0].transcript: expected a path inside the workspace like "
        f"'media/<id>/video.mp4', got {value!r}"
    ]


@pytest.mark.parametrize("value", ["../escape", "/abs", "a/b", "UPPER", "dot.dot", "-lead", "x\u202ey"])
def test_unsafe_ids_are_refused(tmp_path: Path, value: str) -> None:
    import json

    path = tmp_path / "resources.yaml"
    path.write_text(f"resources:\n  - id: {json.dumps(value)}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems[0].startswith("resources.yaml:2: resources[0].id: expected a URL-safe id")
