"""The jury's ranking, worked out from the scores with no I/O: weighted per juror, averaged over jurors.

For a team t and a juror j who scored it, on the criteria c that j scored (each with weight w_c, value v_jtc):

    juror_score(j, t) = sum_c(w_c * v_jtc) / sum_c(w_c)
    team_score(t)     = mean over the jurors j who scored t of juror_score(j, t)

Teams are ranked by team_score, highest first; equal scores (compared exactly, as fractions) share a rank
(1, 1, 3: "competition ranking") and are marked as ties. Teams nobody scored are listed after, unranked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Mark:
    """One juror's value on one criterion for one team."""

    juror_id: int
    team_id: int
    criterion_id: int
    value: int


@dataclass
class Placing:
    """A team's place in the ranking (rank None: nobody scored it)."""

    team_id: int
    score: Fraction | None
    rank: int | None = None
    tied: bool = False
    jurors: int = 0
    # criterion id -> the mean of the jurors' values on it.
    by_criterion: dict[int, Fraction] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """Return the score with two decimals, or an empty text when unranked."""
        return "" if self.score is None else f"{float(self.score):.2f}"


def juror_score(weights: dict[int, float], values: dict[int, int]) -> Fraction | None:
    """Return one juror's weighted mean for one team over the criteria they scored that still exist."""
    used = {criterion: value for criterion, value in values.items() if criterion in weights}
    total = sum((Fraction(weights[criterion]) for criterion in used), Fraction(0))
    if not used or total <= 0:
        return None
    return sum((Fraction(weights[c]) * value for c, value in used.items()), Fraction(0)) / total


def rank(team_ids: Iterable[int], weights: dict[int, float], marks: Iterable[Mark]) -> list[Placing]:
    """Return every team in ranking order: ranked teams (ties share a rank), then the unscored ones."""
    per_juror: dict[tuple[int, int], dict[int, int]] = {}
    per_criterion: dict[tuple[int, int], list[int]] = {}
    for mark in marks:
        per_juror.setdefault((mark.team_id, mark.juror_id), {})[mark.criterion_id] = mark.value
        per_criterion.setdefault((mark.team_id, mark.criterion_id), []).append(mark.value)
    placings = []
    for team_id in team_ids:
        scores = [
            score
            for (team, _juror), values in per_juror.items()
            if team == team_id and (score := juror_score(weights, values)) is not None
        ]
        placing = Placing(team_id, sum(scores, Fraction(0)) / len(scores) if scores else None)
        placing.jurors = len(scores)
        placing.by_criterion = {
            criterion: Fraction(sum(values), len(values))
            for (team, criterion), values in per_criterion.items()
            if team == team_id and criterion in weights
        }
        placings.append(placing)
    ranked = sorted((p for p in placings if p.score is not None), key=lambda p: -(p.score or 0))
    for index, placing in enumerate(ranked):
        before = ranked[index - 1] if index else None
        after = ranked[index + 1] if index + 1 < len(ranked) else None
        placing.rank = before.rank if before is not None and before.score == placing.score else index + 1
        placing.tied = (before is not None and before.score == placing.score) or (
            after is not None and after.score == placing.score
        )
    return ranked + [p for p in placings if p.score is None]
