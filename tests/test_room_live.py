"""Live delivery of requests, announcements and the spotlight: the right audiences, text escaped."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.models import Race, Team
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
            # The facilitators' frame also carries the history of announcements.
            assert oob_ids(frame) - {"announcements"} == {"announcement"}
            page = soup(frame)
            assert page.select_one(".announce-body").get_text() == MARKUP
            assert page.find("img") is None
    finally:
        for socket in reversed(sockets):
            socket.__exit__(None, None, None)
    # The page has it too, inside a region screen readers announce.
    page = screens[0].page()
    assert page.select_one("[aria-live] #announcement .announce-body").get_text() == MARKUP


def test_an_announcement_is_cleared_from_every_screen_and_kept_in_the_history(
    join: Join, race: dict[str, Any]
) -> None:
    slug = race["slug"]
    facilitator, other = join("facilitator", "Fia"), join("facilitator", "Frans")
    facilitator.htmx(f"/r/{slug}/announcements", {"body": "Fika kl 15", "key": "a-1"})
    facilitator.htmx(f"/r/{slug}/announcements", {"body": MARKUP, "key": "a-2"})
    history = facilitator.page().select("#announcements li")
    assert [item.select_one(".announce-body").get_text() for item in history] == [MARKUP, "Fika kl 15"]
    shown, older = (int(item["id"].removeprefix("announcement-")) for item in history)
    assert history[0].select_one("input[name=announcement]")["value"] == str(shown)
    assert len(facilitator.page().select("#announcements form")) == 1
    screens = [join("participant", "Alva", team=0), join("wall", ""), join("expert"), other]
    sockets = [person.live() for person in screens]
    entered = [socket.__enter__() for socket in sockets]
    try:
        for socket in entered:
            socket.receive_text()
        assert (
            join("participant", "Bo", team=0)
            .htmx(f"/r/{slug}/announcements/clear", {"announcement": shown})
            .status_code
            == 403
        )
        assert facilitator.htmx(f"/r/{slug}/announcements/clear", {"announcement": older}).status_code == 409
        assert facilitator.htmx(f"/r/{slug}/announcements/clear", {"announcement": shown}).status_code == 200
        for socket in entered:
            page = soup(socket.receive_text())
            assert page.select_one("#announcement .announce-body") is None
        assert other.htmx(f"/r/{slug}/announcements/clear", {"announcement": shown}).status_code == 409
    finally:
        for socket in reversed(sockets):
            socket.__exit__(None, None, None)
    assert screens[0].page().select_one("#announcement .announce-body") is None
    history = facilitator.page().select("#announcements li")
    assert len(history) == 2 and "cleared" in history[0].select_one(".meta").get_text()
    assert facilitator.page().select_one("#announcements form") is None


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


def test_the_spotlight_follows_its_card_s_edits_and_removal(
    join: Join, race: dict[str, Any], db: Any
) -> None:
    slug = race["slug"]
    member = join("participant", "Alva", team=0)
    posted = member.htmx(f"/r/{slug}/cards", {"title": "Skruv", "column": "idea", "key": "c1"})
    card_id = int(posted.headers["location"].rsplit("/", 1)[1])
    facilitator, wall = join("facilitator", "Fia"), join("wall", "")
    facilitator.htmx(f"/r/{slug}/spotlight", {"card": card_id})
    with facilitator.live() as s_fac, wall.live() as s_wall:
        for socket in (s_fac, s_wall):
            socket.receive_text()
        member.htmx(f"/r/{slug}/cards/{card_id}/edit", {"title": MARKUP, "body": "Ny text", "rev": "1"})
        frame = soup(s_wall.receive_text())
        assert frame.select_one("#wall-spotlight .spot-title").get_text() == MARKUP
        assert frame.select_one("#wall-spotlight .spot-body").get_text() == "Ny text"
        assert frame.find("img") is None
        control = soup(s_fac.receive_text())
        assert MARKUP in control.select_one("#spotlight").get_text()
        member.htmx(f"/r/{slug}/cards/{card_id}/move", {"column": "market"})
        assert (
            "Market potential"
            in soup(s_wall.receive_text()).select_one("#wall-spotlight .spot-team").get_text()
        )
        s_fac.receive_text()
        member.htmx(f"/r/{slug}/cards/{card_id}/remove", {})
        assert soup(s_wall.receive_text()).select_one("#wall-spotlight .spot-card") is None
        assert soup(s_fac.receive_text()).select_one("#spotlight .empty") is not None
    with db.read() as session:
        assert session.exec(select(Race.spotlight_card_id)).one() is None


def test_resolving_keeps_the_typed_note_and_it_reaches_the_team_review_and_report(
    join: Join, race: dict[str, Any], db: Any
) -> None:
    slug = race["slug"]
    facilitator = start_phase(join, race, REQUESTS_PHASE)
    member, ebba = join("participant", "Alva", team=0), join("expert", "Ebba")
    ask(member, slug, "Vilken cellkemi?")
    request_id = only_request(db).id
    act(ebba, slug, request_id, "claim")
    form = soup(ebba.client.get(f"/r/{slug}").text).select_one(f"#mine-{request_id} form.note-form")
    # One form: the note's textarea and both buttons, "Resolved" posting the form with the note.
    assert form.select_one("textarea[name=note]") is not None
    assert form["action"] == f"/r/{slug}/requests/{request_id}/resolve"
    assert [button.get("hx-post") for button in form.select("button")] == [
        f"/r/{slug}/requests/{request_id}/note",
        f"/r/{slug}/requests/{request_id}/resolve",
    ]
    with member.live() as s_member:
        s_member.receive_text()
        # Typed and "Resolved" pressed, never "Save note".
        assert act(ebba, slug, request_id, "resolve", note=MARKUP).status_code == 200
        team = soup(s_member.receive_text())
    request = only_request(db)
    assert (request.status, request.note) == ("resolved", MARKUP)
    shown = team.select_one(f"#team-request-{request_id} .expert-note")
    assert shown is not None and MARKUP in shown.get_text() and "Ebba" in shown.get_text()
    assert team.find("b") is None and team.find("img") is None
    assert MARKUP in member.page().select_one(f"#team-request-{request_id} .expert-note").get_text()
    review = soup(facilitator.client.get(f"/r/{slug}/review").text)
    assert review.select_one(f"#request-{request_id} .request-note").get_text() == MARKUP
    report = facilitator.client.get(f"/r/{slug}/review/report?format=md").text
    assert "Batteri \\<b\\>nu\\</b\\>" in report


def test_a_team_says_where_it_sits_and_the_claiming_expert_and_facilitators_see_it(
    join: Join, race: dict[str, Any], db: Any
) -> None:
    slug = race["slug"]
    facilitator = start_phase(join, race, REQUESTS_PHASE)
    team_a, team_b = (team["id"] for team in race["teams"])
    member, other, ebba = (
        join("participant", "Alva", team=0),
        join("participant", "Bo", team=1),
        join("expert"),
    )
    ask(member, slug, "Vilken cellkemi?")
    request_id = only_request(db).id
    act(ebba, slug, request_id, "claim")
    place = "Bord 7 <b>vid</b> fönstret"
    with member.live() as s_member, ebba.live() as s_ebba, facilitator.live() as s_fac:
        for socket in (s_member, s_ebba, s_fac):
            socket.receive_text()
        answer = member.htmx(f"/r/{slug}/teams/{team_a}/place", {"place": place, "was": ""})
        assert answer.status_code == 200
        assert soup(answer.text).select_one("#place-input")["value"] == place
        for socket, where in (
            (s_member, "#team .team-place"),
            (s_ebba, f"#mine-{request_id} .team-place"),
            (s_fac, f"#fac-request-{request_id} .team-place"),
        ):
            frame = soup(socket.receive_text())
            assert place in frame.select_one(where).get_text()
            assert frame.find("b") is None
    # A form that showed another place is refused and changes nothing; so are other teams and long text.
    stale = member.htmx(f"/r/{slug}/teams/{team_a}/place", {"place": "Bord 9", "was": ""})
    assert stale.status_code == 409
    assert soup(stale.text).select_one("#place-error[role=alert]") is not None
    assert other.htmx(f"/r/{slug}/teams/{team_a}/place", {"place": "Hos oss"}).status_code == 403
    assert member.htmx(f"/r/{slug}/teams/{team_a}/place", {"place": "x" * 81}).status_code == 422
    assert member.htmx(f"/r/{slug}/teams/{team_b}/place", {"place": "Hos dem"}).status_code == 403
    with db.read() as session:
        assert session.get(Team, team_a).place == place
    # The facilitator sets it from the control screen's roster.
    roster = facilitator.page().select_one(f"#team-{team_b}-details")
    assert roster.select_one("input[name=place]") is not None
    assert (
        facilitator.htmx(f"/r/{slug}/teams/{team_b}/place", {"place": "Rum 2", "was": ""}).status_code == 200
    )
    with db.read() as session:
        assert session.get(Team, team_b).place == "Rum 2"
