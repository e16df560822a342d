"""The needs intake: companies submit development needs, the facilitator edits them and makes challenges."""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Invalid, NotFound, ServiceError
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, Need, Race
from app.numbers import whole
from app.services import competences, events
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

COMPANY_MAX = 120
CONTACT_MAX = 200
CONTACT_NAME_MAX = 80
CONTACT_MEANS_MAX = 110
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
ASPECT_MAX = 2000
ASPECTS = {
    "market": N_("Market"),
    "technology": N_("Technology"),
    "financing": N_("Financing"),
    "resources": N_("Resources"),
}
URGENCY_LABELS = {1: N_("Low"), 2: N_("Medium"), 3: N_("High")}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")


class IntakeClosed(ServiceError):
    status = 410


@dataclass
class NeedForm:
    """A need as typed: by a company in the intake or by the facilitator editing it."""

    company: str = ""
    contact: str = ""
    title: str = ""
    description: str = ""
    market: str = ""
    technology: str = ""
    financing: str = ""
    resources: str = ""
    tags: list[str] = field(default_factory=list)
    urgency: str = "2"


def contact_of(name: str, means: str) -> str:
    """Return one contact line from a name and an e-mail address or phone number, checked."""
    name = clean_text(name, CONTACT_NAME_MAX, field=N_("the contact person's name"))
    means = clean_text(means, CONTACT_MEANS_MAX, field=N_("an e-mail address or phone number"))
    if not (EMAIL.match(means) or PHONE.match(means)):
        raise Invalid("Enter an e-mail address or a phone number we can reach the contact person at.")
    return f"{name}, {means}"


def _checked(form: NeedForm) -> NeedForm:
    try:
        urgency = whole(str(form.urgency))
    except ValueError:
        urgency = 0
    if urgency not in URGENCY_LABELS:
        raise Invalid("Choose how urgent the need is.")
    return NeedForm(
        company=clean_text(form.company, COMPANY_MAX, field=N_("the company")),
        contact=clean_text(form.contact, CONTACT_MAX, field=N_("the contact")),
        title=clean_text(form.title, TITLE_MAX, field=N_("the title")),
        description=clean_text(form.description, DESCRIPTION_MAX, field=N_("the description")),
        **{
            name: clean_text(getattr(form, name), ASPECT_MAX, field=label, required=False)
            for name, label in ASPECTS.items()
        },
        tags=list(form.tags),
        urgency=str(urgency),
    )


def _apply(session: Session, need: Need, form: NeedForm) -> None:
    for name, value in asdict(form).items():
        setattr(need, name, int(value) if name == "urgency" else value)
    need.tags = competences.resolve(session, need.race_id, form.tags)


def _words(need: Need) -> dict[str, object]:
    """Return what the company wrote, for the log (the contact stays in the need itself: personal data)."""
    return {
        "need": need.id,
        "company": need.company,
        "title": need.title,
        "description": need.description,
        **{name: getattr(need, name) for name in ASPECTS},
        "tags": need.tags,
        "urgency": need.urgency,
    }


def set_intake(db: Database, viewer: Viewer, *, open_it: bool) -> Race:
    """Open the race's intake (making its link the first time) or close it."""
    require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if race.intake_open == open_it:
            return race
        if race.intake_token is None:
            race.intake_token = secrets.token_urlsafe(16)
        race.intake_open = open_it
        session.add(race)
        kind = Kind.INTAKE_OPENED if open_it else Kind.INTAKE_CLOSED
        events.record(session, viewer.race_id, kind, person_id=viewer.person_id)
        return race


def _intake_race(session: Session, token: str) -> Race:
    race = session.exec(select(Race).where(Race.intake_token == token)).first() if token else None
    if race is None:
        raise NotFound("There is no needs intake at this address. Check the link you were given.")
    return race


def require_open(race: Race) -> None:
    """Refuse (410) when the race's intake is closed."""
    if not race.intake_open:
        raise IntakeClosed(
            "This needs intake is closed. Ask the organisers if you still want to send a need."
        )


def intake_race(db: Database, token: str) -> Race:
    """Return the race whose intake this token names, open or closed, or refuse (404)."""
    with db.read() as session:
        return _intake_race(session, token)


