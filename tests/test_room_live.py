"""Live delivery of requests, announcements and the spotlight: the right audiences, text escaped."""

from __future__ import annotations

from typing import Any

from tests.conftest import Join, oob_ids, soup
from tests.helpers import REQUESTS_PHASE, act, ask, only_request, start_phase

MARKUP = 'Batteri <b>nu</b> <img src=x onerror="alert(1)">'


def test_a_request_reaches_its_team_the_experts_the_facilitators_and_the_wall_only(
    join: Join, race: dict[str, Any], db: Any
) -> None:
    slug = race["slug"]
    facilitator = start_phase(join, race, REQUESTS_PHASE)
    member, other = join("participant", "Alva", team=0), join("participant", "Cia", team=1)
    expert, wall = join("expert", "Ebba"), join("wall", "")
    with (
        member.live() as s_member,
        other.live() as s_other,
        expert.live() as s_expert,
        facilitator.live() as s_fac,
        wall.live() as s_wall,
    ):
        for socket in (s_member, s_other, s_expert, s_fac, s_wall):
            socket.receive_text()  # snapshot
        assert ask(member, slug, MARKUP, tag_more="<i>kemi</i>").status_code == 201
        for socket, region in (
            (s_member, "team-requests"),
            (s_expert, "requests"),
            (s_fac, "fac-queue"),
            (s_wall, "wall-queue"),
        ):
            frame = socket.receive_text()
            assert region in oob_ids(frame)
            page = soup(frame)
            assert page.find("b") is None and page.find("img") is None and page.find("i") is None
            if region != "wall-queue":  # the wall shows teams and tags, not questions
                assert MARKUP in page.get_text()
            assert "&lt;i&gt;kemi&lt;/i&gt;" in frame
        # The other team's next frame is the announcement everyone gets, not the request.
        assert facilitator.htmx(f"/r/{slug}/announcements", {"body": "Fika!", "key": ""}).status_code == 201
        frame = s_other.receive_text()
        assert oob_ids(frame) == {"announcement"}
        assert "Batteri" not in frame


def test_a_claim_reaches_the_claiming_expert_and_the_team(join: Join, race: dict[str, Any], db: Any) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    member = join("participant", "Alva", team=0)
    ebba, erik = join("expert", "Ebba"), join("expert", "Erik")
    ask(member, slug, "Vilken cellkemi?")
    request_id = only_request(db).id
    with member.live() as s_member, ebba.live() as s_ebba, erik.live() as s_erik:
        for socket in (s_member, s_ebba, s_erik):
            socket.receive_text()
        assert act(ebba, slug, request_id, "claim").status_code == 200
        mine = s_ebba.receive_text()
        assert oob_ids(mine) == {"requests", "my-requests"}
        assert soup(mine).select_one(f"#my-requests #mine-{request_id}") is not None
        assert soup(mine).select_one("#requests li") is None  # no longer open
        theirs = s_erik.receive_text()
        assert oob_ids(theirs) == {"requests"}
        team = soup(s_member.receive_text())
        status = team.select_one(f"#team-request-{request_id} .request-status").get_text()
        assert "Ebba is on the way" in status


def test_an_announcement_reaches_every_screen_as_text(join: Join, race: dict[str, Any]) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    screens = [
        join("participant", "Alva", team=0),
        join("participant", "Ny"),
        join("expert"),
        join("jury"),
        join("wall", ""),
    ]
    sockets = [person.live() for person in (*screens, facilitator)]
    entered = [socket.__enter__() for socket in sockets]
    try:
        for socket in entered:
            socket.receive_text()
        answer = facilitator.htmx(f"/r/{slug}/announcements", {"body": MARKUP, "key": "a-1"})
        assert answer.status_code == 201
        assert soup(answer.text).select_one("#announce-body").text == ""
        for socket in entered:
            frame = socket.receive_text()
            assert oob_ids(frame) == {"announcement"}
            page = soup(frame)
            assert page.select_one(".announce-body").get_text() == MARKUP
            assert page.find("img") is None
    finally:
        for socket in reversed(sockets):
            socket.__exit__(None, None, None)
    # The page has it too, inside a region screen readers announce.
    page = screens[0].page()
    assert page.select_one("[aria-live] #announcement .announce-body").get_text() == MARKUP


def test_only_a_facilitator_announces_and_empty_is_refused(join: Join, race: dict[str, Any]) -> None:
    slug = race["slug"]
    assert join("participant", team=0).htmx(f"/r/{slug}/announcements", {"body": "Hej"}).status_code == 403
    refused = join("facilitator").htmx(f"/r/{slug}/announcements", {"body": "  ", "key": ""})
    assert refused.status_code == 422
    assert soup(refused.text).select_one("#announce-error[role=alert]") is not None
    too_long = join("facilitator", "F2").htmx(f"/r/{slug}/announcements", {"body": "x" * 2001})
    assert too_long.status_code == 422


