"""Reads of alignment links, shaped for pages, in a constant number of queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from risks import charts
from risks.choices import Direction, RiskStatus, Role
from risks.models import (
    Action,
    Control,
    Membership,
    Organisation,
    PanelMember,
    Review,
    Risk,
    Theme,
)
from risks.scoring import CLOSED_ACTION_STATUSES
from risks.selectors import review_scores, travel, with_review_scores

from .drift import DriftFlag, RiskState, drift_flags
from .models import AlignmentLink, JointAction, LinkStatus


def viewable_links(user) -> QuerySet[AlignmentLink]:
    """Return the links the user may see.

    Governance officers see every link that touches their organisation, proposals
    included; other members and panel members see agreed links only.
    """
    links = AlignmentLink.objects.all()
    if not user.is_authenticated or not user.is_active:
        return links.none()
    if user.is_superuser:
        return links
    agreed = Q(status=LinkStatus.AGREED)

    def touches(organisations: QuerySet) -> Q:
        return Q(proposer_risk__organisation__in=organisations) | Q(
            partner_risk__organisation__in=organisations
        )

    own = Membership.objects.filter(user=user).values("organisation")
    governed = own.filter(role=Role.GOVERNANCE)
    # Decided in the one query, so asking costs nothing until the links are read.
    is_panel = Exists(PanelMember.objects.filter(user=user))
    return links.filter(
        touches(governed) | (agreed & touches(own)) | (agreed & Q(is_panel))
    )


def count_of(rows: QuerySet, parent_field: str):
    """Return a subquery counting rows per parent, 0 when there are none."""
    counted = (
        rows.order_by().values(parent_field).annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def overdue_joint_actions(today: date):
    """Return a subquery counting a link's open joint actions past their due date."""
    return count_of(
        JointAction.objects.filter(link=OuterRef("pk"))
        .exclude(status__in=CLOSED_ACTION_STATUSES)
        .filter(
            Q(revised_due_date__lt=today)
            | Q(revised_due_date__isnull=True, due_date__lt=today)
        ),
        "link",
    )


def _overview_risks(ids: set[int]) -> dict[int, Risk]:
    risk = OuterRef("pk")
    # The reviews (one query for every pair) draw the pairs' score charts.
    reviews = Prefetch(
        "reviews",
        queryset=Review.objects.select_related("period").order_by("period__end", "pk"),
    )
    risks = with_review_scores(
        Risk.objects.filter(pk__in=ids)
        .select_related("organisation")
        .prefetch_related(reviews)
        .with_scores()
    ).annotate(
        controls_count=count_of(Control.objects.filter(risk=risk), "risk"),
        open_actions_count=count_of(
            Action.objects.filter(risk=risk).exclude(status__in=CLOSED_ACTION_STATUSES),
            "risk",
        ),
    )
    return {risk.pk: risk for risk in risks}


@dataclass(frozen=True)
class Side:
    """One risk of an aligned pair, as the overview shows it."""

    risk: Risk
    direction: Direction
    review_overdue: bool


@dataclass(frozen=True)
class Pair:
    link: AlignmentLink
    left: Side
    right: Side
    flags: list[DriftFlag]
    overdue_joint_actions: int

    def chart(
        self, *, visible: set[int] | None = None, size: charts.Size = charts.PAGE
    ) -> charts.ScoreChart:
        """Chart both risks' review scores over the same quarters (visible only)."""
        return pair_chart(
            [side.risk for side in (self.left, self.right)],
            slug=f"link-{self.link.pk}-chart",
            visible=visible,
            size=size,
        )

    @property
    def small_chart(self) -> charts.ScoreChart:
        return self.chart(size=charts.COMPACT)


def pair_chart(
    risks: list[Risk],
    *,
    slug: str,
    visible: set[int] | None = None,
    size: charts.Size = charts.PAGE,
) -> charts.ScoreChart:
    """Chart aligned risks' scores (reviews prefetched with their periods)."""
    shown = [r for r in risks if visible is None or r.pk in visible]
    references = " and ".join(r.reference for r in shown)
    return charts.score_chart(
        f"Scores of the aligned risks {references} at each quarterly review",
        [(r.organisation.short_name, review_scores(r.reviews.all())) for r in shown],
        size=size,
        slug=slug,
    )


@dataclass(frozen=True)
class ThemeGroup:
    theme: Theme
    pairs: list[Pair]


def _side(risk: Risk, today: date) -> Side:
    return Side(
        risk=risk, direction=travel(risk), review_overdue=risk.review_is_overdue(today)
    )


def _state(side: Side) -> RiskState:
    return RiskState(
        score=side.risk.current_score,
        is_closed=side.risk.status == RiskStatus.CLOSED,
        review_overdue=side.review_overdue,
    )


def overview(
    links: QuerySet[AlignmentLink],
    *,
    today: date,
    viewer_organisation: Organisation | None = None,
    threshold: int | None = None,
) -> list[ThemeGroup]:
    """Group links by theme with both risks side by side and their drift flags.

    The viewer's own organisation's risk is shown on the left.
    """
    links = list(
        links.select_related("theme").annotate(
            overdue_joint_actions=overdue_joint_actions(today)
        )
    )
    risks = _overview_risks(
        {link.proposer_risk_id for link in links}
        | {link.partner_risk_id for link in links}
    )
    groups: dict[int, ThemeGroup] = {}
    for link in links:
        left = _side(risks[link.proposer_risk_id], today)
        right = _side(risks[link.partner_risk_id], today)
        if viewer_organisation and right.risk.organisation_id == viewer_organisation.pk:
            left, right = right, left
        flags = drift_flags(
            _state(left),
            _state(right),
            overdue_joint_actions=link.overdue_joint_actions,
            threshold=threshold,
        )
        group = groups.setdefault(link.theme_id, ThemeGroup(theme=link.theme, pairs=[]))
        group.pairs.append(
            Pair(
                link=link,
                left=left,
                right=right,
                flags=flags,
                overdue_joint_actions=link.overdue_joint_actions,
            )
        )
    return sorted(groups.values(), key=lambda group: group.theme.name)


def filter_pairs(groups: list[ThemeGroup], flag: str) -> list[ThemeGroup]:
    """Keep only pairs carrying the given drift flag (and drop empty themes)."""
    kept = [
        ThemeGroup(theme=g.theme, pairs=[p for p in g.pairs if flag in p.flags])
        for g in groups
    ]
    return [group for group in kept if group.pairs]


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a link's life: who did what, when and why."""

    when: object
    who: object
    what: str
    reason: str


def link_history(link: AlignmentLink) -> list[HistoryEntry]:
    """Return the link's recorded steps and joint-action changes, oldest first."""
    entries = []
    for row in link.history.select_related("history_user").order_by(
        "history_date", "history_id"
    ):
        what = "Proposed" if row.history_type == "+" else row.get_status_display()
        entries.append(
            HistoryEntry(
                row.history_date,
                row.history_user,
                what,
                row.history_change_reason or "",
            )
        )
    actions = JointAction.history.filter(link_id=link.pk).select_related("history_user")
    verbs = {
        "+": "Joint action added",
        "~": "Joint action changed",
        "-": "Joint action removed",
    }
    for row in actions.order_by("history_date", "history_id"):
        entries.append(
            HistoryEntry(
                row.history_date,
                row.history_user,
                f"{verbs[row.history_type]}: {row.description[:80]}",
                row.history_change_reason or "",
            )
        )
    return sorted(entries, key=lambda entry: entry.when)
