"""Checking an area's own Word templates before they are used.

A coordinator may edit the shipped templates in Word and point the area at the folder
(``template_dir``).  :func:`validate_template` refuses a template that would produce a document people
must not act on: one without the protective marking in a header or footer, one that leaves out a field
the document must show (:data:`REQUIRED_FIELDS`), or one that uses a name its context does not have.
"""

from __future__ import annotations

import types
import zipfile
from dataclasses import is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from docx import Document
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError, meta, nodes

from marac.agenda.documents import CONTEXT_TYPES, DocumentKind
from marac.agenda.docx import PATCHER, LocalTime, make_environment, patched_xml
from marac.errors import FieldProblem, InvalidInput

_EVERY_DOCUMENT = (
    "recipient.name",
    "recipient.agency",
    "recipient.reference",
    "area.confidentiality_statement",
)
_ACTION = ("description", "owner_agency", "owner_person", "deadline", "status")
_CASE = ("reference", "section", "referring_agency", "criteria", "result", "band", "repeat")

# What each document must print, as paths into its context: ``cases[].band`` is the band of each case.
REQUIRED_FIELDS: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.AGENDA: (
        *("area.name", "conference.starts_at", "conference.location", "conference.chair", "version"),
        *("sections[].title", "sections[].starts_at", "sections[].entries[].case_reference"),
        "sections[].entries[].starts_at",
    ),
    DocumentKind.BRIEFING_PACK: (
        *("conference.starts_at", "conference.location", "attendees[].name", "attendees[].agency"),
        *(f"cases[].{name}" for name in (*_CASE, "previous_marac_dates", "children_in_household")),
        *(f"cases[].actions[].{name}" for name in _ACTION),
        *(f"cases[].research[].{name}" for name in ("agency", "status", "note")),
    ),
    DocumentKind.MINUTES: (
        *("conference.starts_at", "attendance[].name", "attendance[].agency", "attendance[].status"),
        *("cases[].reference", "cases[].outcome", "cases[].notes"),
        *(f"cases[].actions[].{name}" for name in _ACTION),
    ),
    DocumentKind.ACTION_LOG: tuple(
        f"actions[].{name}" for name in ("reference", "case_reference", *_ACTION, "last_report")
    ),
}


def _known_paths(hint: Any, path: str, records: set[str]) -> set[str]:
    """Every path a template may read below a value of type ``hint``; dataclass paths go to ``records``."""
    args = [arg for arg in get_args(hint) if arg is not type(None)]
    if get_origin(hint) in (Union, types.UnionType):
        return set().union(*(_known_paths(arg, path, records) for arg in args))
    if get_origin(hint) is tuple:
        return {f"{path}[]"} | _known_paths(args[0], f"{path}[]", records)
    if hint is datetime:
        records.add(path)
        return {f"{path}.{part}" for part in LocalTime.PARTS}
    if not is_dataclass(hint):
        return set()
    records.add(path)
    children = {f"{path}.{name}".lstrip("."): child for name, child in get_type_hints(hint).items()}
    return set(children).union(*(_known_paths(child, name, records) for name, child in children.items()))


def _path_of(node: nodes.Node, aliases: dict[str, str]) -> str | None:
    """``case.band`` inside ``{% for case in cases %}`` is ``cases[].band``; None for anything computed."""
    if isinstance(node, nodes.Name):
        return aliases.get(node.name, node.name)
    key = node.attr if isinstance(node, nodes.Getattr) else getattr(getattr(node, "arg", None), "value", None)
    if isinstance(node, nodes.Getattr | nodes.Getitem) and isinstance(key, str):
        parent = _path_of(node.node, aliases)
        return None if parent is None else f"{parent}.{key}"
    return None


