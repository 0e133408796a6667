"""Short codes: ``s/<code>/`` links that outlive a rename, so a printed QR code stays valid for years.

A code is given once (:func:`assign_codes`, behind ``capture links`` and ``capture print``) and
written into the file of what it names: ``code:`` of a resource or a role in ``resources.yaml``,
``code:`` of a journey in its ``journeys/<id>.yaml``, ``code:`` of a question in ``questions.yaml``
or under a resource's ``questions:`` (one code a question: a resource's question that
``questions.yaml`` also lists shares the file's code, so it keeps leading on once answered).
It is random, not derived from an id or a title, so neither can change it. A resource renamed or
merged into another keeps what it was known by in ``aliases:``: old codes (they keep their
``s/<code>/`` pages) and old ids (``r/<old>/`` pages that lead to the new one). ``capture check``
refuses two things claiming one code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import CatalogueError
from pipeline.workspace.answered import question_key
from pipeline.workspace.catalogue import ID_PATTERN, Catalogue, editing_catalogue
from pipeline.workspace.journeys import Journey, read_journey
from pipeline.workspace.paths import CATALOGUE_NAME, Workspace, windows_reserved
from pipeline.workspace.questions import (
    QUESTIONS_NAME,
    editing_questions,
    question_node,
    questions_path,
    read_questions,
    text_mapping,
)
from pipeline.workspace.yamlio import line_of, load_yaml, save_yaml

# No 0/O, 1/I/L: a code written out on a sheet is typed in by hand, and these look alike.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 5  # 31^5 = 28 million codes: a new one is drawn until it is free
CODE_PATTERN = re.compile(r"^[2-9A-HJKMNP-Z]{4,8}$")
RESOURCE, JOURNEY, ROLE, QUESTION = "resource", "journey", "role", "question"
FOLDERS = {RESOURCE: "r", JOURNEY: "j", ROLE: "role"}  # a question leads to its answer (pipeline.site.questions)


@dataclass(frozen=True)
class Claim:
    """One thing's claim on a short code (or, with ``old_id``, on an old id's ``r/<id>/`` page)."""

    code: str
    kind: str  # resource, journey, role or question
    id: str  # a question's: its text
    file: str  # where it is written, relative to the workspace
    line: int | None
    where: str  # resources[3].code, roles[0].code, code, resources[3].aliases[1]
    old_id: bool = False

    @property
    def target(self) -> str:
        """The page the short link opens, relative to the site's root (a question's: where the site says)."""
        if self.kind == QUESTION:
            return "questions/index.html"
        return f"{FOLDERS[self.kind]}/{self.id}/index.html"


def new_code(taken: set[str]) -> str:
    """A code no one holds yet (``taken`` grows by it)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def resource_claims(catalogue: Catalogue) -> list[Claim]:
    """The codes, old codes and old ids the catalogue's resources and roles claim, in file order."""
    entries = catalogue.doc.get("resources") or []
    claims: list[Claim] = []
    for index, resource in enumerate(catalogue.resources):
        node = entries[index] if index < len(entries) else {}
        if resource.code:
            where = f"resources[{index}].code"
            line = line_of(node, "code")
            claims.append(Claim(resource.code, RESOURCE, resource.id, CATALOGUE_NAME, line, where))
        aliases = node.get("aliases") if isinstance(node, dict) else None
        for j, alias in enumerate(resource.aliases):
            line = line_of(aliases, j) if isinstance(aliases, list) else line_of(node, "aliases")
            where = f"resources[{index}].aliases[{j}]"
            old_id = not CODE_PATTERN.match(alias)
            claims.append(Claim(alias, RESOURCE, resource.id, CATALOGUE_NAME, line, where, old_id=old_id))
    roles = catalogue.doc.get("roles") or []
    for index, role in enumerate(catalogue.settings.roles):
        if role.code:
            line = line_of(roles[index], "code") if index < len(roles) else None
            claims.append(Claim(role.code, ROLE, role.id, CATALOGUE_NAME, line, f"roles[{index}].code"))
    return claims