def submit(db: Database, token: str, form: NeedForm, key: str | None) -> Need:
    """Store a company's need from the intake; a retried post with the same key returns the first need."""
    key = events.clean_key(key)
    with db.write() as session:
        race = _intake_race(session, token)
        require_open(race)
        earlier = events.replayed(session, key, None)
        if earlier is not None:
            need = (
                session.get(Need, earlier.data.get("need")) if earlier.kind == Kind.NEED_SUBMITTED else None
            )
            if need is None or need.race_id != race.id:
                raise Conflict("This request key was already used.")
            return need
        checked = _checked(form)
        assert race.id is not None
        need = Need(race_id=race.id, company="", title="", created_ms=now_ms())
        _apply(session, need, checked)
        session.add(need)
        session.flush()
        events.record(session, race.id, Kind.NEED_SUBMITTED, data=_words(need), key=key)
        return need


def _need(session: Session, viewer: Viewer, need_id: int) -> Need:
    need = session.get(Need, need_id)
    if need is None or need.race_id != viewer.race_id:
        raise NotFound("There is no such need in this race.")
    return need


def listing(db: Database, viewer: Viewer) -> tuple[Race, list[Need], dict[int, Challenge]]:
    """Return the race, its needs (most urgent, then newest first) and need id -> the challenge made of it."""
    require_facilitator(viewer)
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        query = (
            select(Need)
            .where(Need.race_id == viewer.race_id)
            .order_by(col(Need.urgency).desc(), col(Need.created_ms).desc(), col(Need.id).desc())
        )
        needs = list(session.exec(query).all())
        made = session.exec(
            select(Challenge).where(Challenge.race_id == viewer.race_id, col(Challenge.need_id).is_not(None))
        ).all()
        return race, needs, {challenge.need_id or 0: challenge for challenge in made}


def update(db: Database, viewer: Viewer, need_id: int, form: NeedForm) -> Need:
    """Change a submitted need; the company's own words stay in its intake event."""
    require_facilitator(viewer)
    checked = _checked(form)
    with db.write() as session:
        need = _need(session, viewer, need_id)
        _apply(session, need, checked)
        need.updated_ms = now_ms()
        session.add(need)
        data = {"need": need_id, "title": need.title, "urgency": need.urgency, "tags": need.tags}
        events.record(session, viewer.race_id, Kind.NEED_UPDATED, data=data, person_id=viewer.person_id)
        return need


def choose(db: Database, viewer: Viewer, need_id: int) -> Challenge:
    """Make a need the race's challenge (once: choosing it again returns the same challenge)."""
    require_facilitator(viewer)
    with db.write() as session:
        # Two facilitators choosing at once: the second waits here and then finds the first's challenge.
        events.lock_race(session, viewer.race_id)
        need = _need(session, viewer, need_id)
        made = session.exec(select(Challenge).where(Challenge.need_id == need_id)).first()
        if made is not None:
            return made
        challenge = Challenge(
            race_id=viewer.race_id,
            need_id=need_id,
            company=need.company,
            title=need.title,
            description=need.description,
            tags=list(need.tags),
        )
        need.chosen = True
        session.add(challenge)
        session.add(need)
        session.flush()
        data: dict[str, Any] = {
            "need": need_id,
            "challenge": challenge.id,
            "title": challenge.title,
            "teams": [],
        }
        events.record(session, viewer.race_id, Kind.NEED_CHOSEN, data=data, person_id=viewer.person_id)
        return challenge


def forget_contacts(session: Session, race_id: int) -> int:
    """Blank the contact details of a race's needs (its retention is over); return how many were blanked."""
    blanked = session.exec(
        sql_update(Need).where(col(Need.race_id) == race_id, col(Need.contact) != "").values(contact="")
    ).rowcount
    if blanked:
        events.record(session, race_id, Kind.NEED_CONTACTS_REMOVED, data={"needs": blanked})
    return int(blanked)


@dataclass(frozen=True)
class Summary:
    """What the control screen says about the intake: open or not, needs sent, needs made challenges."""

    open: bool
    sent: int
    chosen: int


def summary(session: Session, race: Race) -> Summary:
    """Return the race's intake at a glance."""
    chosen = session.exec(select(Need.chosen).where(Need.race_id == race.id)).all()
    return Summary(race.intake_open, len(chosen), sum(1 for flag in chosen if flag))
