"""What changed in an organisation's register during one reporting period."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from . import scoring
from .as_at import end_of_day, snapshot, start_of_day
from .choices import RiskStatus
from .models import Action, Control, ReportingPeriod, Review, Risk


@dataclass(frozen=True)
class Change:
    """One change of the period, as a row of the page and of the CSV."""

    kind: str
    risk_id: int
    reference: str
    title: str
    detail: str
    before: str
    after: str
    when: datetime | None
    who: str
    reason: str


KINDS = (
    "New risk",
    "Closed risk",
    "Deleted risk",
    "Score change",
    "Control added",
    "Control removed",
    "Action added",
    "Action removed",
    "Review overdue",
)


# What the page needs of a risk's history row: read as values, not as models.
RISK_ROW_FIELDS = (
    "id",
    "reference",
    "title",
    "status",
    "current_likelihood",
    "current_impact",
    "history_date",
    "history_type",
    "history_change_reason",
)


def _who(row) -> str:
    return row.history_user.get_username() if row.history_user else ""


def _score_text(likelihood, impact) -> str:
    value = scoring.score(likelihood, impact)
    band = scoring.band_for(value)
    return f"{value} {band.label} ({likelihood}×{impact})" if band else "Not scored"


def _states_before(in_period: QuerySet, start: datetime) -> dict:
    """Return each risk changed in the period as its last row before the period.

    One query whatever the length of the history: the rows before the period of
    just those risks, ranked newest first per risk, keeping the first.
    """
    newest_first = Window(
        RowNumber(),
        partition_by=[F("id")],
        order_by=[F("history_date").desc(), F("history_id").desc()],
    )
    rows = (
        Risk.history.filter(id__in=in_period.values("id"), history_date__lt=start)
        .annotate(rank=newest_first)
        .filter(rank=1)
        .order_by()
        .values_list("id", "status", "current_likelihood", "current_impact")
    )
    return {
        risk_id: {
            "status": status,
            "current_likelihood": likelihood,
            "current_impact": impact,
        }
        for risk_id, status, likelihood, impact in rows
    }


def _risk_changes(period: ReportingPeriod, start: datetime, end: datetime):
    history = Risk.history.filter(organisation_id=period.organisation_id)
    in_period = history.filter(history_date__gte=start, history_date__lte=end)
    username = f"history_user__{get_user_model().USERNAME_FIELD}"
    rows = in_period.order_by("history_date", "history_id").values(
        *RISK_ROW_FIELDS, username
    )
    previous = _states_before(in_period, start)
    for row in rows:
        before = previous.get(row["id"])
        previous[row["id"]] = row
        base = {
            "risk_id": row["id"],
            "reference": row["reference"],
            "title": row["title"],
            "when": row["history_date"],
            "who": row[username] or "",
            "reason": row["history_change_reason"] or "",
        }
        if row["history_type"] == "+":
            score = _score_text(row["current_likelihood"], row["current_impact"])
            yield Change(kind="New risk", detail="", before="", after=score, **base)
        elif row["history_type"] == "-":
            yield Change(kind="Deleted risk", detail="", before="", after="", **base)
        elif before is not None:
            if (
                row["status"] == RiskStatus.CLOSED
                and before["status"] != RiskStatus.CLOSED
            ):
                yield Change(
                    kind="Closed risk", detail="", before="Open", after="Closed", **base
                )
            old = (before["current_likelihood"], before["current_impact"])
            new = (row["current_likelihood"], row["current_impact"])
            if old != new:
                yield Change(
                    kind="Score change",
                    detail="Current score",
                    before=_score_text(*old),
                    after=_score_text(*new),
                    **base,
                )


def _child_changes(model, label: str, organisation_id: int, start, end):
    history = Risk.history.filter(organisation_id=organisation_id)
    # The risk's reference and title as last recorded, read alongside each row.
    newest = Risk.history.filter(id=OuterRef("risk_id")).order_by(
        "-history_date", "-history_id"
    )
    rows = (
        model.history.filter(risk_id__in=history.values("id"))
        .filter(history_date__gte=start, history_date__lte=end)
        .filter(history_type__in=["+", "-"])
        .annotate(
            risk_reference=Subquery(newest.values("reference")[:1]),
            risk_title=Subquery(newest.values("title")[:1]),
        )
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        yield Change(
            kind=f"{label} {'added' if row.history_type == '+' else 'removed'}",
            risk_id=row.risk_id,
            reference=row.risk_reference,
            title=row.risk_title,
            detail=row.description,
            before="",
            after="",
            when=row.history_date,
            who=_who(row),
            reason=row.history_change_reason or "",
        )


def _overdue_reviews(period: ReportingPeriod, end: datetime):
    """Open risks at the period's end with no review recorded for the period."""
    # Reviews are never deleted (no service does), so "created by then" suffices.
    reviewed = Review.history.filter(
        period_id=period.pk, history_date__lte=end, history_type="+"
    ).values("risk_id")
    at_end = (
        snapshot(Risk, end)
        .filter(organisation_id=period.organisation_id, status=RiskStatus.OPEN)
        .exclude(id__in=reviewed)
        .order_by("reference")
    )
    for risk in at_end:
        due = (
            risk.next_review_date.strftime("%-d %B %Y") if risk.next_review_date else ""
        )
        yield Change(
            kind="Review overdue",
            risk_id=risk.id,
            reference=risk.reference,
            title=risk.title,
            detail=f"No review recorded for {period.label}",
            before=f"Next review was due {due}" if due else "",
            after="",
            when=None,
            who=risk.owner_post,
            reason="",
        )


def period_changes(period: ReportingPeriod) -> list[Change]:
    """Return the period's changes: new, closed, rescored risks, controls, actions."""
    start = start_of_day(period.start)
    end = end_of_day(period.end)
    organisation_id = period.organisation_id
    changes = [
        *_risk_changes(period, start, end),
        *_child_changes(Control, "Control", organisation_id, start, end),
        *_child_changes(Action, "Action", organisation_id, start, end),
    ]
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.reference, c.when))
    return changes + list(_overdue_reviews(period, end))
