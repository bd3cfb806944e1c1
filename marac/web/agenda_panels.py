"""Dashboard panels about agendas and research: what is missing, what is mine to do, what to review.

Research counts come from :func:`marac.agenda.research.research_progress`, which shares its reading with
the pages' overview, so a panel and its page never disagree; counts show no case, so they are not audited.
"""

from __future__ import annotations

from marac.agenda import conferences, research
from marac.web.agenda_views import ConferenceHead, next_open_conference, upcoming_conferences
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow


async def research_panel(request: PanelRequest) -> PanelContent:
    """Coordinators: research responses still missing for the next published agenda."""
    db, clock, actor = request.db, request.clock, request.actor
    conference = await next_open_conference(db, clock, actor, request.area_id, published_only=True)
    if conference is None:
        return PanelContent(headline="No published agenda to research yet.")
    head = ConferenceHead.of(conference)
    overview = await research.research_progress(db, actor, conference.id)
    missing = sum(p.outstanding for p in overview.progress)
    href = f"/conferences/{conference.id}/agenda#research"
    if not missing:
        return PanelContent(
            headline=f"Every agency has answered for {head.day}.",
            more_label="Open the agenda",
            more_href=href,
        )
    cases = overview.cases
    rows = [
        PanelRow(p.agency, href, f"{p.outstanding} of {cases} cases not started")
        for p in overview.progress
        if p.outstanding
    ]
    noun = "response" if missing == 1 else "responses"
    return PanelContent(
        headline=f"{missing} research {noun} missing for {head.day}",
        rows=rows,
        more_label="Open the agenda",
        more_href=href,
    )


async def to_research_panel(request: PanelRequest) -> PanelContent:
    """Representatives: listed cases my agency has not yet answered on."""
    db, clock, actor = request.db, request.clock, request.actor
    if actor.agency_id is None:
        return PanelContent(headline="You are not linked to an agency.")
    found = await upcoming_conferences(db, clock, actor, request.area_id, published_only=True)
    rows = []
    total = 0
    for conference in found:
        overview = await research.research_progress(db, actor, conference.id)
        todo = sum(p.outstanding for p in overview.progress if p.agency_id == actor.agency_id)
        total += todo
        rows.append(
            PanelRow(
                ConferenceHead.of(conference).day,
                f"/cases#conference-{conference.id}",
                f"{todo} of {overview.cases} cases not started",
            )
        )
    if not rows:
        return PanelContent(headline="No published case list for your agency yet.")
    noun = "case" if total == 1 else "cases"
    return PanelContent(
        headline=f"{total} {noun} to research", rows=rows, more_label="Open the case list", more_href="/cases"
    )


async def agenda_review_panel(request: PanelRequest) -> PanelContent:
    """Chairs: the next conference's agenda, and whether it is published."""
    db, clock, actor = request.db, request.clock, request.actor
    conference = await next_open_conference(db, clock, actor, request.area_id)
    if conference is None:
        return PanelContent(headline="No conference is coming up.")
    head = ConferenceHead.of(conference)
    summary = await conferences.conference_summary(db, conference)
    state = f"published, version {head.agenda_version}" if head.agenda_version else "draft"
    cases = "case" if summary.cases_listed == 1 else "cases"
    return PanelContent(
        headline=f"{head.day}: {summary.cases_listed} {cases} listed ({state})",
        more_label="Review the agenda",
        more_href="/agenda/review",
    )
