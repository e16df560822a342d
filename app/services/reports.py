"""What the review screens and reports show, read in one transaction; CSV and Markdown renderings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.db import Database
from app.errors import Forbidden, NotFound
from app.i18n import N_, gettext
from app.models import AuditRecord, Person, Phase, Race, Team
from app.services import charts, exports, outcomes, replay, review, scoreboard
from app.services.people import Viewer
from app.templating import env

# Markdown is written without HTML escaping; user text is escaped for Markdown instead (see md_escape). Its
# filters are its own; its globals are the pages' (the app installs them).
markdown_env = env.overlay(autoescape=False)
markdown_env.filters = dict(env.filters)
# Where Markdown (CommonMark with GitHub's tables, strikethrough and autolinks) reads characters as more than
# text anywhere in a line: code, emphasis, links and images, HTML, entities, table cells, strikethrough.
MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
# What makes a link of plain text: a scheme's "://" and "www." (escaped), an e-mail's "@" (which GitHub links
# after escapes are read: an invisible word joiner after it keeps the address text).
MARKDOWN_AUTOLINK = re.compile(r"(?<=\w)(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)
# What starts a heading, a quote, a list or a setext underline when it begins the line.
MARKDOWN_LINE_START = re.compile(r"^([#>+\-=]|\d+[.)])")


def md_escape(value: object) -> str:
    """Escape text only where Markdown would read it as more than text (a link, HTML, emphasis, a heading).

    The text is put on one line; "QR-kod (v2)" stays as it is, "<b>" and "[a](b)" become text.
    """
    text = " ".join(str(value).split())
    text = MARKDOWN_INLINE.sub(r"\\\1", text)
    text = MARKDOWN_AUTOLINK.sub(lambda match: "\\" + match.group(0), text).replace("@", "@\u2060")
    return MARKDOWN_LINE_START.sub(lambda match: match.group(0)[:-1] + "\\" + match.group(0)[-1], text)


markdown_env.filters["md"] = md_escape


def when(epoch_ms: int | None, tz: str = "Europe/Stockholm") -> str:
    """Format an epoch time as a local date and time (ISO order, fine in both languages)."""
    if epoch_ms is None:
        return ""
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# Every event kind in words; a kind added later shows as its code until it is named here.
KIND_LABELS = {
    "race.created": N_("Race created"),
    "race.ended": N_("Race ended"),
    "race.reopened": N_("Race reopened"),
    "race.privacy": N_("Privacy settings changed"),
    "person.joined": N_("Joined"),
    "person.rejoined": N_("Joined again from the same browser"),
    "person.exported": N_("Personal data exported"),
    "person.erased": N_("Person erased"),
    "team.joined": N_("Joined a team"),
    "card.added": N_("Card added"),
    "phase.started": N_("Phase started"),
    "phase.paused": N_("Phase paused"),
    "phase.resumed": N_("Phase resumed"),
    "phase.extended": N_("Phase extended"),
    "phase.undone": N_("Phase start undone"),
    "phase.timeup": N_("Time up"),
    "phase.undo_expired": N_("Undo no longer possible"),
    "outcome.recorded": N_("Outcome recorded"),
    "person.left": N_("Signed out"),
    "person.moved": N_("Moved to another team"),
    "team_choice.opened": N_("Team choice opened"),
    "team_choice.closed": N_("Team choice closed"),
    "profile.updated": N_("Profile updated"),
    "card.edited": N_("Card edited"),
    "card.moved": N_("Card moved"),
    "card.removed": N_("Card removed"),
    "vote.cast": N_("Vote cast"),
    "vote.withdrawn": N_("Vote taken back"),
    "comment.added": N_("Comment added"),
    "request.opened": N_("Expert called"),
    "request.claimed": N_("Request claimed"),
    "request.assigned": N_("Expert assigned"),
    "request.noted": N_("Expert's note"),
    "request.resolved": N_("Request resolved"),
    "request.cancelled": N_("Request cancelled"),
    "request.rated": N_("Help rated"),
    "announcement.sent": N_("Announcement"),
    "announcement.cleared": N_("Announcement cleared"),
    "spotlight.set": N_("Card in the spotlight"),
    "spotlight.cleared": N_("Spotlight cleared"),
    "top_cards.shown": N_("Top cards shown on the wall"),
    "top_cards.hidden": N_("Top cards taken off the wall"),
    "phase.added": N_("Phase added"),
    "phase.removed": N_("Phase removed"),
    "phase.moved": N_("Phase moved"),
    "phase.updated": N_("Phase changed"),
    "challenge.added": N_("Challenge added"),
    "challenge.updated": N_("Challenge changed"),
    "team.added": N_("Team added"),
    "team.updated": N_("Team changed"),
    "team.placed": N_("Team's place set"),
    "teams.applied": N_("Suggested teams applied"),
    "board.locked": N_("Board locked"),
    "boards.locked": N_("Every board locked"),
    "boards.unlocked": N_("Every board opened"),
    "board.unlocked": N_("Board unlocked"),
    "intake.opened": N_("Needs intake opened"),
    "intake.closed": N_("Needs intake closed"),
    "need.submitted": N_("Need submitted"),
    "need.updated": N_("Need edited"),
    "need.chosen": N_("Need made a challenge"),
    "need.contacts_removed": N_("Companies' contact details removed"),
    "criteria.defaulted": N_("Jury criteria set to the defaults"),
    "criterion.added": N_("Criterion added"),
    "criterion.updated": N_("Criterion changed"),
    "criterion.moved": N_("Criterion moved"),
    "criterion.removed": N_("Criterion removed"),
    "juror.updated": N_("Juror's company and stakes"),
    "conflict.added": N_("Conflict of interest added"),
    "conflict.removed": N_("Conflict of interest taken back"),
    "score.saved": N_("Scores saved"),
    "scores.revealed": N_("Scores revealed"),
    "scores.hidden": N_("Scores hidden again"),
    "race.planned": N_("Planned start changed"),
    "race.archived": N_("Race archived"),
    "race.unarchived": N_("Race taken out of the archive"),
    "code.replaced": N_("Code replaced"),
    "gallery.opened": N_("Gallery opened"),
    "gallery.closed": N_("Gallery closed"),
}


def kind_label(kind: str) -> str:
    """Return an event kind in words in the current language, or its code when it has no words yet."""
    label = KIND_LABELS.get(kind)
    return gettext(label) if label else kind


markdown_env.filters["when"] = when


def _team_filter(scope: review.Scope, team: int | None) -> int | None:
    if scope.team_id is not None:
        if team is not None and team != scope.team_id:
            raise Forbidden("You can review only your own team.")
        return scope.team_id
    return team


def overview(db: Database, viewer: Viewer, filters: review.Filters) -> dict[str, Any]:
    """Return the review screen: timeline, cards, requests, charts, outcomes, follow-ups and people."""
    with db.read() as session:
        scope = review.scope(session, viewer)
        race = scope.race
        race_id = race.id or 0
        team = _team_filter(scope, filters.team)
        narrowed = review.Scope(race, team)
        requests = review.request_times(session, narrowed)
        context: dict[str, Any] = {
            "race": race,
            "viewer": viewer,
            "is_facilitator": scope.team_id is None,
            "filters": filters,
            "timeline": review.timeline(session, scope, filters),
            "kinds": review.kinds(session, race_id),
            "team_list": _teams(session, race_id, scope.team_id),
            "phase_list": list(
                session.exec(select(Phase).where(Phase.race_id == race_id).order_by(col(Phase.position)))
            ),
            "people": _people(session, race_id, scope.team_id),
            "histories": review.card_histories(session, narrowed),
            "requests": requests,
            "activity": charts.activity(session, race_id, team),
            "per_phase": charts.per_phase(session, race_id, team),
            "waiting": charts.waiting(requests),
            "outcomes": outcomes.listing(session, race_id, team),
            "outcome_kinds": outcomes.KINDS,
            "follow_ups": [
                item for item in outcomes.follow_ups(session, race) if team is None or item.team.id == team
            ],
            "tables": [table.name for table in exports.tables()] + [SCORES_CSV],
            # The ranking for all who see the report once revealed; progress and comments for facilitators.
            "jury_results": scoreboard.results(session, race),
            "jury_progress": scoreboard.progress(session, race) if scope.team_id is None else None,
            "audit": _audit(session, race_id) if scope.team_id is None else [],
        }
    return context


def _teams(session: Session, race_id: int, only: int | None) -> list[Team]:
    query = select(Team).where(Team.race_id == race_id).order_by(col(Team.id))
    if only is not None:
        query = query.where(Team.id == only)
    return list(session.exec(query))


def _people(session: Session, race_id: int, team: int | None) -> list[Person]:
    query = select(Person).where(Person.race_id == race_id).order_by(col(Person.id))
    if team is not None:
        query = query.where(Person.team_id == team)
    return list(session.exec(query))


def _audit(session: Session, race_id: int) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.race_id == race_id).order_by(col(AuditRecord.id).desc())
    return list(session.exec(query.limit(50)))


def replay_view(db: Database, viewer: Viewer, seq: int | None, team: int | None) -> dict[str, Any]:
    """Return a team board and the wall as they were just after one event."""
    with db.read() as session:
        scope = review.scope(session, viewer)
        race = scope.race
        race_id = race.id or 0
        team_list = _teams(session, race_id, scope.team_id)
        team = _team_filter(scope, team)
        if team is None and team_list:
            team = team_list[0].id
        if team is not None and all(item.id != team for item in team_list):
            raise NotFound("There is no such team in this race.")
        at = replay.moment(session, race, seq)
        board = replay.board_at(session, race_id, team, at.at_ms) if team is not None else {}
        shown = [view for views in board.values() for view in views]
        context: dict[str, Any] = {
            "race": race,
            "viewer": viewer,
            "moment": at,
            "team_id": team,
            "team_list": team_list,
            "board": board,
            # Votes and comments as they stood then, not as they stand now.
            "extras": replay.extras_at(session, race_id, at.seq, shown),
            "show_wall": scope.team_id is None,
        }
        if scope.team_id is None:
            context.update(replay.wall_at(session, race, at))
    return context


def report(db: Database, viewer: Viewer, team: int | None) -> dict[str, Any]:
    """Return a race's or a team's report: cards by column with votes, requests, outcomes and charts."""
    context = overview(db, viewer, review.Filters(team=team))
    team_id = context["filters"].team if context["is_facilitator"] else viewer.team_id
    context["team"] = next((item for item in context["team_list"] if item.id == team_id), None)
    context["teams_shown"] = [context["team"]] if context["team"] else context["team_list"]
    # Grouped here, once: filtering every card per team and column in the template is quadratic.
    by_place: dict[tuple[int, str], list[review.CardHistory]] = {}
    for history in context["histories"]:
        if history.card.deleted_ms is None:
            by_place.setdefault((history.card.team_id, history.card.column), []).append(history)
    by_team: dict[int, list[outcomes.OutcomeView]] = {}
    for view in context["outcomes"]:
        by_team.setdefault(view.outcome.team_id, []).append(view)
    context.update(cards_by_place=by_place, outcomes_by_team=by_team)
    return context


def report_markdown(context: dict[str, Any]) -> str:
    """Render a report as Markdown."""
    return markdown_env.get_template("review/report.md").render(**context)


# Tables that hold the jury's values: no one but the juror sees them before the facilitator reveals them.
SCORES_CSV = "scores"
SCORE_TABLES = frozenset({"score"})
HIDDEN_SCORES = N_("The scores stay hidden until the facilitator reveals them.")


def revealed(db: Database, viewer: Viewer) -> bool:
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        return race is not None and scoreboard.is_revealed(race)


def export_document(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return the race's JSON export for a facilitator; the scores are left out until they are revealed."""
    review.require_facilitator(viewer)
    skip = frozenset() if revealed(db, viewer) else SCORE_TABLES
    return exports.export_race(db, viewer.slug, skip=skip)
