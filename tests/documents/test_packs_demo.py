"""The demo's document step writes what people would receive to OUT/docs, named without case details."""

from __future__ import annotations

from pathlib import Path

from marac.access.guards import Actor
from marac.agenda.packs_demo import play
from marac.clock import FixedClock
from marac.demo import DemoContext
from marac.runtime import Runtime
from tests.documents.pack_builders import PackWorld, build_pack_world
from tests.documents.reading import body_text, open_docx
from tests.documents.test_meeting_documents import hold_meeting


def context(runtime: Runtime, clock: FixedClock, world: PackWorld, out: Path) -> DemoContext:
    return DemoContext(
        runtime=runtime,
        clock=clock,
        area=world.area,
        agencies={agency.kind: agency for agency in world.agencies.values()},
        users=world.users,
        out_dir=out,
        system=Actor.system("demo"),
    )


async def test_before_the_meeting_it_issues_the_packs_and_writes_them_with_the_agenda(
    runtime: Runtime, clock: FixedClock, tmp_path: Path
) -> None:
    world = await build_pack_world(runtime)
    ctx = context(runtime, clock, world, tmp_path)

    await play(ctx)

    names = sorted(path.name for path in (tmp_path / "docs").iterdir())
    packs = [name for name in names if name.startswith("marac-pack-2026-12-08-")]
    assert len(packs) == 5
    assert sum("-north-police-" in name for name in packs) == 2
    assert "marac-agenda-2026-12-08-v1.docx" in names
    assert clock.now() == world.conference.packs_at
    assert not [name for name in names for reference in world.references.values() if reference in name]
    police = [name for name in packs if "-north-police-" in name]
    with_a = [
        name
        for name in police
        if world.references["A"] in body_text(open_docx((tmp_path / "docs" / name).read_bytes()))
    ]
    assert len(with_a) == 1  # one police representative must not receive case A
    assert any("no meeting has been held" in note for note in ctx.notes)


async def test_after_the_meeting_it_writes_the_minutes_and_the_action_log(
    runtime: Runtime, clock: FixedClock, tmp_path: Path
) -> None:
    world = await build_pack_world(runtime)
    clock.set(world.conference.packs_at)
    ctx = context(runtime, clock, world, tmp_path)
    await play(ctx)
    await hold_meeting(runtime, clock, world)

    await play(ctx)

    names = sorted(path.name for path in (tmp_path / "docs").iterdir())
    assert [n for n in names if n.startswith("marac-minutes-2026-12-08-MIN-20261208-")]
    logs = [n for n in names if n.startswith("marac-action-log-2026-12-08-LOG-20261208-")]
    assert sorted(name.rsplit(".", 1)[1] for name in logs) == ["docx", "xlsx"]