def test_the_spotlight_reaches_the_wall_and_the_facilitators_and_clears(
    join: Join, race: dict[str, Any]
) -> None:
    slug = race["slug"]
    member = join("participant", "Alva", team=0)
    card = {"title": MARKUP, "body": "Lång text", "column": "idea", "key": "c1"}
    assert member.htmx(f"/r/{slug}/cards", card).status_code == 201
    facilitator, wall = join("facilitator", "Fia"), join("wall", "")
    card_id = facilitator.page().select_one("#feed li")["id"].removeprefix("feed-")
    assert member.htmx(f"/r/{slug}/spotlight", {"card": card_id}).status_code == 403
    with facilitator.live() as s_fac, wall.live() as s_wall, member.live() as s_member:
        for socket in (s_fac, s_wall, s_member):
            socket.receive_text()
        assert facilitator.htmx(f"/r/{slug}/spotlight", {"card": card_id}).status_code == 200
        frame = soup(s_wall.receive_text())
        assert frame.select_one("#wall-spotlight .spot-title").get_text() == MARKUP
        assert frame.find("img") is None
        assert oob_ids(s_fac.receive_text()) == {"spotlight"}
        assert facilitator.htmx(f"/r/{slug}/spotlight/clear").status_code == 200
        assert soup(s_wall.receive_text()).select_one("#wall-spotlight .spot-card") is None
        assert oob_ids(s_fac.receive_text()) == {"spotlight"}
        # The participant's next frame is the announcement, not the spotlight.
        facilitator.htmx(f"/r/{slug}/announcements", {"body": "Hej", "key": ""})
        assert oob_ids(s_member.receive_text()) == {"announcement"}
    assert facilitator.htmx(f"/r/{slug}/spotlight", {"card": "999999"}).status_code == 404


def test_an_assignment_moves_the_request_between_experts(join: Join, race: dict[str, Any], db: Any) -> None:
    slug = race["slug"]
    facilitator = start_phase(join, race, REQUESTS_PHASE)
    ask(join("participant", "Alva", team=0), slug, "Patent eller inte?")
    request_id = only_request(db).id
    ebba, erik = join("expert", "Ebba"), join("expert", "Erik")
    act(ebba, slug, request_id, "claim")
    erik_id = next(
        option["value"]
        for option in facilitator.page().select(f"#assign-{request_id} option")
        if option.get_text().startswith("Erik")
    )
    with ebba.live() as s_ebba, erik.live() as s_erik, facilitator.live() as s_fac:
        for socket in (s_ebba, s_erik, s_fac):
            socket.receive_text()
        assert act(facilitator, slug, request_id, "assign", expert=erik_id).status_code == 200
        assert soup(s_ebba.receive_text()).select_one(f"#mine-{request_id}") is None
        assert soup(s_erik.receive_text()).select_one(f"#mine-{request_id}") is not None
        queue = soup(s_fac.receive_text())
        assert "Erik" in queue.select_one(f"#fac-request-{request_id} .meta").get_text()


def test_names_inside_translated_sentences_stay_text(join: Join, race: dict[str, Any], db: Any) -> None:
    slug = race["slug"]
    start_phase(join, race, REQUESTS_PHASE)
    member = join("participant", "Alva", team=0)
    expert = join("expert", '<b onclick="x()">Ebba</b>')
    ask(member, slug, "Fråga")
    request_id = only_request(db).id
    with member.live() as socket:
        socket.receive_text()
        act(expert, slug, request_id, "claim")
        frame = socket.receive_text()
    status = soup(frame).select_one(f"#team-request-{request_id} .request-status")
    assert status.find("b") is None
    assert '<b onclick="x()">Ebba</b> is on the way' in status.get_text()


def test_a_team_learns_when_it_may_call_an_expert(join: Join, race: dict[str, Any]) -> None:
    member = join("participant", "Alva", team=0)
    facilitator = join("facilitator", "Fia")
    closed = "Experts can be called during the phases that take requests."
    assert closed in member.page().select_one("#team-requests").get_text()
    with member.live() as socket:
        socket.receive_text()
        facilitator.htmx(f"/r/{race['slug']}/phases/{race['phases'][REQUESTS_PHASE]['id']}/start")
        frame = soup(socket.receive_text())
    assert closed not in frame.select_one("#team-requests").get_text()
