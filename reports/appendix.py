"""Appendix A: the agreed aligned risks of the paper's themes, as at the period end.

Everything is read from the history tables as at the end of the paper's period,
so rendering the paper again later gives the same appendix however much the
register has changed since.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format

from alignment.models import AlignmentLink, LinkStatus
from risks import as_at, charts, scoring
from risks.choices import Direction, Effectiveness, Marking
from risks.models import Action, Control, Organisation, Risk
from risks.selectors import HeatMap, heat_maps

from .models import PanelPaper


@dataclass(frozen=True)
class AppendixControl:
    description: str
    effectiveness: str


@dataclass(frozen=True)
class AppendixAction:
    description: str
    due: date
    status: str


@dataclass(frozen=True)
class AppendixRisk:
    """One risk as it stood at the period end; redacted in the public edition."""

    reference: str
    title: str
    statement: str
    score: int | None
    likelihood: int
    impact: int
    band: scoring.Band | None
    direction: Direction
    aligned_with: tuple[str, ...]
    controls: tuple[AppendixControl, ...]
    actions: tuple[AppendixAction, ...]
    is_sensitive: bool
    redacted: bool
    public_summary: str


@dataclass(frozen=True)
class OrganisationGroup:
    short_name: str
    name: str
    risks: tuple[AppendixRisk, ...]

    @property
    def heading(self) -> str:
        return f"{self.short_name} risks"


@dataclass(frozen=True)
class ThemeGroup:
    name: str
    organisations: tuple[OrganisationGroup, ...]
    pair_charts: tuple[charts.ScoreChart, ...] = ()  # one per aligned pair


@dataclass(frozen=True)
class Appendix:
    as_at: date
    period_label: str
    themes: tuple[ThemeGroup, ...]
    heat_maps: tuple[HeatMap, ...]

    @property
    def lede(self) -> str:
        """The sentence under the appendix's heading, for every output."""
        names = [theme.name.lower() for theme in self.themes]
        if len(names) > 1:
            names = [", ".join(names[:-1]), names[-1]]
        themes = f" for {' and '.join(names)}" if names else ""
        period = f" ({self.period_label})" if self.period_label else ""
        day = date_format(self.as_at, "j F Y")
        return (
            f"Agreed aligned risks{themes}, with their controls and open actions, "
            f"as the registers stood at the end of {day}{period}."
        )

    @property
    def has_sensitive(self) -> bool:
        """Say whether the appendix prints any OFFICIAL-SENSITIVE detail."""
        return any(
            risk.is_sensitive and not risk.redacted
            for theme in self.themes
            for group in theme.organisations
            for risk in group.risks
        )


def _appendix_risk(
    risk: Risk,
    *,
    partners: set[int],
    snapshot: dict[int, Risk],
    controls: list[Control],
    actions: list[Action],
    direction: Direction,
    public: bool,
) -> AppendixRisk:
    is_sensitive = risk.marking == Marking.OFFICIAL_SENSITIVE
    redacted = public and is_sensitive
    effectiveness = dict(Effectiveness.choices)
    return AppendixRisk(
        reference=risk.reference,
        title="" if redacted else risk.title,
        statement="" if redacted else risk.statement,
        score=None if redacted else risk.current_score,
        likelihood=0 if redacted else risk.current_likelihood,
        impact=0 if redacted else risk.current_impact,
        band=None if redacted else risk.current_band,
        direction=direction,
        aligned_with=tuple(
            sorted(snapshot[pk].reference for pk in partners if pk in snapshot)
        ),
        controls=()
        if redacted
        else tuple(
            AppendixControl(
                description=c.description,
                effectiveness=str(effectiveness.get(c.effectiveness, c.effectiveness)),
            )
            for c in controls
        ),
        actions=()
        if redacted
        else tuple(
            AppendixAction(
                description=a.description,
                due=a.effective_due_date,
                status=a.get_status_display(),
            )
            for a in actions
            if a.status not in scoring.CLOSED_ACTION_STATUSES
        ),
        is_sensitive=is_sensitive,
        redacted=redacted,
        public_summary=risk.public_summary,
    )


