"""Order resources so that every prerequisite comes before what needs it."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from pipeline.workspace.catalogue import LEVELS, Resource


def find_cycle(resources: Sequence[Resource]) -> list[str] | None:
    """A prerequisite cycle as ids ``[a, b, ..., a]`` (the first :func:`find_cycles` names), or None."""
    cycles = find_cycles(resources)
    return cycles[0] if cycles else None


def order_by_prerequisites(resources: Sequence[Resource]) -> list[Resource]:
    """Stable order: by level, then catalogue order, moved only as far as prerequisites demand.

    Resources caught in a cycle keep their relative order after the others (``capture check``
    reports the cycle itself). Each step places the first resource, in (level, catalogue) order,
    whose prerequisites are all placed: a topological sort with a heap, O(n log n), so a role
    with thousands of resources orders in milliseconds.
    """
    level_rank = {level: index for index, level in enumerate(LEVELS)}
    position = {r.id: index for index, r in enumerate(resources)}
    known = {r.id: r for r in resources}
    pending = sorted(resources, key=lambda r: (level_rank.get(r.level or "", len(LEVELS)), position[r.id]))
    unmet: list[int] = []
    needed_by: dict[str, list[int]] = {}
    ready: list[int] = []
    for index, resource in enumerate(pending):
        needs = {p for p in resource.prerequisites if p in known and p != resource.id}
        unmet.append(len(needs))
        for need in needs:
            needed_by.setdefault(need, []).append(index)
        if not needs:
            ready.append(index)
    heapq.heapify(ready)
    placed: list[Resource] = []
    is_placed = [False] * len(pending)
    done: set[str] = set()
    while ready:
        index = heapq.heappop(ready)
        resource = pending[index]
        placed.append(resource)
        is_placed[index] = True
        if resource.id in done:
            continue
        done.add(resource.id)
        for waiting in needed_by.get(resource.id, ()):
            unmet[waiting] -= 1
            if unmet[waiting] == 0:
                heapq.heappush(ready, waiting)
    # a cycle: nothing more can go next, so keep the rest as they are
    placed.extend(resource for index, resource in enumerate(pending) if not is_placed[index])
    return placed


def find_cycles(resources: Sequence[Resource]) -> list[list[str]]:
    """One cycle ``[a, b, ..., a]`` for each knot of resources that need each other, in catalogue order.

    Each cycle starts at its knot's first resource in catalogue order, so the same
    catalogue always names its cycles the same way. Unknown ids are ignored.
    """
    known = {r.id: r for r in resources}
    position = {r.id: index for index, r in enumerate(resources)}
    edges = {r.id: [p for p in dict.fromkeys(r.prerequisites) if p in known] for r in resources}
    knots = _Knots(edges)
    for root in known:
        knots.visit(root)
    cycles: list[list[str]] = []
    for knot in sorted(knots.found, key=lambda k: min(position[m] for m in k)):
        start = min(knot, key=position.__getitem__)
        cycles.append(_cycle_through(start, set(knot), edges))
    return cycles


class _Knots:
    """Tarjan's strongly connected components, iterative so that long chains cannot overflow the stack.

    ``found`` collects each component that is a knot: more than one resource, or one that needs itself.
    """

    def __init__(self, edges: dict[str, list[str]]) -> None:
        self.edges = edges
        self.index_of: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.on_stack: set[str] = set()
        self.stack: list[str] = []
        self.found: list[list[str]] = []

    def visit(self, root: str) -> None:
        if root in self.index_of:
            return
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                self.enter(node)
            if next_edge < len(self.edges[node]):
                work.append((node, next_edge + 1))
                child = self.edges[node][next_edge]
                if child not in self.index_of:
                    work.append((child, 0))
                elif child in self.on_stack:
                    self.low[node] = min(self.low[node], self.index_of[child])
                continue
            self.leave(node)
            if work:
                parent = work[-1][0]
                self.low[parent] = min(self.low[parent], self.low[node])

    def enter(self, node: str) -> None:
        self.index_of[node] = self.low[node] = len(self.index_of)
        self.stack.append(node)
        self.on_stack.add(node)

    def leave(self, node: str) -> None:
        """Every edge of ``node`` is done: if it roots a component, pop the component off the stack."""
        if self.low[node] != self.index_of[node]:
            return
        knot: list[str] = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            knot.append(member)
            if member == node:
                break
        if len(knot) > 1 or node in self.edges[node]:
            self.found.append(knot)


def _cycle_through(start: str, members: set[str], edges: dict[str, list[str]]) -> list[str]:
    """The shortest way from ``start`` back to itself inside one knot (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in edges[node]:
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return [start, start]  # unreachable for a real knot
