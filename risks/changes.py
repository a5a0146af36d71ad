"""What changed in an organisation's register during one reporting period."""

from dataclasses import dataclass
from datetime import datetime

from . import scoring
from .as_at import end_of_day, start_of_day
from .choices import RiskStatus
from .models import Action, Control, ReportingPeriod, Review, Risk


@dataclass(frozen=True)
class Change:
    """One change of the period, as a row of the page and of the CSV."""

    kind: str
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


def _who(row) -> str:
    return row.history_user.get_username() if row.history_user else ""


def _score_text(likelihood, impact) -> str:
    value = scoring.score(likelihood, impact)
    band = scoring.band_for(value)
    return f"{value} {band.label} ({likelihood}×{impact})" if band else "Not scored"


def _risk_changes(period: ReportingPeriod, start: datetime, end: datetime):
    rows = (
        Risk.history.filter(organisation_id=period.organisation_id)
        .filter(history_date__lte=end)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous: dict[int, object] = {}
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_date < start:
            continue
        base = {
            "reference": row.reference,
            "title": row.title,
            "when": row.history_date,
            "who": _who(row),
            "reason": row.history_change_reason or "",
        }
        if row.history_type == "+":
            score = _score_text(row.current_likelihood, row.current_impact)
            yield Change(kind="New risk", detail="", before="", after=score, **base)
        elif row.history_type == "-":
            yield Change(kind="Deleted risk", detail="", before="", after="", **base)
        elif before is not None:
            if row.status == RiskStatus.CLOSED and before.status != RiskStatus.CLOSED:
                yield Change(
                    kind="Closed risk", detail="", before="Open", after="Closed", **base
                )
            old = (before.current_likelihood, before.current_impact)
            new = (row.current_likelihood, row.current_impact)
            if old != new:
                yield Change(
                    kind="Score change",
                    detail="Current score",
                    before=_score_text(*old),
                    after=_score_text(*new),
                    **base,
                )


def _child_changes(model, label: str, risk_refs: dict, start, end):
    rows = (
        model.history.filter(risk_id__in=list(risk_refs))
        .filter(history_date__gte=start, history_date__lte=end)
        .filter(history_type__in=["+", "-"])
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        reference, title = risk_refs[row.risk_id]
        yield Change(
            kind=f"{label} {'added' if row.history_type == '+' else 'removed'}",
            reference=reference,
            title=title,
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
    reviewed = set(
        Review.history.filter(
            period_id=period.pk, history_date__lte=end, history_type="+"
        ).values_list("risk_id", flat=True)
    )
    at_end = (
        Risk.history.as_of(end)
        .filter(organisation_id=period.organisation_id, status=RiskStatus.OPEN)
        .order_by("reference")
    )
    for risk in (r for r in at_end if r.pk not in reviewed):
        due = (
            risk.next_review_date.strftime("%-d %B %Y") if risk.next_review_date else ""
        )
        yield Change(
            kind="Review overdue",
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
    risk_refs = {
        row["id"]: (row["reference"], row["title"])
        for row in Risk.history.filter(organisation_id=period.organisation_id)
        .order_by("history_date", "history_id")
        .values("id", "reference", "title")
    }
    changes = [
        *_risk_changes(period, start, end),
        *_child_changes(Control, "Control", risk_refs, start, end),
        *_child_changes(Action, "Action", risk_refs, start, end),
    ]
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.reference, c.when))
    return changes + list(_overdue_reviews(period, end))
