"""Rendering regions into frames: once per audience and content, snapshots, catch-up, and who is online."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from app import i18n, settings
from app.db import Database, rendering
from app.models import Race, Role
from app.screens.audiences import Audience
from app.screens.caches import GapChanges, RaceRegions, Recent
from app.screens.contexts import prepare
from app.screens.regions import (
    ITEMS,
    REGIONS,
    cacheable,
    changes_unseen,
    is_own,
    is_scoped,
    item_region,
    scope_id,
    screen_regions,
)
from app.screens.rules import changes
from app.services import (
    board,
    cards,
    events,
    people,
)
from app.templating import render


def _render_regions(
    session: Session, race: Race, aud: Audience, regions: list[str], cache: dict[tuple[str, object, str], str]
) -> str:
    parts = []
    items: dict[str, list[str]] = {}
    for region in regions:
        if item_region(region) is not None:
            items.setdefault(region.partition(":")[0], []).append(region)
            continue
        owner = scope_id(aud, region)
        cache_key = (region, owner, aud.lang)
        if cache_key not in cache:
            declared = REGIONS[region]
            context = declared.build(session, race, owner)
            # Teams whose region has the same content (the phase's, none of their own) share one render.
            shared = declared.shared(context) if declared.shared is not None else None
            shared_key = (region, shared, aud.lang)
            if shared is not None and shared_key in cache:
                cache[cache_key] = cache[shared_key]
            else:
                with i18n.language(aud.lang):
                    cache[cache_key] = render(declared.template, race=race, oob=True, **context)
                if shared is not None:
                    cache[shared_key] = cache[cache_key]
        parts.append(cache[cache_key])
    for kind, wanted in items.items():
        # The items of one kind in one render (a burst of posts to a team: one query, one template).
        owner = scope_id(aud, wanted[0])
        cache_key = (" ".join(wanted), owner, aud.lang)
        if cache_key not in cache:
            item = ITEMS[kind]
            with i18n.language(aud.lang):
                cache[cache_key] = render(
                    item.template, race=race, **item.build(session, race, owner, wanted)
                )
        parts.append(cache[cache_key])
    return "".join(parts)


def frame(seq: int, body: str) -> str:
    """Prefix rendered fragments with the seq they reflect, for the screen's resume point."""
    return f"<!--seq {seq}-->\n{body}"


# Recent snapshots by (database, race, audience, seq): a reconnect storm renders each screen kind once.
_snapshots: Recent[tuple[str, int, str, int], str] = Recent(256)
_race_regions = RaceRegions()
_gaps = GapChanges()


def _render_shared(session: Session, db: Database, race: Race, aud: Audience, regions: list[str]) -> str:
    """Render regions for a screen, each race-wide one once per seq for every screen."""
    assert race.id is not None
    # A storm of reconnects renders each race-wide region once per seq (a facilitator's roster is 4.6 MB with
    # 1,000 people in 100 teams); a team's or a person's own regions and who is online are rendered each time.
    key = (db.url, race.id, race.seq)
    shared: dict[tuple[str, object, str], str] = _race_regions.at(key)
    own = [region for region in regions if is_own(region)]
    parts = [_render_regions(session, race, aud, own, {})] if own else []
    for region in regions:
        if not is_own(region):
            with _race_regions.rendering(key, region, aud.lang):
                parts.append(_render_regions(session, race, aud, [region], shared))
    return "".join(parts)


