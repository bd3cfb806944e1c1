"""Word documents: the typed contexts of the four MARAC documents and their rendering with docxtpl.

A service fills one of :class:`AgendaDoc`, :class:`PackDoc`, :class:`MinutesDoc` or :class:`ActionLogDoc`
and calls :func:`render`, which returns the .docx bytes.  Templates are real Word files (``templates/docx/``
or an area's own folder) with Jinja tags; they see the context under the same field names, with values
prepared for print:

- ``date`` fields print as ``12 March 2024``;
- ``datetime`` fields are shown in the area's timezone: ``{{ x }}`` prints ``Tuesday 12 March 2024, 10:00``
  and ``{{ x.date }}`` / ``{{ x.time }}`` print the parts;
- ``None`` prints as nothing (test it with ``{% if x %}``); booleans stay booleans; tuples are lists.

Rendering escapes every value (a note containing ``<b>&`` prints literally) and refuses to print a name the
context does not have (Jinja's ``StrictUndefined``), so a template typo fails loudly instead of leaving a
blank in a document that people act on.  Only what a recipient may see belongs in their context: the pack
service filters cases and notes per agency before it gets here.
"""

from __future__ import annotations

import io
import re
import types
import zipfile
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from docx import Document
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template, TemplateError, meta, nodes
from lxml import etree  # type: ignore[import-untyped]  # no stubs shipped
from markupsafe import Markup, escape

from marac.clock import ensure_utc
from marac.errors import FieldProblem, InvalidInput
from marac.settings import get_settings

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


class DocumentKind(StrEnum):
    """The four documents; the value is the template's file name without ``.docx``."""

    AGENDA = "agenda"
    BRIEFING_PACK = "briefing_pack"
    MINUTES = "minutes"
    ACTION_LOG = "action_log"


# --- contexts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Who this copy is for; printed in every footer so that a leaked copy can be traced."""

    name: str
    agency: str
    reference: str  # unique per copy, e.g. "MARAC-2024-03-12-POL-07"


@dataclass(frozen=True)
class AreaInfo:
    name: str
    timezone: str  # IANA name; every datetime in the document is shown in it
    confidentiality_statement: str


@dataclass(frozen=True)
class ConferenceInfo:
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    location: str
    chair: str
    online_link: str | None = None


@dataclass(frozen=True)
class AgendaEntry:
    """One case on the agenda; no names, only the case reference."""

    case_reference: str
    referring_agency: str
    starts_at: datetime | None  # time slot; None for notification-only cases
    ends_at: datetime | None
    repeat: bool = False


@dataclass(frozen=True)
class AgendaSection:
    """A part of the agenda in meeting order (introductions, …, notification only, any other business)."""

    title: str
    starts_at: datetime
    entries: tuple[AgendaEntry, ...] = ()
    notification_only: bool = False


@dataclass(frozen=True)
class ActionEntry:
    reference: str
    case_reference: str
    description: str
    owner_agency: str
    owner_person: str | None
    deadline: date
    status: str  # open, completed, not possible, not done, cancelled
    last_report: date | None = None


@dataclass(frozen=True)
class ResearchEntry:
    agency: str
    status: str  # not started, nothing held, information held, shared
    note: str | None = None  # only what the agency chose to share


@dataclass(frozen=True)
class Attendee:
    name: str
    agency: str
    role: str | None = None


@dataclass(frozen=True)
class PackCase:
    reference: str
    section: str  # as shown, e.g. "Children in household" / "Adult only"
    referring_agency: str
    referred_on: date
    criteria: tuple[str, ...]  # e.g. ("Visible high risk", "Repeat")
    instrument: str  # e.g. "DASH-style checklist v1"
    result: str  # e.g. "16 of 24 yes"
    band: str  # e.g. "high"
    repeat: bool
    previous_marac_dates: tuple[date, ...]
    children_in_household: int
    actions: tuple[ActionEntry, ...]  # open actions on the case
    research: tuple[ResearchEntry, ...]
    starts_at: datetime | None = None  # time slot on the agenda


@dataclass(frozen=True)
class AttendanceEntry:
    name: str
    agency: str
    status: str  # present, apologies, deputy
    deputy_for: str | None = None


@dataclass(frozen=True)
class MinutesCase:
    reference: str
    section: str
    outcome: str
    notes: str  # line breaks are kept
    actions: tuple[ActionEntry, ...]  # actions agreed at this meeting


