"""JSON API for login, areas, agencies, users and personal tokens: parse → one service call → schema."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import Cookie
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import auth, schemas, services
from marac.access.guards import Actor
from marac.access.middleware import SESSION_COOKIE, client_address, forget_credentials
from marac.access.models import Agency, ApiToken, Area, User
from marac.clock import Clock
from marac.errors import NotAuthenticated
from marac.runtime import Runtime


def user_out(user: User) -> schemas.UserOut:
    return schemas.UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        agency_id=user.agency_id,
        active=user.active,
        is_system_admin=user.is_system_admin,
        roles=[schemas.MembershipOut(m.area_id, m.role) for m in user.memberships],
        version=user.version,
    )


def area_out(area: Area) -> schemas.AreaOut:
    return schemas.AreaOut(
        area.id, area.name, area.slug, area.timezone, area.jurisdiction, area.settings, area.version
    )


def agency_out(agency: Agency) -> schemas.AgencyOut:
    return schemas.AgencyOut(
        agency.id,
        agency.area_id,
        agency.name,
        agency.kind,
        agency.contact_email,
        agency.contact_user_id,
        agency.active,
        agency.version,
    )


def token_out(token: ApiToken) -> schemas.TokenOut:
    return schemas.TokenOut(
        token.id,
        token.name,
        token.prefix,
        token.created_at,
        token.expires_at,
        token.last_used_at,
        token.revoked_at,
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", opt={"public": True}, status_code=HTTP_200_OK)
    async def login(
        self, request: Request[Any, Any, Any], runtime: Runtime, data: schemas.LoginRequest
    ) -> Response[schemas.Me]:
        async with runtime.transaction() as session:
            outcome = await auth.login(
                session,
                runtime.clock,
                runtime.settings.security,
                data.email,
                data.password,
                client_address(request),
            )
        # Raised after commit, so the failure count and audit entry are kept.
        if outcome.error is not None:
            raise outcome.error
        assert outcome.user is not None
        assert outcome.login_session is not None
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=outcome.session_token,
            httponly=True,
            samesite="lax",
            secure=runtime.settings.secure_cookies,
            path="/",
            max_age=runtime.settings.security.session_max_hours * 3600,
        )
        me = schemas.Me(user_out(outcome.user), outcome.login_session.csrf_token)
        return Response(me, cookies=[cookie])

    @post("/logout", operation_id="logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(
        self, request: Request[Any, Any, Any], db: AsyncSession, clock: Clock, actor: Actor
    ) -> Response[None]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await auth.logout(db, clock, actor, token)
        forget_credentials(request)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", operation_id="me")
    async def me(self, request: Request[Any, Any, Any]) -> schemas.Me:
        credential = request.scope.get("auth")
        if not isinstance(credential, auth.Credential):
            raise NotAuthenticated("Log in or send a bearer token")
        csrf = credential.login_session.csrf_token if credential.login_session else None
        return schemas.Me(user_out(credential.user), csrf)


class AreaController(Controller):
    path = "/areas"
    tags = ["areas"]

    @get("/", operation_id="listAreas")
    async def list_areas(self, db: AsyncSession, actor: Actor) -> list[schemas.AreaOut]:
        return [area_out(a) for a in await services.list_areas(db, actor)]

    @post("/", operation_id="createArea")
    async def create_area(
        self, db: AsyncSession, clock: Clock, actor: Actor, data: schemas.AreaCreate
    ) -> schemas.AreaOut:
        return area_out(await services.create_area(db, clock, actor, data))

    @get("/{area_id:uuid}", operation_id="getArea")
    async def get_area(self, db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> schemas.AreaOut:
        return area_out(await services.get_area(db, actor, area_id))

    @patch("/{area_id:uuid}", operation_id="updateArea")
    async def update_area(
        self, db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.AreaUpdate
    ) -> schemas.AreaOut:
        return area_out(await services.update_area(db, clock, actor, area_id, data))

    @delete("/{area_id:uuid}", operation_id="deleteArea")
    async def delete_area(self, db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID) -> None:
        await services.delete_area(db, clock, actor, area_id)

    @get("/{area_id:uuid}/agencies", operation_id="listAgencies")
    async def list_agencies(
        self, db: AsyncSession, actor: Actor, area_id: uuid.UUID
    ) -> list[schemas.AgencyOut]:
        return [agency_out(a) for a in await services.list_agencies(db, actor, area_id)]

    @post("/{area_id:uuid}/agencies", operation_id="createAgency")
    async def create_agency(
        self, db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.AgencyCreate
    ) -> schemas.AgencyOut:
        return agency_out(await services.create_agency(db, clock, actor, area_id, data))

    @get("/{area_id:uuid}/users", operation_id="listUsers")
    async def list_users(self, db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[schemas.UserOut]:
        return [user_out(u) for u in await services.list_users(db, actor, area_id)]

    @post("/{area_id:uuid}/users", operation_id="createUser")
    async def create_user(
        self, db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.UserCreate
    ) -> schemas.UserOut:
        return user_out(await services.create_user(db, clock, actor, area_id, data))


class AgencyController(Controller):
    path = "/agencies"
    tags = ["agencies"]

    @get("/{agency_id:uuid}", operation_id="getAgency")
    async def get_agency(self, db: AsyncSession, actor: Actor, agency_id: uuid.UUID) -> schemas.AgencyOut:
        return agency_out(await services.get_agency(db, actor, agency_id))

    @patch("/{agency_id:uuid}", operation_id="updateAgency")
    async def update_agency(
        self, db: AsyncSession, clock: Clock, actor: Actor, agency_id: uuid.UUID, data: schemas.AgencyUpdate
    ) -> schemas.AgencyOut:
        return agency_out(await services.update_agency(db, clock, actor, agency_id, data))


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @get("/{user_id:uuid}", operation_id="getUser")
    async def get_user(self, db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> schemas.UserOut:
        return user_out(await services.get_user(db, actor, user_id))

    @patch("/{user_id:uuid}", operation_id="updateUser")
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        user_id: uuid.UUID,
        data: schemas.UserUpdate,
    ) -> schemas.UserOut:
        user = await services.update_user(db, clock, actor, user_id, data)
        forget_credentials(request)
        return user_out(user)

    @put("/{user_id:uuid}/roles/{area_id:uuid}", operation_id="setUserRoles")
    async def set_roles(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        user_id: uuid.UUID,
        area_id: uuid.UUID,
        data: schemas.RolesUpdate,
        request: Request[Any, Any, Any],
    ) -> schemas.UserOut:
        user = await services.set_roles(db, clock, actor, user_id, area_id, data.roles)
        forget_credentials(request)
        return user_out(user)


class TokenController(Controller):
    path = "/tokens"
    tags = ["tokens"]

    @get("/", operation_id="listTokens")
    async def list_tokens(self, db: AsyncSession, actor: Actor) -> list[schemas.TokenOut]:
        return [token_out(t) for t in await auth.list_tokens(db, actor)]

    @post("/", operation_id="createToken")
    async def create_token(
        self, db: AsyncSession, clock: Clock, actor: Actor, data: schemas.TokenCreate
    ) -> schemas.TokenCreated:
        token, secret = await auth.create_token(db, clock, actor, data.name, data.expires_at)
        return schemas.TokenCreated(token_out(token), secret)

    @delete("/{token_id:uuid}", operation_id="revokeToken")
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        token_id: uuid.UUID,
    ) -> None:
        await auth.revoke_token(db, clock, actor, token_id)
        forget_credentials(request)


ROUTE_HANDLERS = [AuthController, AreaController, AgencyController, UserController, TokenController]
