"""Word documents: rendering the four MARAC documents from their typed contexts with docxtpl.

A service fills one of the contexts of :mod:`marac.agenda.documents` (:class:`AgendaDoc`,
:class:`PackDoc`, :class:`MinutesDoc`, :class:`ActionLogDoc`; re-exported here) and calls :func:`render`,
which returns the .docx bytes.  Templates are real Word files (``templates/docx/`` or an area's own
folder) with Jinja tags; they see the context under the same field names, with values prepared for print:

- ``date`` fields print as ``12 March 2024``;
- ``datetime`` fields are shown in the area's timezone: ``{{ x }}`` prints ``Tuesday 12 March 2024, 10:00``
  and ``{{ x.date }}`` / ``{{ x.time }}`` print the parts;
- ``None`` prints as nothing (test it with ``{% if x %}``); booleans stay booleans; tuples are lists.

Rendering escapes every value (a note containing ``<b>&`` prints literally) and refuses to print a name the
context does not have (Jinja's ``StrictUndefined``), so a template typo fails loudly instead of leaving a
blank in a document that people act on.  An area's own templates are checked before use by
:func:`validate_template` (see :mod:`marac.agenda.template_checks`).
"""

from __future__ import annotations

import io
import re
import types
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template, TemplateError
from lxml import etree
from markupsafe import Markup, escape

from marac.agenda.documents import (
    CONTEXT_TYPES,
    DEFAULT_MARKING,
    ActionEntry,
    ActionLogDoc,
    AgendaDoc,
    AgendaEntry,
    AgendaSection,
    AreaInfo,
    AttendanceEntry,
    Attendee,
    ConferenceInfo,
    DocContext,
    DocumentKind,
    MinutesCase,
    MinutesDoc,
    PackCase,
    PackDoc,
    Recipient,
    ResearchEntry,
)
from marac.clock import ensure_utc
from marac.errors import InvalidInput
from marac.settings import get_settings

# The contexts are part of this module's interface: callers import them from here or from documents.
__all__ = [
    "CONTEXT_TYPES",
    "DEFAULT_MARKING",
    "ActionEntry",
    "ActionLogDoc",
    "AgendaDoc",
    "AgendaEntry",
    "AgendaSection",
    "AreaInfo",
    "AttendanceEntry",
    "Attendee",
    "ConferenceInfo",
    "DocContext",
    "DocumentKind",
    "LocalTime",
    "MinutesCase",
    "MinutesDoc",
    "PackCase",
    "PackDoc",
    "Recipient",
    "ResearchEntry",
    "make_environment",
    "render",
    "shipped_templates_dir",
    "template_namespace",
    "template_path",
    "validate_template",
]

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
def patched_xml(src_xml: str) -> tuple[str, bool]:
    """docxtpl's clean-up of one XML part, and whether the part reshapes tables (cell loops, merges)."""
    # One line per paragraph, as docxtpl does before rendering, so that Jinja errors give useful lines.
    patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", DocxTemplate.patch_xml(PATCHER, src_xml))
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
        patched, reshapes = patched_xml(src_xml)
        self._reshapes_tables = self._reshapes_tables or reshapes
        return patched

    def render_xml_part(
        self, src_xml: str, part: Any, context: dict[str, Any], jinja_env: Environment | None = None
    ) -> str:
        # docxtpl's own, less its regular expressions over the whole filled part: the line breaks
        # before paragraphs (added in patched_xml) come out with a plain replace.
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


PATCHER = DocxTemplate(io.BytesIO())


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


def validate_template(path: Path, kind: DocumentKind | str) -> None:
    """Check an area's own template before use; see :func:`marac.agenda.template_checks.validate_template`."""
    # Imported here: the checks build on this module's renderer, so a module-level import would be circular.
    from marac.agenda.template_checks import validate_template as check

    check(path, kind)
