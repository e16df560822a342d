"""Chart geometry for server-rendered SVG: the numbers here, the drawing in templates/review/_*.svg.html."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.models import Phase, Team
from app.services.review import RequestTimes, phase_at, race_events

# Events a person made by contributing (not joining or the clock), counted as activity.
CONTRIBUTING = ("card.", "vote.", "comment.", "request.", "expert.")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2", "12 6", "6 2 2 2")
WIDTH = 640
# Each bar has its label on a line above it, the whole width long, and its value after its end.
LABEL_HEIGHT = 18
BAR_HEIGHT = 20
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + 10
VALUE_ROOM = 80


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int = 0
    width: float = 0.0


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_height: int = LABEL_HEIGHT
    bar_height: int = BAR_HEIGHT


@dataclass
class Series:
    label: str
    colour: str
    dash: str
    points: str
    total: int


@dataclass
class LineChart:
    series: list[Series] = field(default_factory=list)
    width: int = WIDTH
    height: int = 220
    start_ms: int = 0
    end_ms: int = 0
    peak: int = 0


def bars(items: list[tuple[str, float, str]]) -> BarChart:
    """Lay out horizontal bars, the longest value filling the plot.

    Each value is drawn as its text says (round it before): bars with one text have one length.
    """
    peak = max((value for _label, value, _text in items), default=0) or 1
    plot = WIDTH - VALUE_ROOM
    laid = [
        Bar(label, value, text, y=index * ROW_HEIGHT, width=round(plot * value / peak, 1))
        for index, (label, value, text) in enumerate(items)
    ]
    return BarChart(laid, height=max(1, len(laid)) * ROW_HEIGHT)


def is_contribution(kind: str) -> bool:
    """Return whether an event kind is someone contributing."""
    return kind.startswith(CONTRIBUTING)


def activity(session: Session, race_id: int, team_id: int | None, buckets: int = 24) -> LineChart:
    """Return contributions per team over the race, in equal time buckets."""
    found = [
        event
        for event in race_events(session, race_id)
        if is_contribution(event.kind) and event.team_id is not None
    ]
    query = select(Team).where(Team.race_id == race_id).order_by(col(Team.id))
    if team_id is not None:
        query = query.where(Team.id == team_id)
    teams = list(session.exec(query).all())
    chart = LineChart()
    if not found or not teams:
        return chart
    start, end = found[0].at_ms, max(found[-1].at_ms, found[0].at_ms + 1)
    span = (end - start) / buckets
    counts = {team.id: [0] * buckets for team in teams}
    for event in found:
        if event.team_id in counts:
            counts[event.team_id][min(buckets - 1, int((event.at_ms - start) / span))] += 1
    peak = max((max(values) for values in counts.values()), default=0) or 1
    plot_w, plot_h = chart.width - 60, chart.height - 40
    for index, team in enumerate(teams):
        values = counts[team.id]
        points = " ".join(
            f"{50 + plot_w * number / (buckets - 1):.1f},{10 + plot_h * (1 - value / peak):.1f}"
            for number, value in enumerate(values)
        )
        chart.series.append(Series(team.name, team.colour, DASHES[index % len(DASHES)], points, sum(values)))
    chart.start_ms, chart.end_ms, chart.peak = start, end, peak
    return chart


def per_phase(session: Session, race_id: int, team_id: int | None) -> BarChart:
    """Return contributions per phase, in agenda order."""
    phase_of = phase_at(session, race_id)
    counted: dict[int | None, int] = {}
    for event in race_events(session, race_id):
        if is_contribution(event.kind) and (team_id is None or event.team_id == team_id):
            phase_id = phase_of.get(event.seq)
            counted[phase_id] = counted.get(phase_id, 0) + 1
    phases = session.exec(select(Phase).where(Phase.race_id == race_id).order_by(col(Phase.position))).all()
    items = [(phase.name, float(counted.get(phase.id, 0)), str(counted.get(phase.id, 0))) for phase in phases]
    return bars([item for item in items if item[1]])


def waiting(requests: list[RequestTimes]) -> BarChart:
    """Return each request's wait for an expert, to the second (drawn as shown: m:ss)."""
    items = []
    for item in requests:
        if item.waiting_ms is None:
            continue
        seconds = round(item.waiting_ms / 1000)
        minutes, rest = divmod(seconds, 60)
        items.append((f"{item.team}: {item.request.question}", float(seconds), f"{minutes}:{rest:02d}"))
    return bars(items)