def question_claims(catalogue: Catalogue) -> list[Claim]:
    """The codes of the questions resources list, then of ``questions.yaml`` beside the catalogue
    (a broken questions file claims nothing here: ``capture check`` names its problems)."""
    entries = catalogue.doc.get("resources") or []
    claims: list[Claim] = []
    for index, resource in enumerate(catalogue.resources):
        node = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        listed = node.get("questions")
        for j, question in enumerate(resource.questions):
            if question.code:
                item = listed[j] if isinstance(listed, list) and j < len(listed) else None
                line = line_of(item, "code") if isinstance(item, dict) else question.line
                where = f"resources[{index}].questions[{j}].code"
                claims.append(Claim(question.code, QUESTION, question.text, CATALOGUE_NAME, line, where))
    try:
        found = read_questions(catalogue.path.parent)
    except CatalogueError:
        return claims
    for index, open_question in enumerate(found.questions):
        if open_question.code:
            where = f"questions[{index}].code"
            claims.append(
                Claim(open_question.code, QUESTION, open_question.text, QUESTIONS_NAME, open_question.line, where)
            )
    return claims


def journey_claim(journey: Journey, doc: Any) -> Claim | None:
    if not journey.code:
        return None
    return Claim(journey.code, JOURNEY, journey.id, f"journeys/{journey.path.name}", line_of(doc, "code"), "code")


def code_problems(claims: list[Claim], resource_ids: set[str]) -> list[tuple[Claim, str]]:
    """Each claim that is malformed or that another claim contradicts, with what is wrong and what to do."""
    problems: list[tuple[Claim, str]] = []
    first: dict[tuple[bool, str], Claim] = {}
    for claim in claims:
        if claim.old_id:
            if not ID_PATTERN.match(claim.code):
                what = f"expected an old id (a-z, 0-9 and '-') or an old code like 'K7QM2', got {claim.code!r}"
                problems.append((claim, what))
                continue
            if windows_reserved(claim.code):
                what = f"'{claim.code}' is a name Windows reserves, so r/{claim.code}/ cannot be copied to a file share"
                problems.append((claim, what + "; remove the alias"))
                continue
            if claim.code in resource_ids:
                what = f"'{claim.code}' is the id of a resource, so r/{claim.code}/ is its page; remove the alias"
                problems.append((claim, what))
                continue
        elif not CODE_PATTERN.match(claim.code):
            what = (
                f"expected a short code of 4 to 8 of {ALPHABET}, got {claim.code!r}; "
                "remove it and run `capture links` to be given one"
            )
            problems.append((claim, what))
            continue
        holder = first.setdefault((claim.old_id, claim.code), claim)
        if holder is not claim and not _same_question(claim, holder):
            problems.append((claim, _collision(claim, holder)))
    return problems


def _same_question(claim: Claim, holder: Claim) -> bool:
    """One question in questions.yaml and on a resource may well share its code: that is one thing."""
    return claim.kind == holder.kind == QUESTION and question_key(claim.id) == question_key(holder.id)


def _collision(claim: Claim, holder: Claim) -> str:
    name = "old id" if claim.old_id else "code"
    return (
        f"the {name} '{claim.code}' is already claimed by the {holder.kind} '{holder.id}' "
        f"({holder.file}:{holder.line or '?'}: {holder.where}); one {name} leads to one page, "
        f"so remove it here or there{'' if claim.old_id else ' and run `capture links` for a new one'}"
    )


def workspace_claims(workspace: Workspace, catalogue: Catalogue) -> list[Claim]:
    """Every claim of the catalogue and of the journeys' files."""
    claims = resource_claims(catalogue) + question_claims(catalogue)
    folder = workspace.journeys_dir
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        journey, doc, _ = read_journey(path)
        claim = journey_claim(journey, doc) if doc is not None else None
        if claim is not None:
            claims.append(claim)
    return claims


def assign_codes(workspace: Workspace) -> list[Claim]:
    """Give a code to every resource, role, journey and question without one; return the new claims.

    The catalogue is changed under its lock and saved atomically (comments and order kept), and
    each journey file likewise; codes already given are never changed.
    """
    added: list[Claim] = []
    with editing_catalogue(workspace.catalogue_path) as catalogue:
        taken = {claim.code for claim in workspace_claims(workspace, catalogue)}
        for resource in catalogue.resources:
            if not resource.code:
                resource.code = new_code(taken)
                catalogue.put(resource)
                added.append(Claim(resource.code, RESOURCE, resource.id, CATALOGUE_NAME, None, "code"))
        added += _assign_roles(catalogue, taken)
        added += _assign_journeys(workspace.journeys_dir, taken)
        added += _assign_questions(catalogue, taken)
    return added