def _used_paths(node: nodes.Node, aliases: dict[str, str], used: set[str]) -> None:
    """Add to ``used`` the context paths a parsed template reads, and their prefixes."""
    if isinstance(node, nodes.For):
        _used_paths(node.iter, aliases, used)
        inner, source = dict(aliases), _path_of(node.iter, aliases)
        if source is not None and isinstance(node.target, nodes.Name):
            inner[node.target.name] = f"{source}[]"
        for child in (*node.body, *([node.test] if node.test else [])):
            _used_paths(child, inner, used)
        for child in node.else_:
            _used_paths(child, aliases, used)
        return
    path = _path_of(node, aliases)
    while path:  # a use of ``cases[].band`` is also a use of ``cases[]`` and ``cases``
        used.add(path)
        path = path[:-2] if path.endswith("[]") else path.rpartition(".")[0]
    if path is None:
        for child in node.iter_child_nodes():
            _used_paths(child, aliases, used)


def _parse(env: Environment, element: Any) -> nodes.Template:
    return env.parse(patched_xml(DocxTemplate.xml_to_string(PATCHER, element))[0])


def _header_footer_elements(document: Any) -> list[Any]:
    relationships = document.part.rels.values()
    return [rel.target_part.element for rel in relationships if rel.reltype.endswith(("/header", "/footer"))]


_HEADERS_FOOTERS = {"": ("header", "footer"), "first-page ": ("first_page_header", "first_page_footer")}


def _unmarked(document: Any, env: Environment) -> list[str]:
    """Every header or footer in use, on any page of any section, that does not print ``{{ marking }}``."""
    in_use = dict(_HEADERS_FOOTERS)
    if document.settings.odd_and_even_pages_header_footer:
        in_use["even-page "] = ("even_page_header", "even_page_footer")
    problems = []
    for number, section in enumerate(document.sections, start=1):
        for label, attributes in in_use.items():
            if label == "first-page " and not section.different_first_page_header_footer:
                continue
            for attribute in attributes:
                # A part linked to the previous section is that section's part (none for the first).
                own = [getattr(s, attribute) for s in document.sections[:number]]
                part = next((p for p in reversed(own) if not p.is_linked_to_previous), None)
                where = f"the {label}{attribute.rpartition('_')[2]} of section {number}"
                if part is None or "marking" not in meta.find_undeclared_variables(
                    _parse(env, part.part.element)
                ):
                    problems.append(f"{where} does not show {{{{ marking }}}}")
    return problems


def validate_template(path: Path, kind: DocumentKind | str) -> None:
    """Check an area's own template before it is used, raising :class:`InvalidInput` naming every problem.

    It must print ``{{ marking }}`` in every header and footer in use, print every field of
    :data:`REQUIRED_FIELDS` for its kind (and those every document needs: the recipient and the
    confidentiality statement), and use no name or field that its context does not have.
    """
    kind = DocumentKind(kind)
    env = make_environment()
    try:
        top_level = DocxTemplate(path).get_undeclared_template_variables(jinja_env=env)
        document = Document(str(path))
        used: set[str] = set()
        for element in (document.element.body, *_header_footer_elements(document)):
            _used_paths(_parse(env, element), {}, used)
        unmarked = _unmarked(document, env)
    except TemplateError as exc:
        raise InvalidInput.for_field("template", f"{path.name}: {exc}") from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InvalidInput.for_field("template", f"{path.name} is not a readable Word file: {exc}") from exc
    records: set[str] = set()
    known = _known_paths(CONTEXT_TYPES[kind], "", records)
    missing = [name for name in (*_EVERY_DOCUMENT, *REQUIRED_FIELDS[kind]) if name not in used]
    unknown = sorted(top_level - {name for name in known if "." not in name and "[" not in name})
    unknown += sorted(p for p in used - known if "." in p and p.rpartition(".")[0] in records)
    problems = [FieldProblem(name, "required, but the template does not show it") for name in missing]
    problems += [FieldProblem(name, f"not part of the {kind.value} context") for name in unknown]
    problems += [FieldProblem("marking", text) for text in unmarked]
    if problems:
        detail = "; ".join(
            text
            for text in (
                missing and f"it does not show {', '.join(missing)}",
                unknown and f"it uses {', '.join(unknown)}, which the {kind.value} context does not have",
                *unmarked,
            )
            if text
        )
        raise InvalidInput(f"{kind.value} template {path.name} cannot be used: {detail}", errors=problems)
