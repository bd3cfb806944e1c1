"""HTML forms: turn posted fields into the API's msgspec schemas, and errors back into messages by field.

A handler that processes a form first calls :func:`keep_form` with the page to show again if anything
goes wrong; the page router's error handler then re-renders that page with the values typed and each
message next to its field, so handlers stay straight-line code.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import msgspec
from litestar import Request

from marac.errors import FieldProblem, InvalidInput
from marac.web.shell import PageContext

T = TypeVar("T", bound=msgspec.Struct)
KEPT_FORM_KEY = "marac_form"
CSRF_FIELD = "_csrf"

_AT = re.compile(r" - at `\$\.?([^`]*)`")
_MISSING = re.compile(r"Object missing required field `([^`]+)`")


@dataclass(frozen=True)
class FormState:
    """What a form shows: the values (typed or stored), and messages per field plus a summary."""

    values: Mapping[str, str | list[str]] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""

    def value(self, name: str, default: str = "") -> str:
        found = self.values.get(name, default)
        return found if isinstance(found, str) else (found[0] if found else default)

    def checked(self, name: str, option: str = "on") -> bool:
        found = self.values.get(name)
        return option in found if isinstance(found, list) else found == option

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.summary)


@dataclass(frozen=True)
class KeptForm:
    """The page to render again, with its context, if processing the form raises a domain error."""

    page: PageContext
    template: str
    context: dict[str, Any]
    values: Mapping[str, str | list[str]]
    form_name: str = "form"


class FormInput:
    """The posted fields of one request (``_csrf`` left out)."""

    def __init__(self, values: Mapping[str, str | list[str]]) -> None:
        self.values = values

    @classmethod
    async def read(cls, request: Request[Any, Any, Any], lists: Iterable[str] = ()) -> FormInput:
        form = await request.form()
        multi = set(lists)
        values: dict[str, str | list[str]] = {}
        for key in form:
            if key == CSRF_FIELD:
                continue
            if key in multi:
                values[key] = [str(v) for v in form.getall(key)]
            else:
                values[key] = str(form.get(key, "")).strip()
        for key in multi:
            values.setdefault(key, [])
        return cls(values)

    def get(self, name: str) -> str:
        found = self.values.get(name, "")
        return found if isinstance(found, str) else ""

    def parse(
        self,
        schema: type[T],
        *,
        hints: Mapping[str, str] | None = None,
        blank_means_unchanged: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> T:
        """Convert to ``schema``: checkboxes become booleans, blanks become ``None`` where allowed.

        ``hints`` gives the message for a value in the wrong shape ("Enter an email address like …");
        fields in ``blank_means_unchanged`` (a new password) are left out when blank.
        """
        data: dict[str, Any] = {}
        unchanged = set(blank_means_unchanged)
        for name, annotation in get_type_hints(schema).items():
            options = _options(annotation)
            if bool in options:
                data[name] = self.get(name) in {"on", "true", "1", "yes"}
                continue
            if name not in self.values:
                continue
            value = self.values[name]
            if value == "":
                if name in unchanged:
                    continue
                if type(None) in options:
                    data[name] = None
                    continue
            data[name] = value
        data.update(extra or {})
        try:
            return msgspec.convert(data, schema, strict=False)
        except msgspec.ValidationError as exc:
            name, message = explain(str(exc), hints or {})
            raise InvalidInput(f"{name}: {message}", errors=[FieldProblem(name, message)]) from exc


def _options(annotation: Any) -> tuple[Any, ...]:
    """The members of ``X | None | UnsetType`` (or the type itself), with ``Annotated`` unwrapped."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return tuple(_bare(arg) for arg in get_args(annotation))
    return (_bare(annotation),)


def _bare(annotation: Any) -> Any:
    while hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    return annotation


def explain(message: str, hints: Mapping[str, str]) -> tuple[str, str]:
    """(field, a sentence a person understands) from a msgspec validation message."""
    missing = _MISSING.search(message)
    at = _AT.search(message)
    name = missing.group(1) if missing else (at.group(1).split(".")[0].split("[")[0] if at else "form")
    text = _AT.sub("", message)
    if missing or re.search(r"of length >= 1\b", text):
        return name, "Enter a value"
    if "matching regex" in text:
        return name, hints.get(name, "Check the format of this value")
    if found := re.search(r"of length >= (\d+)", text):
        return name, f"Use at least {found.group(1)} characters"
    if found := re.search(r"of length <= (\d+)", text):
        return name, f"Use at most {found.group(1)} characters"
    if "Invalid enum value" in text or "Expected `uuid`" in text or "Invalid UUID" in text:
        return name, hints.get(name, "Choose one of the options")
    if "Expected `int`" in text:
        return name, "Enter a whole number"
    return name, hints.get(name, text)


def keep_form(
    request: Request[Any, Any, Any],
    page: PageContext,
    template: str,
    submitted: FormInput,
    *,
    form_name: str = "form",
    **context: Any,
) -> None:
    """Remember how to show this form again should processing it raise a domain error.

    ``context`` must be plain values (not database rows): the transaction has been rolled back by the
    time the page is rendered again.
    """
    request.state[KEPT_FORM_KEY] = KeptForm(page, template, context, submitted.values, form_name)


def kept_form(request: Request[Any, Any, Any]) -> KeptForm | None:
    kept = request.state.get(KEPT_FORM_KEY)
    return kept if isinstance(kept, KeptForm) else None
