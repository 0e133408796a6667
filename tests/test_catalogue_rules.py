"""Issue 19, items 6 and 7: every reader of resources.yaml applies the same rules.

The readers: the round-trip loader of the commands that write (``load_catalogue``), the fast
loader of the commands that only read (``read_catalogue``), and the build's cached loader.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import CatalogueError
from pipeline.site.catalogue_cache import load_catalogue_cached
from pipeline.workspace.catalogue import Catalogue, load_catalogue, read_catalogue
from pipeline.workspace.check import check_workspace
from pipeline.workspace.paths import Workspace
from tests.support import run_capture


def _cached(path: Path) -> Catalogue:
    return load_catalogue_cached(path, path.parent / ".capture" / "site" / "catalogue.pickle")


READERS: dict[str, Callable[[Path], Catalogue]] = {
    "load_catalogue": load_catalogue,
    "read_catalogue": read_catalogue,
    "build": _cached,
}
TWO_ENTRIES = "title: T\nresources:\n  - id: a\n    title: First\n  - id: b\n    title: Second\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("reader", list(READERS))
def test_a_duplicate_key_in_an_entry_is_an_error_for_every_reader(tmp_path: Path, reader: str) -> None:
    path = write(tmp_path, TWO_ENTRIES + "    title: Second again\n")
    with pytest.raises(CatalogueError) as caught:
        READERS[reader](path)
    assert str(caught.value) == (
        "resources.yaml:7: duplicate key 'title' in one mapping; keep one of them (YAML would silently use the last)"
    )


def test_build_refuses_a_duplicate_key(tmp_path: Path) -> None:
    write(tmp_path, TWO_ENTRIES + "    title: Second again\n")
    result = run_capture("build", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: resources.yaml:7: duplicate key 'title' in one mapping; keep one of them "
        "(YAML would silently use the last)\n",
    )
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("reader", list(READERS))
def test_one_size_cap_for_every_reader_says_what_to_do(tmp_path: Path, reader: str) -> None:
    path = write(tmp_path, TWO_ENTRIES)
    subprocess.run(["truncate", "-s", str(129 * 1024 * 1024), str(path)], check=True)  # sparse: no disk used
    with pytest.raises(CatalogueError) as caught:
        READERS[reader](path)
    assert str(caught.value) == (
        "resources.yaml: the file is 135,266,304 bytes, more than the 134,217,728 allowed (room for about 100,000 "
        "resources); check that it is the file you meant, or split the library into two workspaces"
    )


def _entries(count: int) -> str:
    entry = (
        "  - id: clip-{0:06d}\n    title: A clip about the packing line, number {0}\n"
        "    summary: {1}\n    level: beginner\n    roles: [operator]\n"
        "    source:\n      file: clip-{0}.mp4\n      size: 123456789\n      sha256: {2}\n"
        "    video: media/clip-{0:06d}/video.mp4\n    transcript: transcripts/clip-{0:06d}.md\n"
        "    review: draft\n    duration: 95.5\n"
    )
    summary = "How the shift hands over a running fault to the next one, told by the line's expert. " * 6
    return "".join(entry.format(index, summary.strip(), f"{index:064x}") for index in range(count))


def test_a_catalogue_over_the_old_8_mib_cap_is_read_by_list(tmp_path: Path) -> None:
    """The old cap (8 MiB) stopped list, check, status and tag at about 8,000 entries; the benchmarks use 10,000."""
    path = write(tmp_path, "title: T\nroles: [operator]\nresources:\n" + _entries(10_000))
    assert path.stat().st_size > 8 * 1024 * 1024
    result = run_capture("list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"id": "clip-') == 10_000


@pytest.mark.parametrize(
    "value, shown", [(".nan", ".nan"), (".inf", ".inf"), ("-.inf", "-.inf"), ("1e400", ".inf"), ("1e9", "1000000000")]
)
@pytest.mark.parametrize("reader", list(READERS))
def test_numbers_must_be_finite_and_in_range(tmp_path: Path, reader: str, value: str, shown: str) -> None:
    path = write(tmp_path, TWO_ENTRIES + f"    duration: {value}\n")
    with pytest.raises(CatalogueError) as caught:
        READERS[reader](path)
    assert caught.value.problems == [
        f"resources.yaml:7: resources[1].duration: expected a number from 0 to 172800, got {shown}"
    ]


@pytest.mark.parametrize(
    "section, key, value, expected",
    [
        ("media", "loudness", ".nan", "expected a number from -40 to -5, got .nan"),
        ("media", "max_duration", ".inf", "expected a number from 1 to 172800, got .inf"),
        ("media", "max_size_gb", "-.inf", "expected a number from 0.001 to 10000, got -.inf"),
    ],
)
def test_settings_numbers_must_be_finite(tmp_path: Path, section: str, key: str, value: str, expected: str) -> None:
    path = write(tmp_path, f"title: T\n{section}:\n  {key}: {value}\nresources: []\n")
    for reader in READERS.values():
        with pytest.raises(CatalogueError) as caught:
            reader(path)
        assert caught.value.problems == [f"resources.yaml:3: {section}.{key}: {expected}"]


def test_a_huge_whole_number_is_refused_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_ENTRIES + "    source:\n      file: x.mp4\n      size: 1" + "0" * 400 + "\n")
    for reader in READERS.values():
        with pytest.raises(CatalogueError) as caught:
            reader(path)
        assert caught.value.problems == [
            f"resources.yaml:9: resources[1].source.size: expected a whole number from 0 to 1000000000000000, "
            f"got 1{'0' * 400}"
        ]


@pytest.mark.parametrize("value", [".nan", ".inf", "1e400"])
def test_check_and_list_refuse_a_non_finite_duration_with_file_line(tmp_path: Path, value: str) -> None:
    write(tmp_path, TWO_ENTRIES + f"    duration: {value}\n")
    shown = ".nan" if value == ".nan" else ".inf"
    expected = f"resources.yaml:7: resources[1].duration: expected a number from 0 to 172800, got {shown}"
    assert [str(p) for p in check_workspace(Workspace(tmp_path)).problems] == [
        expected.replace("resources.yaml:7: ", "resources.yaml:7: error: ")
    ]
    result = run_capture("list", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert expected in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "title: yes\nresources: []\n",
        "resources:\n  - id: a\n    title: no\n    summary: 1:30\n    captured: 017\n    duration: 1e2\n",
        "resources:\n  - id: a\n    title: 'on'\n    what: 0x1f\n    why: 0o17\n    when: 2026-11-22\n",
    ],
)
def test_every_reader_reads_scalars_the_same_way(tmp_path: Path, text: str) -> None:
    """YAML 1.2 for all: PyYAML's 1.1 would read ``no`` as false, ``1:30`` as 90 and ``1e2`` as text."""
    path = write(tmp_path, text)
    seen = {name: read(path) for name, read in READERS.items()}
    first = seen["load_catalogue"]
    for catalogue in seen.values():
        assert catalogue.settings == first.settings
        assert [(r.title, r.summary, r.captured, r.what, r.why, r.when, r.duration) for r in catalogue.resources] == [
            (r.title, r.summary, r.captured, r.what, r.why, r.when, r.duration) for r in first.resources
        ]


def test_a_number_of_thousands_of_digits_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_ENTRIES + "    duration: 1" + "0" * 5000 + "\n")
    for reader in READERS.values():
        with pytest.raises(CatalogueError) as caught:
            reader(path)
        assert str(caught.value) == "resources.yaml:7: a number of thousands of digits; write a number capture can use"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}'\"#&*!|>.,0 \n\t\u2028é")), max_size=80))
def test_arbitrary_text_never_crashes_the_read_only_loaders(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "resources:\n  - id: a\n    title: " + text)
    outcomes = []
    for reader in (read_catalogue, _cached, load_catalogue):
        try:
            catalogue = reader(path)
            outcomes.append([(r.id, r.title) for r in catalogue.resources])
        except CatalogueError as exc:
            outcomes.append(["refused", *exc.problems])
    assert outcomes[0] == outcomes[1] == outcomes[2]