def _pair_charts(
    links: list[AlignmentLink],
    *,
    snapshot: dict[int, Risk],
    history: dict[int, list[charts.ReviewScore]],
    organisations: dict[int, Organisation],
    public: bool,
    prefix: str,
) -> tuple[charts.ScoreChart, ...]:
    """Chart each aligned pair's scores over the same quarters.

    The public edition leaves out a pair with an OFFICIAL-SENSITIVE risk: its
    scores are withheld there.
    """
    result = []
    for link in links:
        pair = [snapshot.get(link.proposer_risk_id), snapshot.get(link.partner_risk_id)]
        if None in pair:
            continue
        if public and any(r.marking == Marking.OFFICIAL_SENSITIVE for r in pair):
            continue
        pair.sort(key=lambda r: (organisations[r.organisation_id].short_name, r.pk))
        names = " and ".join(
            f"{r.reference} ({organisations[r.organisation_id].short_name})"
            for r in pair
        )
        result.append(
            charts.score_chart(
                f"Scores of {names} at each quarterly review",
                [
                    (organisations[r.organisation_id].short_name, history.get(r.pk, []))
                    for r in pair
                ],
                slug=f"{prefix}-pair-{link.id}",
            )
        )
    return tuple(result)


def build_appendix(paper: PanelPaper, *, public: bool = False) -> Appendix:
    """Return Appendix A of the paper as the register stood at its period end."""
    moment = as_at.end_of_day(paper.period_end)
    themes = list(paper.themes.order_by("name"))
    links = list(
        AlignmentLink.history.as_of(moment)
        .filter(status=LinkStatus.AGREED, theme_id__in=[t.pk for t in themes])
        .order_by("id")
    )
    risk_ids = {link.proposer_risk_id for link in links} | {
        link.partner_risk_id for link in links
    }
    snapshot = {
        risk.pk: risk
        for risk in Risk.history.as_of(moment).filter(id__in=sorted(risk_ids))
    }
    controls = as_at.children_as_at(Control, moment, snapshot)
    actions = as_at.children_as_at(Action, moment, snapshot)
    history = as_at.review_scores_as_at(moment, sorted(snapshot))
    directions = as_at.directions_from(history, sorted(snapshot))
    organisations = {
        org.pk: org
        for org in Organisation.objects.filter(
            pk__in={risk.organisation_id for risk in snapshot.values()}
        )
    }

    theme_groups = []
    for number, theme in enumerate(themes, start=1):
        # Each risk once per theme, with the references it is aligned with.
        partners: dict[int, set[int]] = {}
        for link in links:
            if link.theme_id != theme.pk:
                continue
            a, b = link.proposer_risk_id, link.partner_risk_id
            if a in snapshot and b in snapshot:
                partners.setdefault(a, set()).add(b)
                partners.setdefault(b, set()).add(a)
        by_org: dict[int, list[AppendixRisk]] = {}
        for risk_id in partners:
            risk = snapshot[risk_id]
            by_org.setdefault(risk.organisation_id, []).append(
                _appendix_risk(
                    risk,
                    partners=partners[risk_id],
                    snapshot=snapshot,
                    controls=controls.get(risk_id, []),
                    actions=sorted(
                        actions.get(risk_id, []),
                        key=lambda a: (a.effective_due_date, a.pk),
                    ),
                    direction=directions[risk_id],
                    public=public,
                )
            )
        groups = [
            OrganisationGroup(
                short_name=organisations[org_id].short_name,
                name=organisations[org_id].name,
                risks=tuple(sorted(risks, key=lambda r: r.reference)),
            )
            for org_id, risks in by_org.items()
        ]
        groups.sort(key=lambda group: group.short_name)
        theme_groups.append(
            ThemeGroup(
                name=theme.name,
                organisations=tuple(groups),
                pair_charts=_pair_charts(
                    [link for link in links if link.theme_id == theme.pk],
                    snapshot=snapshot,
                    history=history,
                    organisations=organisations,
                    public=public,
                    prefix=f"appendix-{number}",
                ),
            )
        )

    maps = heat_maps(as_at.snapshot(Risk, moment)) if paper.include_heat_maps else []
    return Appendix(
        as_at=paper.period_end,
        period_label=paper.period_label,
        themes=tuple(theme_groups),
        heat_maps=tuple(maps),
    )
