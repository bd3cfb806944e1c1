"""Extra people for the referral tests, on top of the shared ``world``."""

from __future__ import annotations

import pytest

from marac.access.models import Role
from marac.runtime import Runtime
from tests.factories import World, make_user


@pytest.fixture
async def people(runtime: Runtime, world: World) -> World:
    """``world`` plus a children's-services referrer, a police representative and a referrer of the
    other area (keys "csc_referrer", "police_rep", "other_referrer")."""
    extra = {
        "csc_referrer": (world.area, "csc.referrer@north.example", [Role.REFERRER], world.social_care),
        "police_rep": (world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police),
        "other_referrer": (world.other_area, "referrer@south.example", [Role.REFERRER], world.other_police),
    }
    for key, (area, email, roles, agency) in extra.items():
        world.users[key], world.tokens[key] = await make_user(runtime, area, email, roles, agency)
    return world
