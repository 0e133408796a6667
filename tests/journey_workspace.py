"""A small workspace written by the tests, with known line numbers (shared by the journey tests)."""

from __future__ import annotations

from pathlib import Path

CATALOGUE = """\
title: Test know-how
roles:
  - id: operator
    name: Operator
    signals: [operator, the line]
  - id: lead
    name: Lead
    signals: [shift lead, duty manager]
resources:
  - id: basics
    title: Handover basics
    level: beginner
    roles: [operator, lead]
    transcript: transcripts/basics.md
  - id: faults
    title: Running faults
    level: intermediate
    roles: [operator]
    prerequisites: [basics]
  - id: escalation
    title: Escalation
    level: advanced
    roles: [lead]
    prerequisites: [faults]
"""

OPERATORS = """\
title: For operators
roles: [operator]
goal: Fewer stops.
stages:
  beginner:
    - basics
  intermediate:
    - id: faults
      practice: Hand over an open fault.
"""

LEADS = """\
title: For leads
roles: [lead]
stages:
  beginner: [basics]
  intermediate: [faults]
  advanced: [escalation]
"""

TRANSCRIPT = """\
---
id: basics
status: draft
---
[00:00.0] These are the basics of a handover on the line.
"""


def make_workspace(root: Path) -> Path:
    (root / "journeys").mkdir(parents=True)
    (root / "transcripts").mkdir()
    (root / "resources.yaml").write_text(CATALOGUE, encoding="utf-8")
    (root / "journeys" / "operators.yaml").write_text(OPERATORS, encoding="utf-8")
    (root / "journeys" / "leads.yaml").write_text(LEADS, encoding="utf-8")
    (root / "transcripts" / "basics.md").write_text(TRANSCRIPT, encoding="utf-8")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
