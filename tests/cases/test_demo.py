"""The demo's referral step: thirty referrals from five agencies, decided as a coordinator would."""

from __future__ import annotations

import sys
import types
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import marac.demo
from marac.access.models import Agency, AgencyKind
from marac.cases.demo import PERPETRATORS, VICTIMS
from marac.cases.models import MatchStatus, MatchSuggestion, Referral, ReferralStatus
from marac.demo import DemoContext, build_demo


async def test_the_demo_refers_thirty_cases_from_five_agencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    async def look(ctx: DemoContext) -> None:
        seen["shared"] = dict(ctx.shared)
        async with ctx.runtime.transaction() as session:
            seen["referrals"] = (await session.scalars(select(Referral))).all()
            seen["kinds"] = dict((await session.execute(select(Agency.id, Agency.kind))).all())
            seen["suggestions"] = Counter((await session.scalars(select(MatchSuggestion.status))).all())

    probe = types.ModuleType("cases_demo_probe")
    probe.play = look  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cases_demo_probe", probe)
    monkeypatch.setattr(marac.demo, "DEMO_STEPS", ("marac.cases.demo", "cases_demo_probe"))
    result = await build_demo(tmp_path / "demo", start=datetime(2026, 8, 3, 9, 0, tzinfo=UTC))

    referrals: list[Referral] = seen["referrals"]
    assert sorted(seen["shared"]["referrals"]) == sorted(r.id for r in referrals)
    assert len(referrals) == 30
    kinds = {seen["kinds"][r.referring_agency_id] for r in referrals}
    assert len(kinds) >= 5
    assert {AgencyKind.POLICE, AgencyKind.CHILDRENS_SOCIAL_CARE} <= kinds
    assert sum(r.is_repeat for r in referrals) >= 3
    assert sum(r.professional_judgement for r in referrals) >= 3
    returned = [r for r in referrals if r.status is ReferralStatus.RETURNED]
    assert len(returned) == 1
    assert not returned[0].eligible
    # Every eligible referral (and every one linked to a waiting referral) was accepted.
    assert all(r.status is ReferralStatus.ACCEPTED for r in referrals if r.eligible or r.linked_to_id)
    assert any(r.linked_to_id for r in referrals)
    assert seen["suggestions"] == {MatchStatus.CONFIRMED: 1, MatchStatus.PENDING: 1}
    assert seen["shared"]["excluded"]
    assert any(note.startswith("cases: 30 referrals from 5 agencies") for note in result.notes)
    # The demo's people are in its database only as ciphertext.
    raw = b"".join(p.read_bytes() for p in (tmp_path / "demo").glob("marac.db*"))
    for _, surname in VICTIMS + PERPETRATORS:
        assert surname.encode() not in raw
