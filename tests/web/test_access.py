"""Page-by-role access: every page refuses the roles that must not see it.

One row per page in ``PAGES`` (and per form in ``FORMS``); new pages add a row.  Each World user logs
in through the login form and opens every page: the people named in ``allowed`` see it, those in
``hidden`` are told it does not exist (another area's object), everyone else gets the 403 page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import World

ROLE_KEYS = ("admin", "coordinator", "chair", "representative", "referrer", "other_coordinator", "sysadmin")
EVERYONE = frozenset(ROLE_KEYS)
# Coordinators and administrators of the area they are working in (other_coordinator works in south-vale).
MANAGERS = frozenset({"admin", "coordinator", "other_coordinator", "sysadmin"})
NORTH_MANAGERS = frozenset({"admin", "coordinator", "sysadmin"})

PathOf = str | Callable[[World], str]

SignIn = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class PageRule:
    path: PathOf
    allowed: frozenset[str]
    hidden: frozenset[str] = frozenset()

    def url(self, world: World) -> str:
        return self.path if isinstance(self.path, str) else self.path(world)

    def expected(self, key: str) -> int:
        return 200 if key in self.allowed else 404 if key in self.hidden else 403


@dataclass(frozen=True)
class FormRule(PageRule):
    """A form post; success is a redirect (303) to the next page."""

    fields: Mapping[str, str | list[str]] = field(default_factory=dict)

    def expected(self, key: str) -> int:
        status = super().expected(key)
        return 303 if status == 200 else status


PAGES = [
    PageRule("/", EVERYONE),
    PageRule("/account/tokens", EVERYONE),
    PageRule("/agencies", MANAGERS),
    PageRule("/users", MANAGERS),
    PageRule(
        lambda w: f"/agencies/{w.police.id}/edit", NORTH_MANAGERS, hidden=frozenset({"other_coordinator"})
    ),
    PageRule(
        lambda w: f"/users/{w.users['referrer'].id}/edit",
        NORTH_MANAGERS,
        hidden=frozenset({"other_coordinator"}),
    ),
]

FORMS = [
    FormRule("/agencies", MANAGERS, fields={"name": "Riverside Housing", "kind": "housing"}),
    FormRule(
        "/users",
        MANAGERS,
        fields={"name": "Sam Newcomer", "email": "sam.newcomer@north.example", "roles": ["referrer"]},
    ),
    FormRule(
        lambda w: f"/users/{w.users['referrer'].id}/roles",
        NORTH_MANAGERS,
        hidden=frozenset({"other_coordinator"}),
        fields={"roles": ["referrer", "representative"]},
    ),
]

_NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def nav_links(html: str) -> dict[str, str]:
    found = _NAV.search(html)
    return {label: href for href, label in _LINK.findall(found.group(0))} if found else {}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_page_answers_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn, key: str
) -> None:
    await sign_in(key)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in PAGES}
    assert seen == {rule.url(world): rule.expected(key) for rule in PAGES}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_form_accepts_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn, key: str
) -> None:
    csrf = await sign_in(key)
    seen = {}
    for rule in FORMS:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in FORMS}


async def test_refusals_are_pages_saying_why(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    await sign_in("referrer")
    response = await client.get("/agencies")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "This page is for administrators and coordinators" in response.text
    assert "OFFICIAL-SENSITIVE" in response.text


async def test_anonymous_visitors_are_sent_to_login_and_back(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    for rule in PAGES:
        url = rule.url(world)
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        expected = "/login" if url == "/" else "/login?next=" + url.replace("/", "%2F")
        assert response.headers["location"] == expected


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_navigation_shows_only_pages_the_role_may_open(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn, key: str
) -> None:
    await sign_in(key)
    links = nav_links((await client.get("/")).text)
    assert ({"Agencies", "Users"} <= links.keys()) == (key in MANAGERS)
    for label, href in links.items():
        assert (await client.get(href)).status_code == 200, f"{key} is shown {label} but refused"
