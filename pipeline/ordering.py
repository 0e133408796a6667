"""Order resources so that every prerequisite comes before what needs it."""

from __future__ import annotations

from collections.abc import Sequence

from .catalogue import LEVELS, Resource


def find_cycle(resources: Sequence[Resource]) -> list[str] | None:
    """A prerequisite cycle as ids ``[a, b, ..., a]``, or None. Unknown ids are ignored."""
    known = {r.id: r for r in resources}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(rid: str) -> list[str] | None:
        state[rid] = 1
        path.append(rid)
        for need in known[rid].prerequisites:
            if need not in known:
                continue
            if state.get(need) == 1:
                return path[path.index(need):] + [need]
            if need not in state:
                found = visit(need)
                if found:
                    return found
        path.pop()
        state[rid] = 2
        return None

    for resource in resources:
        if resource.id not in state:
            found = visit(resource.id)
            if found:
                return found
    return None


def order_by_prerequisites(resources: Sequence[Resource]) -> list[Resource]:
    """Stable order: by level, then catalogue order, moved only as far as prerequisites demand.

    Resources caught in a cycle keep their relative order after the others (``capture check``
    reports the cycle itself).
    """
    level_rank = {level: index for index, level in enumerate(LEVELS)}
    position = {r.id: index for index, r in enumerate(resources)}
    known = {r.id: r for r in resources}
    pending = sorted(resources, key=lambda r: (level_rank.get(r.level or "", len(LEVELS)), position[r.id]))
    placed: list[Resource] = []
    done: set[str] = set()
    while pending:
        for index, resource in enumerate(pending):
            needs = [p for p in resource.prerequisites if p in known and p != resource.id]
            if all(p in done for p in needs):
                placed.append(resource)
                done.add(resource.id)
                del pending[index]
                break
        else:  # a cycle: nothing can go next, so keep the rest as they are
            placed.extend(pending)
            break
    return placed
