"""The renderer of one database's live screens: frames of changes, snapshots, gaps, and their caches."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from app import memo, settings
from app.db import Database
from app.models import Person, Race, Role
from app.screens.audiences import Audience, audience, watches
from app.screens.caches import GapChanges, RaceRegions, Recent
from app.screens.contexts import Read, load_board, prepare
from app.screens.frames import PRESENCE_MARK, RenderCache, frame, render_regions
from app.screens.pages import cacheable, screen_regions
from app.screens.regions import changes_unseen, is_own, is_scoped, item_region
from app.screens.rules import changes
from app.services import events, people
from app.templating import Fragments
from live.planner import replayable

Frames = list[tuple[int, str]]
_PERSON_NOW = (
    select(col(Person.role), col(Person.team_id), col(Person.lang), col(Race.lang))
    .join(Race, col(Race.id) == Person.race_id)
    .where(col(Person.id) == bindparam("person"))
)
_RACE_SEQ = select(col(Race.seq)).where(col(Race.id) == bindparam("race"))


class Renderer:
    """Renders a database's live regions for audiences, and keeps what screens arriving together share.

    Made once per app (`create_app`), as it owns every render and fragment cache of its database.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        # Partials kept while nothing they show changes (a feed's cards, the agenda's phases, the empty form).
        self.fragments = Fragments()
        # Recent snapshots by (race, audience, seq): a reconnect storm renders each screen kind once.
        self._snapshots: Recent[tuple[int, str, int], str] = Recent(256)
        # Race-wide regions rendered at a recent seq, shared by every screen's snapshot at that seq.
        self._race_regions = RaceRegions()
        # What the events of a recent gap touched: most screens of a storm last saw the same frame.
        self._gaps = GapChanges()
        # Recent gap bodies by (race, audience, since, seq): the screens of an audience that were connected
        # together got the same frames, so after a restart they come back with the same `since`.
        self._catch_ups: Recent[tuple[int, str, int, int], str] = Recent(256)

    def clear(self) -> None:
        """Forget every kept render (to measure one from scratch); fragments are kept by content, not seq."""
        self._snapshots.clear()
        self._race_regions.clear()
        self._catch_ups.clear()

    def changes(
        self, race_id: int, after_seq: int, audience_keys: frozenset[str]
    ) -> tuple[int, dict[str, str], dict[int, str | None]]:
        """Render, once per audience, the regions the events after a seq touched; say whose screens close.

        Closing maps a person to the audience whose screens stay (moved: the new team's), or None for all
        (the session ended).
        """
        with self.db.read() as session, memo.render_scope():
            read = Read(session)
            race = session.get(Race, race_id)
            assert race is not None
            touched = changes(events.since(session, race_id, after_seq))
            cache: RenderCache = {}
            frames: dict[str, str] = {}
            # A post touches one team of a hundred: the others' audiences are passed over without working out
            # their regions.
            wanted = {
                aud: touched.regions(aud) for aud in map(_audience, audience_keys) if touched.touches(aud)
            }
            # Teams with something of their own to render (a pause sends every team the same clock alone).
            teams = {
                aud.team_id: regions
                for aud, regions in wanted.items()
                if aud.role == Role.PARTICIPANT and any(is_scoped(region) for region in regions)
            }
            prepare(read, race, teams)
            for aud, regions in wanted.items():
                # Nothing for a screen whose touched items are not on it (the wall's top cards, not shown).
                if regions and (body := render_regions(read, race, aud, regions, cache)):
                    frames[aud.key] = frame(race.seq, body)
            closing: dict[int, str | None] = dict.fromkeys(touched.ended)
            for person_id in touched.moved - touched.ended:
                closing[person_id] = _watched(session, person_id)
            return race.seq, frames, closing

    def presence(self, race_id: int, audience_keys: frozenset[str]) -> dict[str, str]:
        """Render what changes without a seq (who is online) for the audiences present that show it."""
        wanted = {
            key: unseen
            for key in audience_keys
            if (unseen := [region for region in screen_regions(_audience(key)) if changes_unseen(region)])
        }
        if not wanted:
            return {}
        with self.db.read() as session, memo.render_scope():
            race = session.get(Race, race_id)
            if race is None:
                return {}
            cache: RenderCache = {}
            read = Read(session)
            return {
                key: PRESENCE_MARK + render_regions(read, race, _audience(key), regions, cache)
                for key, regions in wanted.items()
            }

    def snapshot(self, race_id: int, audience_key: str) -> tuple[int, str]:
        """Render every live region of a screen as it stands."""
        aud = _audience(audience_key)
        # The facilitators' overview shows who is online, which changes without a seq: never kept.
        keep = cacheable(aud)
        with self.db.read() as session, memo.render_scope():
            race = session.get(Race, race_id)
            assert race is not None
            cached = self._snapshots.get((race_id, audience_key, race.seq)) if keep else None
            if cached is not None:
                return race.seq, cached
            read = Read(session)
            if aud.role == Role.PARTICIPANT and aud.team_id:
                # All seven columns: one query for the board and its votes and comments, not one per column.
                load_board(read, aud.team_id)
            body = frame(race.seq, self._render_shared(read, race, aud, list(screen_regions(aud))))
        if keep:
            self._snapshots.put((race_id, audience_key, race.seq), body)
        return race.seq, body

    def _render_shared(self, read: Read, race: Race, aud: Audience, regions: list[str]) -> str:
        """Render regions for a screen, each race-wide one once per seq for every screen."""
        assert race.id is not None
        # A storm of reconnects renders each race-wide region once per seq (a facilitator's roster is MBs
        # with a thousand people); a team's or a person's own regions and who is online: for each screen.
        key = (race.id, race.seq)
        shared = self._race_regions.at(key)
        own = [region for region in regions if is_own(region)]
        parts = [render_regions(read, race, aud, own, {})] if own else []
        # Each race-wide region alone; the items of one kind together, in one render (a roster's parts).
        units: dict[str, list[str]] = {}
        for region in regions:
            if not is_own(region):
                units.setdefault(region.partition(":")[0] if item_region(region) else region, []).append(
                    region
                )
        for unit in units.values():
            with self._race_regions.rendering(key, " ".join(unit), aud.lang):
                parts.append(render_regions(read, race, aud, unit, shared))
        return "".join(parts)

    def viewer_and_seq(self, token: str, since: int | None) -> tuple[people.Viewer, int | None] | None:
        """Return who holds a session token and, for a screen that says what it saw last, the race's seq.

        One read, one statement, no ORM session: it is a reconnecting socket's look before it attaches, and
        one that missed nothing needs no other. None when the session is unknown or ended.
        """
        with self.db.read_rows() as conn:
            row = conn.execute(people.VIEWER_AND_SEQ, {"token": token}).first()
        if row is None:
            return None
        return people.viewer_from(row), (None if since is None else row.seq)

    def prepare(self) -> None:
        """Compile the look's statements before the first socket comes (and configure the mappers).

        After a restart every screen reconnects at once: each worker thread would compile them again, as
        they all miss SQLAlchemy's statement cache together.
        """
        self.viewer_and_seq("", 0)
        with self.db.read() as session:
            session.execute(_RACE_SEQ, {"race": 0}).first()

    def gap_or_snapshot(
        self, race_id: int, audience_key: str, since: int | None, token: str | None = None
    ) -> tuple[int, Frames] | None:
        """Return what brings a screen from `since` to now: the regions the gap touched, or a snapshot.

        With a session `token`, first check that it is still signed in and still watches this audience (a
        move to another team changes it), and return None when not: a socket attached before this read is cut
        by every later sign-out and move, so this check closes the gap before it.
        """
        if since is not None or token is not None:
            with self.db.read() as session:
                if token is not None and not watches(people.viewer_in(session, token), audience_key):
                    return None
                if since is not None:
                    # Most screens of a storm missed nothing: their answer needs the seq alone, not the race.
                    seq = session.execute(_RACE_SEQ, {"race": race_id}).scalar_one()
                    if since == seq:
                        return seq, []
                    if replayable(since, seq, settings.LIVE_REPLAY_MAX_EVENTS):
                        body = self._gap_body(Read(session), race_id, audience_key, since, seq)
                        return seq, [(seq, frame(seq, body))] if body else []
        seq, text = self.snapshot(race_id, audience_key)
        return seq, [(seq, text)]

    def rendered_gap(self, race_id: int, audience_key: str, since: int, seq: int) -> Frames | None:
        """Return the frames from `since` to `seq` for an audience when known without reading or rendering
        (nothing it shows is in the gap, or another of its screens rendered it lately); else None."""
        body = self._known_body(race_id, audience_key, since, seq)
        if body is None:
            return None
        return [(seq, frame(seq, body))] if body else []

    def render_gap(self, race_id: int, audience_key: str, since: int, seq: int) -> Frames | None:
        """Return the frames from `since` to `seq` for an audience, rendered once for all its screens; None
        when the race has moved past `seq` (see live/planner.py: the gap up to `seq` and no further)."""
        found = self.rendered_gap(race_id, audience_key, since, seq)
        if found is not None:
            return found
        with self.db.read() as session:
            if session.execute(_RACE_SEQ, {"race": race_id}).scalar_one() != seq:
                return None
            body = self._gap_body(Read(session), race_id, audience_key, since, seq)
        return [(seq, frame(seq, body))] if body else []

    def _gap_body(self, read: Read, race_id: int, audience_key: str, since: int, seq: int) -> str:
        """Return the regions the events in (since, seq] touched for an audience, rendered; "" for none."""
        aud = _audience(audience_key)
        regions = self._gaps.get(read.session, race_id, since, seq).regions(aud)
        found = self._known_body(race_id, audience_key, since, seq, regions)
        if found is not None:
            return found
        key = (race_id, audience_key, since, seq)
        with self._catch_ups.making(key):
            found = self._catch_ups.get(key)
            if found is not None:
                return found
            with memo.render_scope():
                race = read.session.get(Race, race_id)
                assert race is not None and race.seq == seq
                body = self._render_shared(read, race, aud, regions)
            if not any(changes_unseen(region) for region in regions):
                self._catch_ups.put(key, body)
            return body

    def _known_body(
        self, race_id: int, audience_key: str, since: int, seq: int, regions: list[str] | None = None
    ) -> str | None:
        """Return a gap's body without reading or rendering: "" when nothing the audience shows is in it, or
        the body another screen of the audience rendered; None when that is not known yet."""
        if regions is None:
            touched = self._gaps.known(race_id, since, seq)
            if touched is None:
                return None
            regions = touched.regions(_audience(audience_key))
        if not regions:
            return ""
        return self._catch_ups.get((race_id, audience_key, since, seq))


@lru_cache(maxsize=4096)
def _audience(key: str) -> Audience:
    return Audience.parse(key)


def _watched(session: Session, person_id: int) -> str | None:
    """Return the audience a person's screens show now, as of the render's snapshot (None: gone)."""
    row = session.execute(_PERSON_NOW, {"person": person_id}).first()
    if row is None:
        return None
    role, team_id, lang, race_lang = row
    return audience(role, team_id, lang or race_lang, person_id).key
