"""Ordering by prerequisites and naming cycles: properties over random catalogues."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.workspace.catalogue import LEVELS, Resource
from pipeline.workspace.ordering import find_cycle, find_cycles, order_by_prerequisites


def res(rid: str, needs: list[str] | None = None, level: str | None = None) -> Resource:
    return Resource(id=rid, title=rid, prerequisites=list(needs or []), level=level)


@st.composite
def acyclic_catalogues(draw: st.DrawFn) -> list[Resource]:
    """Resources in a shuffled catalogue order; each may need any resource of a lower rank (so no cycles)."""
    count = draw(st.integers(min_value=0, max_value=14))
    ids = [f"r{i}" for i in range(count)]
    resources = []
    for rank, rid in enumerate(ids):
        needs = draw(st.lists(st.sampled_from(ids[:rank]), max_size=4, unique=True)) if rank else []
        if draw(st.booleans()):
            needs.append("not-in-the-catalogue")
        level = draw(st.sampled_from([*LEVELS, None]))
        resources.append(res(rid, needs, level))
    return draw(st.permutations(resources))


@st.composite
def any_catalogues(draw: st.DrawFn) -> list[Resource]:
    count = draw(st.integers(min_value=1, max_value=10))
    ids = [f"r{i}" for i in range(count)]
    return [res(rid, draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))) for rid in ids]


@settings(max_examples=200, deadline=None)
@given(acyclic_catalogues())
def test_auto_ordering_never_puts_a_resource_before_its_prerequisites(resources: list[Resource]) -> None:
    ordered = order_by_prerequisites(resources)
    assert sorted(r.id for r in ordered) == sorted(r.id for r in resources)  # nothing lost or repeated
    place = {r.id: i for i, r in enumerate(ordered)}
    for resource in ordered:
        for need in resource.prerequisites:
            if need in place:
                assert place[need] < place[resource.id], (need, resource.id, [r.id for r in ordered])


@settings(max_examples=200, deadline=None)
@given(any_catalogues())
def test_find_cycles_agrees_with_find_cycle_and_names_real_cycles(resources: list[Resource]) -> None:
    cycles = find_cycles(resources)
    assert bool(cycles) == (find_cycle(resources) is not None)
    needs = {r.id: set(r.prerequisites) for r in resources}
    seen: set[str] = set()
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        for a, b in itertools.pairwise(cycle):
            assert b in needs[a]  # each step of the named cycle is a real prerequisite
        assert not seen & set(cycle[:-1])  # one cycle per knot
        seen |= set(cycle[:-1])


@settings(max_examples=100, deadline=None)
@given(any_catalogues())
def test_ordering_with_cycles_keeps_every_resource_once(resources: list[Resource]) -> None:
    ordered = order_by_prerequisites(resources)
    assert sorted(r.id for r in ordered) == sorted(r.id for r in resources)


def test_order_keeps_levels_then_catalogue_order() -> None:
    resources = [
        res("c", level="advanced"),
        res("a", level="beginner"),
        res("b", ["c"], level="beginner"),
        res("d", level="intermediate"),
    ]
    assert [r.id for r in order_by_prerequisites(resources)] == ["a", "d", "c", "b"]


def test_cycles_are_named_from_their_first_resource_in_catalogue_order() -> None:
    resources = [res("x"), res("b", ["c"]), res("c", ["a"]), res("a", ["b"]), res("s", ["s"])]
    assert find_cycles(resources) == [["b", "c", "a", "b"], ["s", "s"]]
    assert find_cycles([res("a", ["b"]), res("b")]) == []


def test_a_long_chain_does_not_overflow_the_stack() -> None:
    resources = [res(f"r{i}", [f"r{i + 1}"]) for i in range(5000)] + [res("r5000", ["r0"])]
    cycles = find_cycles(resources)
    assert len(cycles) == 1 and len(cycles[0]) == 5002


def test_a_long_chain_is_no_cycle_and_no_crash() -> None:
    chain = [Resource(id=f"r{i}", title="t", prerequisites=[f"r{i + 1}"] if i < 2999 else []) for i in range(3000)]
    assert find_cycle(chain) is None  # 3,000 deep: more than Python's recursion limit
    chain[-1].prerequisites = ["r0"]
    cycle = find_cycle(chain)
    assert cycle is not None and len(cycle) == 3001 and cycle[0] == cycle[-1]
