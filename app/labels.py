"""Words for the codes the database keeps (roles, statuses, audit details, tables), for the reader."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.i18n import N_, gettext
from app.models import RequestStatus, Role

ROLES = {
    Role.PARTICIPANT: N_("Participant"),
    Role.EXPERT: N_("Expert"),
    Role.FACILITATOR: N_("Facilitator"),
    Role.WALL: N_("Wall"),
    Role.JURY: N_("Jury"),
}
REQUEST_STATUSES = {
    RequestStatus.OPEN: N_("Waiting for an expert"),
    RequestStatus.CLAIMED: N_("Claimed"),
    RequestStatus.RESOLVED: N_("Resolved"),
    RequestStatus.CANCELLED: N_("Cancelled"),
}
# Why a person was erased and what became of their contributions (the audit's detail).
AUDIT_DETAILS = {
    "keep": N_("contributions kept"),
    "remove": N_("contributions removed"),
    "retention": N_("the retention period was over"),
}
# The review's CSV files, one per table (the file keeps the table's name).
TABLES = {
    "race": N_("The race"),
    "racecode": N_("Codes"),
    "phase": N_("Phases"),
    "challenge": N_("Challenges"),
    "team": N_("Teams"),
    "person": N_("People"),
    "card": N_("Cards"),
    "cardrevision": N_("Card versions"),
    "vote": N_("Votes"),
    "comment": N_("Comments"),
    "expertrequest": N_("Expert requests"),
    "announcement": N_("Announcements"),
    "event": N_("Events"),
    "outcome": N_("Outcomes"),
    "outcomecard": N_("Outcomes' cards"),
    "auditrecord": N_("Audit"),
    "need": N_("Needs"),
    "criterion": N_("Jury criteria"),
    "juryconflict": N_("Conflicts of interest"),
    "score": N_("Scores"),
    "scores": N_("Scores per team"),
}
LABELS: dict[str, Mapping[Any, str]] = {
    "role": ROLES,
    "status": REQUEST_STATUSES,
    "audit": AUDIT_DETAILS,
    "table": TABLES,
}


def label(code: str, kind: str) -> str:
    """Return a stored code's words in the current language (the code itself when it has none)."""
    words = LABELS[kind].get(code)
    return gettext(words) if words else code
