"""Filling a Word template in: docxtpl's rules, with the work that does not depend on the context done once.

docxtpl loads the template with python-docx, turns each XML part that can hold tags (the body, headers
and footers) into a Jinja template, fills it in, parses the result back into the document and saves
the whole package.  For a 40-case briefing pack the loading and saving alone take as long as a plain
python-docx load+save of the finished document, yet nothing but those few parts depends on the
context.  So a template is prepared once (:func:`prepare`): docxtpl cleans its parts up, Jinja compiles
them, and every other part is saved once, exactly as python-docx saves it.  Each document then fills
the parts in, checks that each is well-formed XML, and adds them to a copy of that saved package
(:meth:`PreparedTemplate.fill`).

A template that needs docxtpl's own work on the filled tree — a table loop that changes the number of
columns, pictures (whose ids docxtpl renumbers), footnotes, or document properties holding tags — is
filled by docxtpl itself (:class:`Filling`), as before.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.parsers import expat

from docx.opc.oxml import serialize_part_xml
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template
from lxml import etree

_CHANGES_TABLE_SHAPE = re.compile(r"\{%-?\s*(?:tc\s|colspan\s|hm\s|vm\s)")
# What python-docx writes before each XML part it saves (``serialize_part_xml``).
_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_BODY_MARK = "marac-body"
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The document properties docxtpl fills in as templates (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


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


def _nothing_for_none(value: Any) -> Any:
    return "" if value is None else value


def make_environment() -> Environment:
    """The Jinja environment every document is rendered with: escaping on, missing names are errors."""
    return _CompilingEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_nothing_for_none)


ENV = make_environment()


@lru_cache(maxsize=64)
def patched_xml(src_xml: str) -> tuple[str, bool]:
    """docxtpl's clean-up of one XML part, and whether the part reshapes tables (cell loops, merges)."""
    # One line per paragraph, as docxtpl does before rendering, so that Jinja errors give useful lines.
    patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", DocxTemplate.patch_xml(PATCHER, src_xml))
    return patched, _CHANGES_TABLE_SHAPE.search(re.sub(r"<[^>]+>", "", src_xml)) is not None


class Filling(DocxTemplate):  # type: ignore[misc]  # docxtpl has no type hints
    """docxtpl, with the work that does not depend on the context done once per template.

    A 40-case pack spends most of docxtpl's time re-cleaning the same template XML, scanning the filled
    XML for tabs and line breaks that the renderer has already turned into Word elements, and
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
        self.current_rendering_part = part
        return self.finish_part((jinja_env or ENV).from_string(src_xml).render(context))

    def finish_part(self, filled: str) -> str:
        """docxtpl's own finishing of a filled part, less its regular expressions over the whole part:
        the line breaks before paragraphs (added in :func:`patched_xml`) come out with a plain replace."""
        filled = filled.replace("\n<w:p", "<w:p")
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


PATCHER = Filling(io.BytesIO())


class BrokenPart(ValueError):
    """A filled part that is not well-formed XML (the template's tags are in the wrong places)."""


@dataclass(frozen=True)
class _Part:
    """One part filled in for each document: its compiled source and what surrounds the filled XML."""

    member: str  # its name in the package, e.g. ``word/header1.xml``
    source: Template
    head: bytes
    tail: bytes

    def fill(self, context: dict[str, Any]) -> bytes:
        filled = PATCHER.finish_part(self.source.render(context))
        xml = b"".join((self.head, filled.encode("utf-8"), self.tail))
        parser = expat.ParserCreate()
        try:
            parser.Parse(xml, True)
        except expat.ExpatError as exc:
            raise BrokenPart(f"{self.member}: {exc}") from None
        return xml


@dataclass(frozen=True)
class PreparedTemplate:
    """A template ready to fill in: its filled parts, and the rest of the package saved once."""

    data: bytes  # the template file
    package: bytes | None  # every part but the filled ones; None when docxtpl itself must fill it
    parts: tuple[_Part, ...] = ()

    def fill(self, context: dict[str, Any]) -> bytes:
        """The .docx bytes of the template filled in from ``context`` (the names the template sees)."""
        if self.package is None:
            return fill_with_docxtpl(self.data, context)
        filled = [(part.member, part.fill(context)) for part in self.parts]
        out = io.BytesIO(self.package)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as package:
            for member, xml in filled:
                package.writestr(member, xml)
        return out.getvalue()


def fill_with_docxtpl(data: bytes, context: dict[str, Any]) -> bytes:
    """The template file ``data`` filled in by docxtpl itself: loaded, rendered part by part, saved."""
    document = Filling(io.BytesIO(data))
    document.render(context, jinja_env=ENV)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _needs_docxtpl(template: Filling, body: str) -> bool:
    properties = template.docx.core_properties
    return (
        template._reshapes_tables
        or "docPr" in body  # pictures: docxtpl renumbers their ids in the filled body
        or any(part.content_type == _FOOTNOTES for part in template.docx.part.package.parts)
        or any("{" in (getattr(properties, name) or "") for name in _PROPERTIES)
    )


def prepare(data: bytes) -> PreparedTemplate:
    """Prepare the template file ``data`` (see the module docstring); Jinja syntax errors raise here."""
    template = Filling(io.BytesIO(data))
    template.init_docx()
    document = template.docx
    body = template.patch_xml(template.get_xml())
    sources = [(document.part.partname.membername, body)]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            sources.append((part.partname.membername, template.patch_xml(template.get_part_xml(part))))
    compiled = [(member, ENV.from_string(source)) for member, source in sources]
    members = [member for member, _ in sources]
    if _needs_docxtpl(template, body) or len(set(members)) != len(members):
        return PreparedTemplate(data, None)
    # What docxtpl does to the properties when they hold no tags: each is written back as it was.
    template.render_properties({}, ENV)
    saved = io.BytesIO()
    document.save(saved)
    package = io.BytesIO()
    with zipfile.ZipFile(saved) as everything, zipfile.ZipFile(package, "w") as rest:
        for info in everything.infolist():
            if info.filename not in members:
                rest.writestr(info, everything.read(info))
    # The document part around its body, as python-docx writes it.
    root = document.element
    root.replace(root.body, etree.Comment(_BODY_MARK))
    head, tail = serialize_part_xml(root).split(f"<!--{_BODY_MARK}-->".encode())
    parts = [_Part(compiled[0][0], compiled[0][1], head, tail)]
    parts += [_Part(member, source, _DECLARATION, b"") for member, source in compiled[1:]]
    return PreparedTemplate(data, package.getvalue(), tuple(parts))
