"""What the "Did this help?" question on a resource page needs, and the credit a report's evidence gives.

The question itself is ``templates/partials/helpful.html`` and ``templates/static/feedback.js``:
a tap requests ``feedback.gif?r=<id>&v=<version>&a=<answer>`` (read back by
:mod:`pipeline.report.answers`) and then offers a comment through the ``feedback:`` setting,
prefilled here with the resource, its version and the answer.

Credit comes from ``capture build --evidence report.json``, the JSON of ``capture report``:
an expert's page says how many people their clips helped, a resource page how many it helped
this month. Without evidence nothing is shown, and a count of nought is not shown either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline.errors import BuildError
from pipeline.workspace.catalogue import FEEDBACK_SCHEME, Resource

# The answers, as feedback.js sends them and the page labels them.
ANSWER_LABELS = (
    ("helped", "Helped"),
    ("not-needed", "Not what I needed"),
    ("wrong", "Something’s wrong or out of date"),
)
MAX_EVIDENCE_BYTES = 256 * 1024 * 1024


def resource_version(resource: Resource) -> int:
    """The resource's version (``version:`` in resources.yaml, 1 when absent or not a whole number)."""
    value = getattr(resource, "version", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def comment_link(setting: str, resource: Resource, *, version: int, answer: str) -> str:
    """The ``feedback:`` address, prefilled with the resource, its version and the answer; "" without one."""
    setting = setting.strip()
    if not FEEDBACK_SCHEME.match(setting):
        return ""  # only a web form or an e-mail address; never javascript: or the like
    label = dict(ANSWER_LABELS)[answer]
    if "{id}" in setting:
        return setting.replace("{id}", quote(resource.id))
    joiner = "&" if "?" in setting else "?"
    if setting.startswith("mailto:"):
        subject = f"Feedback on {resource.title} ({resource.id}, version {version}): {label}"
        body = f"Clip: {resource.title} ({resource.id}), version {version}\nMy answer: {label}\n\nMy comment:\n"
        return f"{setting}{joiner}subject={quote(subject)}&body={quote(body)}"
    return f"{setting}{joiner}resource={quote(resource.id)}&version={version}&answer={answer}"


def helpful_context(resource: Resource, setting: str) -> dict[str, Any]:
    """The template's view of the question: the id, the version and each answer with its comment link."""
    version = resource_version(resource)
    return {
        "id": resource.id,
        "version": version,
        "answers": [
            (answer, label, comment_link(setting, resource, version=version, answer=answer))
            for answer, label in ANSWER_LABELS
        ],
    }


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


@dataclass(frozen=True)
class Evidence:
    """The "helped" answers of a report: per resource, in all and per month (``YYYY-MM``)."""

    helped: dict[str, int]
    helped_by_month: dict[str, dict[str, int]]
    digest: str  # of the file's bytes, so a new report rebuilds what it changes

    def resource_line(self, resource_id: str, today: dt.date) -> str:
        count = self.helped_by_month.get(resource_id, {}).get(f"{today.year:04d}-{today.month:02d}", 0)
        return f"Helped {_people(count)} this month" if count else ""

    def expert_line(self, resource_ids: Sequence[str]) -> str:
        counts = [self.helped.get(rid, 0) for rid in resource_ids]
        helped = sum(counts)
        if not helped:
            return ""
        clips = sum(1 for c in counts if c)
        return f"Helped {_people(helped)} with {clips} clip{'s' if clips != 1 else ''}"


def _bad(path: Path, what: str) -> BuildError:
    return BuildError(
        f"--evidence {path}: {what}; give the JSON that `capture report --json --access-log FILE > report.json` wrote"
    )


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _helped(path: Path, entry: object) -> tuple[str, int, dict[str, int]] | None:
    """One report resource's id and "helped" counts; None when it has no answers."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise _bad(path, "a resource without an id")
    answers = entry.get("answers")
    if answers is None:
        return None
    months = answers.get("helped_by_month") if isinstance(answers, dict) else None
    if not isinstance(answers, dict) or not _count(answers.get("helped")) or not isinstance(months, dict):
        raise _bad(path, f"the answers of {entry['id'][:80]!r} are not a report's counts")
    if not all(isinstance(m, str) and _count(n) for m, n in months.items()):
        raise _bad(path, f"the answers of {entry['id'][:80]!r} per month are not a report's counts")
    return entry["id"], answers["helped"], months


def read_evidence(path: Path) -> Evidence:
    """A report's JSON, checked: any problem is one :class:`BuildError` that says what to give instead."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_EVIDENCE_BYTES + 1)
    except FileNotFoundError:
        raise _bad(path, "no such file") from None
    except OSError as exc:
        raise _bad(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_EVIDENCE_BYTES:
        raise _bad(path, f"over {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB, too big for a report")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(path, f"not JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list) or "generated" not in doc:
        raise _bad(path, "not a report: no generated time and resources list")
    helped: dict[str, int] = {}
    by_month: dict[str, dict[str, int]] = {}
    for entry in doc["resources"]:
        found = _helped(path, entry)
        if found is not None:
            helped[found[0]], by_month[found[0]] = found[1], found[2]
    digest = hashlib.sha1(data).hexdigest()  # noqa: S324 - a change key
    return Evidence(helped, by_month, digest)