@dataclass(frozen=True)
class AgendaDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    version: int
    sections: tuple[AgendaSection, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class PackDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    agenda_version: int
    attendees: tuple[Attendee, ...]
    sections: tuple[AgendaSection, ...]  # the agenda summary
    cases: tuple[PackCase, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class MinutesDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    attendance: tuple[AttendanceEntry, ...]
    cases: tuple[MinutesCase, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class ActionLogDoc:
    area: AreaInfo
    recipient: Recipient
    title: str  # what the log covers, e.g. "Open actions, Police"
    as_of: datetime
    actions: tuple[ActionEntry, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


DocContext = AgendaDoc | PackDoc | MinutesDoc | ActionLogDoc

CONTEXT_TYPES: dict[DocumentKind, type[DocContext]] = {
    DocumentKind.AGENDA: AgendaDoc,
    DocumentKind.BRIEFING_PACK: PackDoc,
    DocumentKind.MINUTES: MinutesDoc,
    DocumentKind.ACTION_LOG: ActionLogDoc,
}


# --- what templates see ------------------------------------------------------------------------------

# Characters XML 1.0 forbids; docxtpl would also turn \a and \f into paragraph and page breaks.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


class LocalTime:
    """A datetime as printed in a document, in the area's timezone: ``{{ x }}``, ``x.date``, ``x.time``."""

    PARTS = ("date", "time", "text")

    __slots__ = ("_local",)

    def __init__(self, value: datetime, zone: ZoneInfo) -> None:
        self._local = ensure_utc(value).astimezone(zone)

    @property
    def date(self) -> str:
        return f"{self._local:%A} {_day(self._local)}"

    @property
    def time(self) -> str:
        return f"{self._local:%H:%M}"

    @property
    def text(self) -> str:
        return f"{self.date}, {self.time}"

    def __str__(self) -> str:
        return self.text


# Inside a run's text: a line break or tab becomes Word's own element, between two text elements.
_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')
_TAB = Markup('</w:t><w:tab/><w:t xml:space="preserve">')


def _text(value: str) -> str | Markup:
    if value.isprintable():
        return value  # the usual case; escaped by the environment when printed
    value = _NOT_XML.sub("", value.replace("\r\n", "\n"))
    lines = value.split("\n")
    return _BREAK.join(_TAB.join(escape(part) for part in line.split("\t")) for line in lines)


def _view(value: Any, zone: ZoneInfo) -> Any:
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is tuple or kind is list:
        return [_view(item, zone) for item in value]
    names = _RECORD_FIELDS.get(kind)
    if names is not None:
        return _RECORD_TYPES[kind](**{name: _view(getattr(value, name), zone) for name in names})
    if isinstance(value, str):  # a str subclass such as a StrEnum member
        return _text(str(value))
    if isinstance(value, datetime):
        return LocalTime(value, zone)
    if isinstance(value, date):
        return _day(value)
    if is_dataclass(value) and not isinstance(value, type):
        _remember_record(kind)
        return _view(value, zone)
    return value


_RECORD_FIELDS: dict[type, tuple[str, ...]] = {}
_RECORD_TYPES: dict[type, type[types.SimpleNamespace]] = {}


def _remember_record(context_type: type) -> None:
    """Note a context dataclass: its fields, and a plain record type named after it, so that a template
    error reads "'marac.ConferenceInfo object' has no attribute 'host'"."""
    record = type(context_type.__name__, (types.SimpleNamespace,), {"__module__": "marac"})
    _RECORD_TYPES[context_type] = record  # before the fields: _view looks the fields up first
    _RECORD_FIELDS[context_type] = tuple(f.name for f in fields(context_type))


def template_namespace(context: DocContext) -> dict[str, Any]:
    """The names a template sees for ``context`` (the top-level fields, prepared for print)."""
    zone = ZoneInfo(context.area.timezone)
    return {f.name: _view(getattr(context, f.name), zone) for f in fields(context)}


# --- rendering ---------------------------------------------------------------------------------------


class _CompilingEnvironment(Environment):
    """Keeps compiled templates by source text.

    docxtpl compiles every XML part on every render; the parts of a template are the same text each
    time, so compiling once per process is much of the saving on large packs.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cached_from_string = lru_cache(maxsize=64)(super().from_string)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if isinstance(source, str) and globals is None and template_class is None:
            return self._cached_from_string(source)
        return super().from_string(source, globals, template_class)


_CHANGES_TABLE_SHAPE = re.compile(r"\{%-?\s*(?:tc\s|colspan\s|hm\s|vm\s)")


@lru_cache(maxsize=64)
def _patched(src_xml: str) -> tuple[str, bool]:
    """docxtpl's clean-up of one XML part, and whether the part reshapes tables (cell loops, merges)."""
    # One line per paragraph, as docxtpl does before rendering, so that Jinja errors give useful lines.
    patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", DocxTemplate.patch_xml(_PATCHER, src_xml))
    return patched, _CHANGES_TABLE_SHAPE.search(re.sub(r"<[^>]+>", "", src_xml)) is not None


class _Filling(DocxTemplate):  # type: ignore[misc]  # docxtpl has no type hints
    """docxtpl, with the work that does not depend on the context done once per template.

    A 40-case pack spends most of docxtpl's time re-cleaning the same template XML, scanning the filled
    XML for tabs and line breaks that :func:`_text` has already turned into Word elements, and
    recounting table columns that only cell loops can change.  Malformed output is an error here rather
    than something lxml's recovering parser silently repairs.
    """

    _reshapes_tables = False

    def patch_xml(self, src_xml: str) -> str:
        patched, reshapes = _patched(src_xml)
        self._reshapes_tables = self._reshapes_tables or reshapes
        return patched

    def render_xml_part(
        self, src_xml: str, part: Any, context: dict[str, Any], jinja_env: Environment | None = None
    ) -> str:
        # docxtpl's own, less its regular expressions over the whole filled part: the line breaks
        # before paragraphs (added in _patched) come out with a plain replace.
        self.current_rendering_part = part
        filled = (jinja_env or _ENV).from_string(src_xml).render(context).replace("\n<w:p", "<w:p")
        for escaped, tag in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
            filled = filled.replace(escaped, tag)
        return self.resolve_listing(filled)

    def resolve_listing(self, xml: str) -> str:
        if "\t" in xml or "\n" in xml:  # only a template's own text can still hold them
            return str(super().resolve_listing(xml))
        return xml

    def fix_tables(self, xml: str) -> Any:
        tree = etree.fromstring(xml)  # strict: broken XML raises instead of being "repaired"
        return super().fix_tables(xml) if self._reshapes_tables else tree


_PATCHER = DocxTemplate(io.BytesIO())


def _nothing_for_none(value: Any) -> Any:
    return "" if value is None else value


def make_environment() -> Environment:
    """The Jinja environment every document is rendered with: escaping on, missing names are errors."""
    return _CompilingEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_nothing_for_none)


_ENV = make_environment()
_TEMPLATE_BYTES: dict[Path, tuple[int, int, bytes]] = {}


def shipped_templates_dir() -> Path:
    """The templates that come with marac (``settings.templates_dir``, by default ``templates/docx``)."""
    return get_settings().templates_dir


def template_path(kind: DocumentKind | str, template_dir: Path | None = None) -> Path:
    """The area's own template for ``kind`` if it has one, else the shipped one."""
    name = f"{DocumentKind(kind).value}.docx"
    if template_dir is not None and (template_dir / name).is_file():
        return template_dir / name
    return shipped_templates_dir() / name


def _template_bytes(path: Path) -> bytes:
    """The template file, read once while it is unchanged on disk."""
    stat = path.stat()
    cached = _TEMPLATE_BYTES.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    data = path.read_bytes()
    _TEMPLATE_BYTES[path] = (stat.st_mtime_ns, stat.st_size, data)
    return data


def _kind_of(template: str, context: DocContext) -> DocumentKind:
    try:
        kind = DocumentKind(template.removesuffix(".docx"))
    except ValueError:
        known = ", ".join(k.value for k in DocumentKind)
        raise InvalidInput.for_field("template", f"unknown document {template!r}; one of {known}") from None
    expected = CONTEXT_TYPES[kind]
    if not isinstance(context, expected):
        raise TypeError(f"{kind.value} is rendered from {expected.__name__}, not {type(context).__name__}")
    return kind


def render(template: str, context: DocContext, *, template_dir: Path | None = None) -> bytes:
    """Render the ``template`` document (``"briefing_pack"`` or ``"briefing_pack.docx"``) to .docx bytes.

    ``template_dir`` is the area's template folder; a document it does not hold comes from the shipped
    templates.  A name the template uses but the context lacks raises :class:`InvalidInput` naming it.
    """
    kind = _kind_of(template, context)
    path = template_path(kind, template_dir)
    document = _Filling(io.BytesIO(_template_bytes(path)))
    try:
        document.render(template_namespace(context), jinja_env=_ENV)
    except TemplateError as exc:
        raise InvalidInput(
            f"template {path.name} cannot be filled in: {exc.message}", template=path.name
        ) from exc
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"template {path.name} makes a broken document: {exc}", template=path.name
        ) from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- checking an area's own templates -----------------------------------------------------------------

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
    return env.parse(_patched(DocxTemplate.xml_to_string(_PATCHER, element))[0])


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