def _assign_roles(catalogue: Catalogue, taken: set[str]) -> list[Claim]:
    from ruamel.yaml.comments import CommentedMap

    nodes = catalogue.doc.get("roles") or []
    added = []
    for index, role in enumerate(catalogue.settings.roles):
        if role.code or index >= len(nodes):
            continue
        role.code = new_code(taken)
        node = nodes[index]
        if isinstance(node, str):  # `- operator` becomes `- {id: operator, code: ...}`: its name stays derived
            nodes[index] = CommentedMap([("id", node), ("code", role.code)])
        else:
            node["code"] = role.code
        added.append(Claim(role.code, ROLE, role.id, CATALOGUE_NAME, None, f"roles[{index}].code"))
    return added


def _assign_journeys(folder: Path, taken: set[str]) -> list[Claim]:
    added = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        journey, doc, problems = read_journey(path)
        if doc is None or journey.code or problems:
            continue  # a journey with problems is left for `capture check` to name
        tree = load_yaml(path, f"journeys/{path.name}")
        journey.code = new_code(taken)
        position = list(tree).index("title") + 1 if "title" in tree else 0
        tree.insert(position, "code", journey.code)
        save_yaml(path, tree, f"journeys/{path.name}")
        added.append(Claim(journey.code, JOURNEY, journey.id, f"journeys/{path.name}", None, "code"))
    return added


def _assign_questions(catalogue: Catalogue, taken: set[str]) -> list[Claim]:
    """A code for each question without one, ``questions.yaml``'s first: a question both there and on
    a resource gets one code, in the file (an open question keeps its code when it is answered)."""
    coded = {question_key(claim.id) for claim in question_claims(catalogue)}
    added: list[Claim] = []
    root = catalogue.path.parent
    # A questions file broken by hand gets its codes once it is mended (`capture check` names its lines).
    with contextlib.suppress(CatalogueError):
        added = _assign_open(root, taken, coded) if questions_path(root).is_file() else []
    return added + _assign_listed(catalogue, taken, coded)


def _assign_open(root: Path, taken: set[str], coded: set[str]) -> list[Claim]:
    added = []
    with editing_questions(root) as found:
        for index, question in enumerate(found.questions):
            if question.code or question_key(question.text) in coded:
                continue
            coded.add(question_key(question.text))
            question.code = question_node(found, question)["code"] = new_code(taken)
            where = f"questions[{index}].code"
            added.append(Claim(question.code, QUESTION, question.text, QUESTIONS_NAME, None, where))
    return added


def _assign_listed(catalogue: Catalogue, taken: set[str], coded: set[str]) -> list[Claim]:
    entries = catalogue.doc.get("resources") or []
    added = []
    for index, resource in enumerate(catalogue.resources):
        nodes = entries[index].get("questions") if index < len(entries) else None
        for j, question in enumerate(resource.questions):
            if question.code or question_key(question.text) in coded or not isinstance(nodes, list):
                continue
            coded.add(question_key(question.text))
            code = new_code(taken)
            node = text_mapping(nodes, j) if isinstance(nodes[j], str) else nodes[j]
            node["code"] = code  # `- How do I ...?` became `- {text: How do I ...?, code: ...}`
            resource.questions[j] = dataclasses.replace(question, code=code)
            where = f"resources[{index}].questions[{j}].code"
            added.append(Claim(code, QUESTION, question.text, CATALOGUE_NAME, None, where))
    return added


@dataclass(frozen=True)
class ShortLink:
    claim: Claim
    title: str
    address: str  # <site.url>s/<code>/, or s/<code>/ where site.url is not set


def list_short_links(workspace: Workspace) -> list[ShortLink]:
    """Every short link of the workspace with the title of what it opens (old ids left out)."""
    from pipeline.workspace.catalogue import read_catalogue

    catalogue = read_catalogue(workspace.catalogue_path)
    titles = {(RESOURCE, r.id): r.title for r in catalogue.resources}
    titles.update({(ROLE, r.id): r.name for r in catalogue.settings.roles})
    for resource in reversed(catalogue.resources):  # a question's title: what answers it (the first resource)
        titles.update({(QUESTION, question_key(q.text)): f"answered in {resource.title}" for q in resource.questions})
    folder = workspace.journeys_dir
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        titles[(JOURNEY, path.stem)] = read_journey(path)[0].title
    base = catalogue.settings.site.url
    return [
        ShortLink(claim, _title(titles, claim), f"{base}s/{claim.code}/")
        for claim in workspace_claims(workspace, catalogue)
        if not claim.old_id
    ]


def _title(titles: dict[tuple[str, str], str], claim: Claim) -> str:
    if claim.kind == QUESTION:
        return titles.get((QUESTION, question_key(claim.id)), "not answered yet")
    return titles.get((claim.kind, claim.id), claim.id)