def snapshot(db: Database, race_id: int, audience_key: str) -> tuple[int, str]:
    """Render every live region of a screen as it stands."""
    aud = Audience.parse(audience_key)
    # The facilitators' overview shows who is online, which changes without a seq: never kept.
    keep = cacheable(aud)
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        assert race is not None
        # Keyed by database too: race ids repeat across databases (each test has its own).
        cached = _snapshots.get((db.url, race_id, audience_key, race.seq)) if keep else None
        if cached is not None:
            return race.seq, cached
        if aud.role == Role.PARTICIPANT and aud.team_id:
            # All seven columns: one query for the board and its votes and comments, not one per column.
            columns = cards.board(session, aud.team_id)
            every = [view for views in columns.values() for view in views]
            session.info["team_board"] = {aud.team_id: (columns, board.extras(session, every))}
        body = frame(race.seq, _render_shared(session, db, race, aud, list(screen_regions(aud))))
    if keep:
        _snapshots.put((db.url, race_id, audience_key, race.seq), body)
    return race.seq, body


_RACE_SEQ = select(col(Race.seq)).where(col(Race.id) == bindparam("race"))


def first_look(db: Database, token: str, since: int | None) -> tuple[people.Viewer, int | None] | None:
    """Return who holds a session token and, for a screen that says what it saw last, the race's seq.

    One read, one statement, no ORM session: a reconnecting screen that missed nothing needs no other (see
    app/routes/live.py). None when the session is unknown or ended.
    """
    with db.read_rows() as conn:
        row = conn.execute(people.VIEWER_AND_SEQ, {"token": token}).first()
    if row is None:
        return None
    return people.viewer_from(row), (None if since is None else row.seq)


def prepare_first_look(db: Database) -> None:
    """Compile the first look's statement (and configure the mappers) before the first socket comes.

    After a restart every screen reconnects at once: each worker thread would compile it again, as they
    all miss SQLAlchemy's statement cache together.
    """
    first_look(db, "", 0)
    with db.read() as session:
        session.execute(_RACE_SEQ, {"race": 0}).first()


def catch_up(
    db: Database, race_id: int, audience_key: str, since: int | None, token: str | None = None
) -> tuple[int, list[tuple[int, str]]] | None:
    """Return what brings a screen from `since` to now: the touched regions, or a snapshot for a big gap.

    With a session `token`, first check that it is still signed in, and return None when it is not: a socket
    attached before this read is cut by every later sign-out, so this check closes the gap before it.
    """
    if since is not None or token is not None:
        with db.read() as session:
            if token is not None and people.viewer_in(session, token) is None:
                return None
            if since is not None:
                # Most screens of a storm missed nothing: their answer needs the seq alone, not the race.
                seq = session.execute(_RACE_SEQ, {"race": race_id}).scalar_one()
                if since == seq:
                    return seq, []
                if 0 <= seq - since <= settings.LIVE_REPLAY_MAX_EVENTS:
                    body = _catch_ups.body(session, db, race_id, audience_key, since, seq)
                    return seq, [(seq, frame(seq, body))] if body else []
    seq, text = snapshot(db, race_id, audience_key)
    return seq, [(seq, text)]


def known_catch_up(
    db: Database, race_id: int, audience_key: str, since: int, seq: int
) -> list[tuple[int, str]] | None:
    """Return the frames from `since` to `seq` for an audience when known without reading or rendering
    (nothing it shows is in the gap, or another of its screens rendered it lately); else None."""
    body = _catch_ups.known(db, race_id, audience_key, since, seq)
    if body is None:
        return None
    return [(seq, frame(seq, body))] if body else []


def catch_up_to(
    db: Database, race_id: int, audience_key: str, since: int, seq: int
) -> list[tuple[int, str]] | None:
    """Return the frames from `since` to `seq` for an audience, rendered once for all its screens; None when
    the race has moved past `seq` (the caller then reads where it stands, and checks the session again).

    For a socket that attached with nothing rendered since its first look read `seq` and the session: every
    later change and sign-out reaches it, so it needs no other check, provided it is brought to `seq`.
    """
    found = known_catch_up(db, race_id, audience_key, since, seq)
    if found is not None:
        return found
    with db.read() as session:
        if session.execute(_RACE_SEQ, {"race": race_id}).scalar_one() != seq:
            return None
        body = _catch_ups.body(session, db, race_id, audience_key, since, seq)
    return [(seq, frame(seq, body))] if body else []


