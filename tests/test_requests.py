"""Expert requests: asked only while the phase takes them, claimed by one expert, rated by the team."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import col, select

from app.db import Database
from app.errors import Conflict
from app.models import Event, ExpertRequest, Person, PersonSession
from app.services import experts, requests
from app.services.people import Viewer
from app.services.people import viewer as viewer_of
from tests.conftest import Join, soup
from tests.helpers import KICK_OFF, REQUESTS_PHASE, act, ask, only_request, start_phase


def expert_viewers(db: Database) -> list[Viewer]:
    """Return the experts as the services see them, to drive the services from threads."""
    with db.read() as session:
        tokens = session.exec(
            select(PersonSession.token)
            .join(Person, col(Person.id) == PersonSession.person_id)
            .where(Person.role == "expert")
        ).all()
    found = [viewer_of(db, token) for token in tokens]
    return [viewer for viewer in found if viewer is not None]


def test_a_request_outside_requests_open_is_refused_and_changes_nothing(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    start_phase(join, race, KICK_OFF)
    member = join("participant", team=0)
    answer = ask(member, race["slug"])
    assert answer.status_code == 409
    assert "while the phase takes requests" in soup(answer.text).select_one("#request-error").text
    with db.read() as session:
        assert session.exec(select(ExpertRequest)).all() == []
        assert session.exec(select(Event).where(Event.kind == "request.opened")).all() == []


def test_no_request_before_the_race_starts(join: Join, race: dict[str, Any]) -> None:
    assert ask(join("participant", team=0), race["slug"]).status_code == 409


def test_a_request_is_opened_once_per_key_with_clean_tags(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    start_phase(join, race, REQUESTS_PHASE)
    member = join("participant", team=0)
    fields = {"tag": ["Energy", "Design"], "tag_more": " batterier ,energy,  Regelverk  ", "key": "k1"}
    first = ask(member, race["slug"], **fields)
    again = ask(member, race["slug"], **fields)
    assert (first.status_code, again.status_code) == (201, 201)
    request = only_request(db)
    assert request.tags == ["energy", "design", "batterier", "Regelverk"]
    assert request.status == "open" and request.team_id == race["teams"][0]["id"]
    form = soup(first.text).select_one("#request-form")
    assert form.select_one("textarea").text == "" and form.select_one("[name=key]")["value"] != "k1"


@pytest.mark.parametrize(
    ("fields", "status"),
    [({"question": ""}, 422), ({"question": "x" * 2001}, 422), ({"tag_more": "y" * 41}, 422)],
)
def test_bad_requests_are_refused_with_the_form_kept(
    join: Join, race: dict[str, Any], db: Database, fields: dict[str, str], status: int
) -> None:
    start_phase(join, race, REQUESTS_PHASE)
    answer = ask(join("participant", team=0), race["slug"], **{"question": "Fråga", **fields})
    assert answer.status_code == status
    assert soup(answer.text).select_one("#request-error[role=alert]") is not None
    with db.read() as session:
        assert session.exec(select(ExpertRequest)).all() == []


def test_two_concurrent_claims_exactly_one_wins(join: Join, race: dict[str, Any], db: Database) -> None:
    start_phase(join, race, REQUESTS_PHASE)
    ask(join("participant", team=0), race["slug"])
    request_id = only_request(db).id
    assert request_id is not None
    for name in ("Ebba", "Erik", "Elin", "Emil"):
        join("expert", name)
    viewers = expert_viewers(db)
    barrier = threading.Barrier(len(viewers))
    outcomes: list[str] = []

    def claim(who: Viewer) -> None:
        barrier.wait()
        try:
            requests.claim(db, who, request_id)
            outcomes.append("won")
        except Conflict:
            outcomes.append("lost")

    threads = [threading.Thread(target=claim, args=(who,)) for who in viewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    with db.read() as session:
        claimed = session.exec(select(Event).where(Event.kind == "request.claimed")).all()
    assert len(claimed) == 1
    assert only_request(db).claimed_by == claimed[0].person_id


def test_the_expert_who_loses_a_claim_is_told(join: Join, race: dict[str, Any], db: Database) -> None:
    start_phase(join, race, REQUESTS_PHASE)
    ask(join("participant", team=0), race["slug"])
    request_id = only_request(db).id
    first, second = join("expert", "Ebba"), join("expert", "Erik")
    assert act(first, race["slug"], request_id, "claim").status_code == 200
    lost = act(second, race["slug"], request_id, "claim")
    assert lost.status_code == 409
    assert "already claimed" in soup(lost.text).select_one("[role=alert]").text


def test_ratings_only_by_the_team_only_1_to_5_only_after_resolution(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    member, mate, other = (
        join("participant", "Alva", team=0),
        join("participant", "Bo", team=0),
        join("participant", "Cia", team=1),
    )
    expert = join("expert", "Ebba")
    ask(member, slug)
    request_id = only_request(db).id
    assert act(member, slug, request_id, "rate", rating="5").status_code == 409  # still open
    assert act(expert, slug, request_id, "claim").status_code == 200
    assert act(expert, slug, request_id, "note", note="Kolla IEC 62619").status_code == 200
    assert act(member, slug, request_id, "rate", rating="5").status_code == 409  # claimed, not resolved
    assert act(expert, slug, request_id, "resolve").status_code == 200
    assert act(other, slug, request_id, "rate", rating="5").status_code == 403
    assert act(expert, slug, request_id, "rate", rating="5").status_code == 403
    for bad in ("0", "6", "fem", ""):
        assert act(mate, slug, request_id, "rate", rating=bad).status_code == 422
    assert only_request(db).rating is None
    assert act(mate, slug, request_id, "rate", rating="4", word="Klockrent").status_code == 200
    assert act(member, slug, request_id, "rate", rating="1").status_code == 409  # once per request
    done = only_request(db)
    assert (done.status, done.rating, done.rating_word, done.note) == (
        "resolved",
        4,
        "Klockrent",
        "Kolla IEC 62619",
    )
    assert (
        done.claimed_ms is not None and done.resolved_ms is not None and done.resolved_ms >= done.claimed_ms
    )


def test_only_the_claiming_expert_notes_and_resolves(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    ask(join("participant", team=0), slug)
    request_id = only_request(db).id
    mine, other = join("expert", "Ebba"), join("expert", "Erik")
    act(mine, slug, request_id, "claim")
    assert act(other, slug, request_id, "resolve").status_code == 403
    assert act(other, slug, request_id, "note", note="x").status_code == 403
    assert only_request(db).status == "claimed"


def test_the_team_cancels_and_nobody_can_claim_after(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    member = join("participant", team=0)
    ask(member, slug)
    request_id = only_request(db).id
    assert act(join("participant", "Cia", team=1), slug, request_id, "cancel").status_code == 403
    assert act(member, slug, request_id, "cancel").status_code == 200
    assert act(join("expert", "Ebba"), slug, request_id, "claim").status_code == 409
    assert only_request(db).status == "cancelled"


def test_the_facilitator_assigns_an_expert(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    facilitator = start_phase(join, race, REQUESTS_PHASE)
    ask(join("participant", team=0), slug)
    request_id = only_request(db).id
    join("expert", "Ebba")
    with db.read() as session:
        expert_id = session.exec(select(Person).where(Person.role == "expert")).one().id
        member_id = session.exec(select(Person).where(Person.role == "participant")).one().id
    assert act(facilitator, slug, request_id, "assign", expert=str(member_id)).status_code == 404
    assert act(join("expert", "Erik"), slug, request_id, "assign", expert=str(expert_id)).status_code == 403
    assert act(facilitator, slug, request_id, "assign", expert=str(expert_id)).status_code == 200
    assigned = only_request(db)
    assert (assigned.status, assigned.claimed_by) == ("claimed", expert_id)


def test_matching_requests_come_first_and_are_marked(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    member = join("participant", team=0)
    ask(member, slug, "Juridik kring data?", tag_more="Law")
    ask(member, slug, "Vilket batteri?", tag_more="energy, Materials")
    ask(member, slug, "Hur prissätter vi?", tag_more="Market")
    expert = join("expert", "Ebba")
    saved = expert.post(
        f"/r/{slug}/profile",
        {"background": "research", "competence": ["Energy"], "competence_more": "market"},
    )
    assert saved.status_code == 303
    items = expert.page().select("#requests li")
    assert [li.select_one(".question").text for li in items] == [
        "Vilket batteri?",
        "Hur prissätter vi?",
        "Juridik kring data?",
    ]
    assert [li.select_one(".match-badge") is not None for li in items] == [True, True, False]
    (ebba,) = expert_viewers(db)
    with db.read() as session:
        queue = experts.queue(session, ebba.race_id, ebba.person_id)
    assert [view.matching for view in queue] == [("energy",), ("market",), ()]


def test_the_median_wait_counts_open_requests_as_waiting_until_now(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    join("participant", team=0)
    minute = 60_000
    now = 100 * minute
    with db.write() as session:
        asker = session.exec(select(Person)).one()
        # (created, claimed, status): waits of 2, 4 and (still open) 10 minutes; the cancelled one is left out
        rows = [
            (10 * minute, 12 * minute, "resolved"),
            (20 * minute, 24 * minute, "claimed"),
            (90 * minute, None, "open"),
            (0, None, "cancelled"),
        ]
        for created, claimed, status in rows:
            session.add(
                ExpertRequest(
                    race_id=asker.race_id,
                    team_id=asker.team_id or 0,
                    asked_by=asker.id or 0,
                    question="?",
                    status=status,
                    created_ms=created,
                    claimed_ms=claimed,
                )
            )
    with db.read() as session:
        assert experts.median_wait_ms(session, asker.race_id, now=now) == 4 * minute
        assert experts.median_wait_ms(session, asker.race_id + 1, now=now) is None
