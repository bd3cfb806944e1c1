"""Forms and errors as a person sees them: messages next to fields, pages instead of JSON, safe redirects."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import unescape

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access import schemas
from marac.access.models import AgencyKind
from marac.errors import InvalidInput
from marac.web.forms import FormInput, explain
from marac.web.shell import safe_next
from tests.factories import World

SignIn = Callable[[str], Awaitable[str]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/agencies", "/agencies"),
        ("/users/1/edit?tab=roles", "/users/1/edit?tab=roles"),
        ("", "/"),
        ("agencies", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/redirect?to=https://evil.example", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
    ],
)
def test_only_local_paths_are_followed_after_login(value: str, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "", "kind": "police"}, "name", "Enter a value"),
        ({"kind": "police"}, "name", "Enter a value"),
        ({"name": "X" * 161, "kind": "police"}, "name", "Use at most 160 characters"),
        ({"name": "Northgate", "kind": "bakery"}, "kind", "Choose the kind of agency"),
        (
            {"name": "Northgate", "kind": "police", "contact_email": "not-an-email"},
            "contact_email",
            "Enter an email",
        ),
    ],
)
def test_bad_values_name_their_field_in_plain_words(values: dict[str, str], field: str, message: str) -> None:
    hints = {"contact_email": "Enter an email address", "kind": "Choose the kind of agency"}
    with pytest.raises(InvalidInput) as raised:
        FormInput(dict(values)).parse(schemas.AgencyCreate, hints=hints)
    assert [(p.field, p.message[: len(message)]) for p in raised.value.errors] == [(field, message)]


def test_checkboxes_blanks_and_lists_become_the_schema_values() -> None:
    created = FormInput(
        {"name": "Sam", "email": "sam@north.example", "agency_id": "", "roles": ["chair"]}
    ).parse(schemas.UserCreate)
    assert created.agency_id is None
    assert created.roles == ["chair"]
    updated = FormInput({"version": "3", "name": "Northgate", "contact_email": ""}).parse(
        schemas.AgencyUpdate
    )
    assert (updated.version, updated.active, updated.contact_email) == (3, False, None)
    assert updated.kind is msgspec.UNSET
    kept = FormInput({"version": "2", "password": ""}).parse(
        schemas.UserUpdate, blank_means_unchanged=["password"]
    )
    assert kept.password is msgspec.UNSET


def test_unknown_messages_pass_through_unchanged() -> None:
    assert explain("Expected `bool`, got `str` - at `$.active`", {}) == (
        "active",
        "Expected `bool`, got `str`",
    )


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', html, re.S)
    return html_text(found.group(1)) if found else ""


def html_text(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


async def test_a_bad_email_is_shown_next_to_its_field_with_the_values_kept(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("coordinator")
    response = await client.post(
        "/agencies",
        data={"_csrf": csrf, "name": "Riverside Housing", "kind": "housing", "contact_email": "riverside"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert _field_error(response.text, "contact_email").startswith("Error: Enter an email address")
    assert 'value="Riverside Housing"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "North Police" in response.text  # the list is still there around the form


async def test_a_duplicate_is_refused_on_the_form_and_nothing_is_saved(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("coordinator")
    response = await client.post("/agencies", data={"_csrf": csrf, "name": "North Police", "kind": "police"})
    assert response.status_code == 409
    assert (
        _field_error(response.text, "name") == "Error: This area already has an agency called 'North Police'"
    )
    listing = await client.get("/agencies")
    assert listing.text.count("<td>North Police</td>") == 1


async def test_a_form_without_the_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    await sign_in("coordinator")
    response = await client.post("/agencies", data={"name": "Riverside Housing", "kind": AgencyKind.HOUSING})
    assert response.status_code == 403
    assert "Missing or wrong CSRF token" in response.text
    assert "Riverside Housing" not in (await client.get("/agencies")).text


async def test_pages_show_errors_as_pages_while_the_api_keeps_problem_json(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    await sign_in("coordinator")
    missing = f"/agencies/{world.other_police.id}/edit"
    page = await client.get(missing)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = await client.get(f"/api/v1/agencies/{world.other_police.id}")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_pages_are_not_cached_or_framed(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    await sign_in("coordinator")
    response = await client.get("/agencies")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
