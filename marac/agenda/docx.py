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
:func:`validate_template` (see :mod:`marac.agenda.template_checks`).  Each template file is prepared
once while it is unchanged on disk (:mod:`marac.agenda.docx_filling`), so a document costs only the
filling in of its own parts.
"""

from __future__ import annotations

import re
import types
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
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
from marac.agenda.docx_filling import (
    PATCHER,
    BrokenPart,
    PreparedTemplate,
    make_environment,
    patched_xml,
    prepare,
)
from marac.clock import ensure_utc
from marac.errors import InvalidInput
from marac.settings import get_settings

# The contexts are part of this module's interface: callers import them from here or from documents.
__all__ = [
    "CONTEXT_TYPES",
    "DEFAULT_MARKING",
    "PATCHER",
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
    "patched_xml",
    "render",
    "shipped_templates_dir",
    "template_namespace",
    "template_path",
    "validate_template",
]

# --- what templates see ------------------------------------------------------------------------------

# Characters XML 1.0 forbids; docxtpl would also turn \a and \f into paragraph and page breaks.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@lru_cache(maxsize=4096)
def _day(value: date) -> str:
    # Cached: a pack prints the same few dates (deadlines, referral and meeting days) many times.
    return f"{value.day} {value:%B %Y}"


class LocalTime:
    """A datetime as printed in a document, in the area's timezone: ``{{ x }}``, ``x.date``, ``x.time``."""

    PARTS = ("date", "time", "text")

    __slots__ = ("_local",)

    def __init__(self, value: datetime, zone: ZoneInfo) -> None:
        self._local = ensure_utc(value).astimezone(zone)

    @property
    def date(self) -> str:
        return f"{self._local:%A} {_day(self._local.date())}"

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
    # Escaping leaves line breaks and tabs alone; Markup's replace keeps the Word elements unescaped.
    return escape(_NOT_XML.sub("", value.replace("\r\n", "\n"))).replace("\n", _BREAK).replace("\t", _TAB)


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

_PREPARED: dict[Path, tuple[int, int, PreparedTemplate]] = {}


def shipped_templates_dir() -> Path:
    """The templates that come with marac (``settings.templates_dir``, by default ``templates/docx``)."""
    return get_settings().templates_dir


def template_path(kind: DocumentKind | str, template_dir: Path | None = None) -> Path:
    """The area's own template for ``kind`` if it has one, else the shipped one."""
    name = f"{DocumentKind(kind).value}.docx"
    if template_dir is not None and (template_dir / name).is_file():
        return template_dir / name
    return shipped_templates_dir() / name


def _prepared(path: Path) -> PreparedTemplate:
    """The template file, prepared once while it is unchanged on disk."""
    stat = path.stat()
    cached = _PREPARED.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    prepared = prepare(path.read_bytes())
    _PREPARED[path] = (stat.st_mtime_ns, stat.st_size, prepared)
    return prepared


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
    try:
        return _prepared(path).fill(template_namespace(context))
    except TemplateError as exc:
        raise InvalidInput(
            f"template {path.name} cannot be filled in: {exc.message}", template=path.name
        ) from exc
    except (etree.XMLSyntaxError, BrokenPart) as exc:
        raise InvalidInput(
            f"template {path.name} makes a broken document: {exc}", template=path.name
        ) from exc


def validate_template(path: Path, kind: DocumentKind | str) -> None:
    """Check an area's own template before use; see :func:`marac.agenda.template_checks.validate_template`."""
    # Imported here: the checks build on this module's renderer, so a module-level import would be circular.
    from marac.agenda.template_checks import validate_template as check

    check(path, kind)