class CatchUps:
    """Recent catch-up bodies by (database, race, audience, since, seq).

    The screens of one audience that were connected together got the same frames, so after a restart they
    come back with the same `since`, and each would render the same gap. Race ids repeat across databases
    (each test has its own), hence the database in the key.
    """

    def __init__(self, size: int = 256) -> None:
        self._items: Recent[tuple[str, int, str, int, int], str] = Recent(size)

    def body(
        self, session: Session, db: Database, race_id: int, audience_key: str, since: int, seq: int
    ) -> str:
        """Return the regions the events in (since, seq] touched for an audience, rendered; "" for none."""
        regions = _gaps.get(session, db, race_id, since, seq).regions(Audience.parse(audience_key))
        found = self.known(db, race_id, audience_key, since, seq, regions)
        if found is not None:
            return found
        key = (db.url, race_id, audience_key, since, seq)
        with self._items.making(key):
            found = self._items.get(key)
            if found is not None:
                return found
            rendering(session)
            race = session.get(Race, race_id)
            assert race is not None and race.seq == seq
            body = _render_shared(session, db, race, Audience.parse(audience_key), regions)
            if not any(changes_unseen(region) for region in regions):
                self._items.put(key, body)
            return body

    def known(
        self,
        db: Database,
        race_id: int,
        audience_key: str,
        since: int,
        seq: int,
        regions: list[str] | None = None,
    ) -> str | None:
        """Return the body without rendering or reading: "" when nothing the audience shows is in the gap,
        or the body another screen of the audience rendered; None when that is not known yet."""
        if regions is None:
            touched = _gaps.known(db, race_id, since, seq)
            if touched is None:
                return None
            regions = touched.regions(Audience.parse(audience_key))
        if not regions:
            return ""
        return self._items.get((db.url, race_id, audience_key, since, seq))


_catch_ups = CatchUps()


def render_changes(
    db: Database, race_id: int, after_seq: int, audience_keys: frozenset[str]
) -> tuple[int, dict[str, str], set[int]]:
    """Render, once per audience, the regions touched by the events after a seq; say whose sessions ended."""
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        assert race is not None
        touched = changes(events.since(session, race_id, after_seq))
        cache: dict[tuple[str, object, str], str] = {}
        frames: dict[str, str] = {}
        # A post touches one team of a hundred: the others' audiences are passed over without working out
        # their regions.
        wanted = {aud: touched.regions(aud) for aud in map(_audience, audience_keys) if touched.touches(aud)}
        # Teams with something of their own to render (a pause sends every team the same clock alone).
        teams = {
            aud.team_id: regions
            for aud, regions in wanted.items()
            if aud.role == Role.PARTICIPANT and any(is_scoped(region) for region in regions)
        }
        prepare(session, race, teams)
        for aud, regions in wanted.items():
            if regions:
                frames[aud.key] = frame(race.seq, _render_regions(session, race, aud, regions, cache))
        return race.seq, frames, touched.ended


@lru_cache(maxsize=4096)
def _audience(key: str) -> Audience:
    return Audience.parse(key)


# Marks a frame that carries who is online and no seq (screens swap it like any other).
PRESENCE_MARK = "<!--presence-->\n"


def render_presence(db: Database, race_id: int, audience_keys: frozenset[str]) -> dict[str, str]:
    """Render what changes without a seq (who is online) for the audiences present that show it."""
    wanted = {
        key: unseen
        for key in audience_keys
        if (unseen := [region for region in screen_regions(_audience(key)) if changes_unseen(region)])
    }
    if not wanted:
        return {}
    with db.read() as session:
        rendering(session)
        race = session.get(Race, race_id)
        if race is None:
            return {}
        cache: dict[tuple[str, object, str], str] = {}
        return {
            key: PRESENCE_MARK + _render_regions(session, race, _audience(key), regions, cache)
            for key, regions in wanted.items()
        }
