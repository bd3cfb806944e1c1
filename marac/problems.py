"""One mapping from errors to RFC 9457 problem responses (``application/problem+json``)."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.orm.exc import StaleDataError

from marac.errors import Conflict, MaracError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://marac.invalid/problems/"
log = logging.getLogger("marac.http")

_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_from_message(message: str, key: str | None) -> str:
    found = _AT_PATH.search(message)
    prefix = ""
    if found and found.group("path"):
        prefix = found.group("path").replace("[", ".").replace("]", "")
    named = re.search(r"field `([^`]+)`", message)
    if named:
        return f"{prefix}.{named.group(1)}" if prefix else named.group(1)
    if prefix:
        return prefix
    return key if key and key != "data" else "body"


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    """Litestar/msgspec decoding errors: malformed JSON is 400, a bad value is 422 naming the field."""
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    malformed = False
    for item in items:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        if "malformed" in message.lower() or "json is" in message.lower():
            malformed = True
        clean = _AT_PATH.sub("", message)
        errors.append({"field": _field_from_message(message, item.get("key")), "message": clean})
    if malformed:
        return problem(
            request,
            400,
            "Malformed request body",
            "The request body is not valid JSON",
            "malformed-body",
            errors,
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    return problem(request, 422, "Invalid input", detail, "invalid-input", errors)


def handle_domain(request: Request[Any, Any, Any], exc: MaracError) -> Response[dict[str, Any]]:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return problem(request, exc.status, exc.title, exc.detail, exc.type_slug, errors, **exc.extra)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, NotAuthorizedException):
        return problem(
            request, 401, "Not authenticated", "Log in or send a bearer token", "not-authenticated"
        )
    status = exc.status_code
    title = {
        400: "Malformed request",
        404: "Not found",
        405: "Method not allowed",
        413: "Request too large",
    }.get(status, "Request failed")
    detail = str(exc.detail)
    if status == 400 and any(word in detail.lower() for word in ("truncated", "malformed", "json", "decode")):
        detail = f"The request body is not valid JSON ({detail})"
    return problem(request, status, title, detail, title.lower().replace(" ", "-"))


def handle_stale(request: Request[Any, Any, Any], exc: StaleDataError) -> Response[dict[str, Any]]:
    # Raised by the ORM when a guarded UPDATE matched no row: someone else changed or removed it first.
    return handle_domain(request, Conflict("Someone else changed this record; reload and try again"))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # Logged with the path only: request bodies may hold case data and must never reach the logs.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal error",
        "Something went wrong; nothing was saved. The error has been logged.",
        "internal-error",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    MaracError: handle_domain,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    StaleDataError: handle_stale,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_MEDIA_TYPE", "problem"]
