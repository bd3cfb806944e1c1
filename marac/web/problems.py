"""Errors on pages become pages: the page router's exception handlers.

The API keeps its problem+json responses (``marac.problems``); a person in a browser instead sees the
message in the page's own frame, next to the field where one is named, and an anonymous visitor is
sent to the login page.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.orm.exc import StaleDataError

from marac.access.middleware import SESSION_COOKIE
from marac.errors import MaracError, NotAuthenticated, StaleVersion
from marac.runtime import Runtime
from marac.web.forms import FormState, kept_form
from marac.web.setup import PAGE_HEADERS
from marac.web.shell import PAGE_STATE_KEY, Flash, PageContext, flash_cookie, login_url

log = logging.getLogger("marac.web")

SESSION_ENDED = "Your session has ended. Log in again to continue."
MESSAGES_TARGET = "#messages"


def _runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _page(request: Request[Any, Any, Any]) -> PageContext:
    """The page frame built for this request, or a bare one when the error came before it was built."""
    page = request.state.get(PAGE_STATE_KEY)
    if isinstance(page, PageContext):
        return page
    actor = request.scope.get("user")
    return PageContext(
        actor=actor if actor is not None else None,
        path=request.url.path,
        marking=_runtime(request).settings.mail.protective_marking,
    )


def to_login(request: Request[Any, Any, Any]) -> Response[Any]:
    """Anonymous visitors go to the login page and come back; a lapsed session is said to have ended."""
    if request.method == "GET":
        query = request.url.query
        back = request.url.path + (f"?{query}" if query else "")
    else:
        back = "/"  # a form posted after the session ended cannot be replayed; start from home
    target = login_url(back)
    ended = SESSION_COOKIE in request.cookies
    cookies = [flash_cookie(_runtime(request), Flash(SESSION_ENDED, "warning"))] if ended else []
    response: Response[Any]
    if _is_htmx(request):
        response = Response(None, status_code=200, headers={"HX-Redirect": target}, cookies=cookies)
    else:
        response = Redirect(target, status_code=303, cookies=cookies)
    if ended:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _error_page(request: Request[Any, Any, Any], status: int, title: str, message: str) -> Template:
    page = _page(request)
    headers = dict(PAGE_HEADERS)
    if _is_htmx(request):
        # Fragments land in the page's message area, whatever the element that asked.
        headers.update({"HX-Retarget": MESSAGES_TARGET, "HX-Reswap": "innerHTML"})
        return Template(
            "partials/problem.html",
            context={"page": page, "title": title, "message": message},
            status_code=status,
            headers=headers,
        )
    return Template(
        "error.html",
        context={"page": page, "title": title, "message": message, "status": status},
        status_code=status,
        headers=headers,
    )


# The API's stale-version detail names record types, ids and version numbers; a person needs to know what
# happened and what to do.
CHANGED_BY_SOMEONE_ELSE = (
    "This was changed by someone else while you were looking at it. "
    "Nothing was saved: reload the page to see the change, then try again."
)


def handle_page_error(request: Request[Any, Any, Any], exc: MaracError) -> Response[Any]:
    """A domain error: the form again with messages by field, or an error page with the message."""
    if isinstance(exc, NotAuthenticated):
        return to_login(request)
    detail = CHANGED_BY_SOMEONE_ELSE if isinstance(exc, StaleVersion) else exc.detail
    kept = kept_form(request)
    if kept is None:
        return _error_page(request, exc.status, exc.title, detail)
    errors = {problem.field: problem.message for problem in exc.errors}
    summary = "" if errors else detail
    state = FormState(kept.values, errors, summary)
    headers = dict(PAGE_HEADERS)
    if _is_htmx(request):
        headers["HX-Reswap"] = "outerHTML"
    return Template(
        kept.template,
        context={**kept.context, "page": kept.page, kept.form_name: state},
        status_code=exc.status,
        headers=headers,
    )


_HTTP_TITLES = {
    400: ("Something in the request was not right", "Go back, check what you entered and try again."),
    404: ("Page not found", "Check the address, or go back to your dashboard."),
    405: ("Not allowed here", "This page cannot be used that way."),
    413: ("Too large", "What you sent is too large."),
}


def handle_page_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors (unknown path parameter, bad query value) as a page."""
    status = exc.status_code
    title, message = _HTTP_TITLES.get(status, ("The request failed", str(exc.detail)))
    if isinstance(exc, ValidationException):
        title, message = _HTTP_TITLES[400]
    return _error_page(request, status, title, message)


def handle_page_stale(request: Request[Any, Any, Any], exc: StaleDataError) -> Response[Any]:
    """Two people saved the same record at once; the second is told, nothing is overwritten."""
    return handle_page_error(request, StaleVersion("record", "", 0, 0))


def handle_page_crash(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Path only: form bodies may hold case data and must never reach the logs.
    log.exception("unhandled error on page %s %s", request.method, request.url.path)
    return _error_page(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Nothing was saved. The error has been logged; please try again or tell your coordinator.",
    )


PAGE_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    MaracError: handle_page_error,
    HTTPException: handle_page_http,
    StaleDataError: handle_page_stale,
    Exception: handle_page_crash,
}
