"""Carry the 2019 demo forward to the quarter holding the load date.

`load_demo` first writes the 2019 registers, links and paper exactly as before
(the reference paper's year). This module then reads what 2019 left into plain
data, plans every later quarter (`demo_forward_plan`), and writes the plan the
way the benchmark generator does: bulk inserts, one dated history row per
version, attributed to the demo user who would have made the change. The draft
paper for the next Audit Panel meeting goes through the paper services.

It lives in `reports` because it writes every app's data and the paper, and
only `reports` may import the others.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from simple_history.utils import bulk_create_with_history

from alignment.models import AlignmentLink, JointAction
from risks import access
from risks.choices import Marking, Role
from risks.demo.people import GOVERNANCE, ORGANISATIONS, USERS
from risks.models import (
    Action,
    Control,
    Organisation,
    Panel,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
    Theme,
)

from . import meeting_services, services
from .bulk_history import BATCH_SIZE, attribute, history_rows, snapshot_risk_themes
from .demo import REGISTER_ITEMS, TITLE
from .demo_forward_plan import (
    FIRST_DAY,
    ChildPlan,
    LinkPlan,
    PeriodPlan,
    Plan,
    RiskPlan,
    Snapshot,
    Tracked,
    plan_carry_forward,
    topic_for,
)
from .models import AgendaItemKind, Meeting, PanelPaper, SectionKind

# The last day the 2019 demo describes: loading up to it adds nothing.
LAST_2019_DAY = FIRST_DAY - timedelta(days=1)
RISK_FIELDS = (
    "title",
    "owner_post",
    "status",
    "closed_on",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "target_date",
    "next_review_date",
    "version",
)
CONTROL_FIELDS = ("description", "effectiveness", "owner_post", "version")
ACTION_FIELDS = (
    "description",
    "owner_post",
    "due_date",
    "revised_due_date",
    "status",
    "version",
)
LINK_FIELDS = ("status", "decision_reason", "decided_by")
# Its governance officer drafts the joint paper, as in 2019.
PAPER_ORGANISATION = "mopac"
# Fields planned as usernames, written as user ids.
USER_FIELDS = ("closed_by", "decided_by")


class NotTheDemo(Exception):
    """The registers are not as the 2019 demo left them: they are left alone."""


@dataclass
class CarryResult:
    carried_to: str | None  # the current quarter's label, if carried this time
    already_at: str | None = None  # the latest quarter, if carried before
    left_alone: str = ""  # why registers changed by hand were not carried
    counts: Counter = field(default_factory=Counter)
    paper: PanelPaper | None = None


def demo_organisations() -> dict[str, Organisation]:
    """Return the demo's organisations by slug."""
    return {
        o.slug: o
        for o in Organisation.objects.filter(slug__in=[s.slug for s in ORGANISATIONS])
    }


def carried_to(organisations) -> str | None:
    """Return the latest quarter the demo was carried to, if it was."""
    latest = (
        ReportingPeriod.objects.filter(
            organisation__in=organisations, start__gte=FIRST_DAY
        )
        .order_by("-start")
        .first()
    )
    return latest.label if latest else None


def carry_forward(*, until: date) -> CarryResult:
    """Carry the 2019 demo to `until` once (idempotent), in one transaction."""
    organisations = demo_organisations()
    if until <= LAST_2019_DAY:
        return CarryResult(carried_to=None)
    already = carried_to(organisations.values())
    if already is not None:
        return CarryResult(carried_to=None, already_at=already)
    tz = ZoneInfo(settings.TIME_ZONE)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[spec.username for spec in USERS]
        )
    }
    try:
        snapshot = read_snapshot(organisations)
    except NotTheDemo as reason:
        return CarryResult(carried_to=None, left_alone=str(reason))
    plan = plan_carry_forward(snapshot, until, tz)
    result = CarryResult(carried_to=plan.periods[-1].label)
    _Writer(plan, organisations, users, result).write()
    result.paper = _draft_next_paper(plan, until, users, tz)
    return result


# --- Reading what 2019 left -----------------------------------------------------


def read_snapshot(organisations: dict[str, Organisation]) -> Snapshot:
    """Read the registers as 2019 left them; refuse any that are not the demo's."""
    open_periods = []
    for slug, organisation in organisations.items():
        period = organisation.periods.filter(is_closed=False).order_by("-start").first()
        if period is None or period.end != LAST_2019_DAY:
            raise NotTheDemo(
                f"{organisation.short_name}'s open quarter is not 2019/20 Q2, so its "
                "register was changed by hand after the 2019 demo was loaded."
            )
        item = Tracked(
            period.pk, {"is_closed": False, "closed_at": None, "closed_by": None}
        )
        open_periods.append(
            PeriodPlan(slug, period.label, period.start, period.end, item)
        )
    risks = (
        Risk.objects.filter(organisation__in=organisations.values())
        .select_related("organisation", "owner")
        .prefetch_related("themes", "controls", "actions")
        .order_by("reference", "pk")
    )
    risk_plans = []
    for risk in risks:
        themes = tuple(sorted(t.name for t in risk.themes.all()))
        plan = RiskPlan(
            org=risk.organisation.slug,
            reference=risk.reference,
            owner=risk.owner.username if risk.owner else None,
            themes=themes,
            topic=topic_for(themes),
            created_at=None,
            item=Tracked(risk.pk, {f: getattr(risk, f) for f in RISK_FIELDS}),
        )
        plan.controls = [
            ChildPlan(Tracked(c.pk, {f: getattr(c, f) for f in CONTROL_FIELDS}))
            for c in sorted(risk.controls.all(), key=lambda c: c.pk)
        ]
        plan.actions = [
            ChildPlan(Tracked(a.pk, {f: getattr(a, f) for f in ACTION_FIELDS}))
            for a in sorted(risk.actions.all(), key=lambda a: a.pk)
        ]
        risk_plans.append(plan)
    return Snapshot(
        organisations={s.slug: s.short_name for s in ORGANISATIONS},
        governance=dict(GOVERNANCE),
        owners={
            spec.organisation: (spec.username, spec.post_title)
            for spec in USERS
            if spec.role == Role.RISK_OWNER
        },
        themes=tuple(Theme.objects.order_by("name").values_list("name", flat=True)),
        open_periods=open_periods,
        risks=risk_plans,
        links=_links(organisations),
    )


def _links(organisations: dict[str, Organisation]) -> list[LinkPlan]:
    links = (
        AlignmentLink.objects.filter(
            proposer_risk__organisation__in=organisations.values()
        )
        .select_related("proposer_risk", "partner_risk", "theme", "decided_by")
        .prefetch_related("joint_actions__organisation")
        .order_by("pk")
    )
    plans = []
    for link in links:
        fields = {
            "status": link.status,
            "decision_reason": link.decision_reason,
            "decided_by": link.decided_by.username if link.decided_by else None,
        }
        plan = LinkPlan(
            link.proposer_risk.reference,
            link.partner_risk.reference,
            link.theme.name,
            link.relationship,
            link.rationale,
            Tracked(link.pk, fields),
        )
        plan.joint_actions = [
            ChildPlan(
                Tracked(a.pk, {f: getattr(a, f) for f in ACTION_FIELDS}),
                org=a.organisation.slug,
            )
            for a in sorted(link.joint_actions.all(), key=lambda a: a.pk)
        ]
        plans.append(plan)
    return plans


# --- Writing the plan --------------------------------------------------------------


class _Writer:
    """Write a plan one model at a time, parents before the rows pointing at them."""

    def __init__(self, plan: Plan, organisations, users, result: CarryResult):
        self.plan = plan
        self.orgs = organisations
        self.users = users
        self.counts = result.counts
        self.risks = {r.reference: r for r in plan.risks}

    def _resolved(self, fields: dict) -> dict:
        """Turn planned usernames into user ids, as the tables hold them."""
        return {
            (f"{k}_id" if k in USER_FIELDS else k): (
                (self.users[v].pk if v else None) if k in USER_FIELDS else v
            )
            for k, v in fields.items()
        }

    def _write(self, model, entries: list[tuple[Tracked, object]], label: str):
        """Write planned objects: new ones created, 2019 ones brought up to date.

        `entries` pairs each planned object with a function making its new
        instance (foreign keys set). Returns the history rows written.
        """
        # Every 2019 object gets its instance, changed or not: others point at it.
        by_pk = model.objects.in_bulk([item.pk for item, _ in entries if item.pk])
        for item, _ in entries:
            if item.pk is not None:
                item.instance = by_pk[item.pk]
        entries = [(item, make) for item, make in entries if item.versions]
        new = [item for item, _ in entries if item.pk is None]
        for item, make in entries:
            if item.pk is None:
                item.instance = make()
        existing = [item for item, _ in entries if item.pk is not None]
        changed: set[str] = set()
        for item in existing:
            changed.update(item.fields)
        for item in new + existing:
            for name, value in self._resolved(item.fields).items():
                setattr(item.instance, name, value)
        model.objects.bulk_create([i.instance for i in new], batch_size=BATCH_SIZE)
        if existing:
            model.objects.bulk_update(
                [i.instance for i in existing], sorted(changed), batch_size=BATCH_SIZE
            )
        pairs = [
            (item.instance, version)
            for item in new + existing
            for version in item.versions
        ]
        resolved = [
            (obj, replace(version, fields=self._resolved(version.fields)))
            for obj, version in pairs
        ]
        history = model.history.model.objects.bulk_create(
            history_rows(model, resolved, self.users), batch_size=BATCH_SIZE
        )
        self.counts[f"{label} added"] += len(new)
        self.counts[f"{label} history rows"] += len(history)
        return history

    def write(self) -> None:
        plan = self.plan
        self._write(
            ReportingPeriod,
            [
                (
                    p.item,
                    lambda p=p: ReportingPeriod(
                        organisation=self.orgs[p.org],
                        label=p.label,
                        start=p.start,
                        end=p.end,
                    ),
                )
                for p in plan.periods
            ],
            "periods",
        )
        self._risks()
        self._write(
            Control,
            [
                (c.item, lambda r=r: Control(risk=r.item.instance))
                for r in plan.risks
                for c in r.controls
            ],
            "controls",
        )
        self._write(
            Action,
            [
                (a.item, lambda r=r: Action(risk=r.item.instance))
                for r in plan.risks
                for a in r.actions
            ],
            "actions",
        )
        self._reviews()
        self._links()
        access.links_changed()

    def _risks(self) -> None:
        plan = self.plan
        history = self._write(
            Risk,
            [
                (
                    r.item,
                    lambda r=r: Risk(
                        organisation=self.orgs[r.org],
                        owner=self.users[r.owner] if r.owner else None,
                        reference=r.reference,
                    ),
                )
                for r in plan.risks
            ],
            "risks",
        )
        through = Risk.themes.through
        themes = {t.name: t for t in Theme.objects.all()}
        new = [r for r in plan.risks if r.item.pk is None]
        through.objects.bulk_create(
            [
                through(risk_id=r.item.instance.pk, theme_id=themes[name].pk)
                for r in new
                for name in r.themes
            ],
            batch_size=BATCH_SIZE,
        )
        by_risk: dict[int, list] = {}
        ids = [r.item.instance.pk for r in plan.risks if r.item.instance is not None]
        for row in through.objects.filter(risk_id__in=ids).order_by("pk"):
            by_risk.setdefault(row.risk_id, []).append(row)
        snapshot_risk_themes(history, by_risk)
        self._grants(new)

    def _grants(self, new: list[RiskPlan]) -> None:
        permission = Permission.objects.get(
            content_type__app_label="risks", codename=access.CHANGE_RISK
        )
        grants = [
            attribute(
                RiskUserObjectPermission(
                    content_object=r.item.instance,
                    user=self.users[r.owner],
                    permission=permission,
                ),
                at=r.created_at + timedelta(seconds=1),
                user=self.users[GOVERNANCE[r.org]],
                reason="Risk owner assigned",
            )
            for r in new
            if r.owner
        ]
        bulk_create_with_history(
            grants, RiskUserObjectPermission, batch_size=BATCH_SIZE
        )
        self.counts["owner permissions added"] += len(grants)

    def _reviews(self) -> None:
        periods = {
            (p.org, p.label): p.item.instance
            for p in self.plan.periods
            if p.item.instance is not None
        }
        missing = {
            (p.organisation.slug, p.label): p
            for p in ReportingPeriod.objects.filter(
                organisation__in=self.orgs.values()
            ).select_related("organisation")
        }
        reviews = []
        for spec in self.plan.reviews:
            version = spec.version
            reviewer = self.users[version.user]
            period = (
                periods.get((spec.org, spec.period)) or missing[spec.org, spec.period]
            )
            reviews.append(
                attribute(
                    Review(
                        risk=self.risks[spec.reference].item.instance,
                        period=period,
                        likelihood=spec.likelihood,
                        impact=spec.impact,
                        commentary=spec.commentary,
                        reviewed_by=reviewer,
                        reviewed_on=spec.reviewed_on,
                    ),
                    at=version.at,
                    user=reviewer,
                    reason=version.reason,
                )
            )
        bulk_create_with_history(reviews, Review, batch_size=BATCH_SIZE)
        self.counts["reviews added"] += len(reviews)

    def _links(self) -> None:
        themes = {t.name: t for t in Theme.objects.all()}
        risks = self.risks

        def make(link: LinkPlan):
            proposer = risks[link.proposer]
            return AlignmentLink(
                proposer_risk=proposer.item.instance,
                partner_risk=risks[link.partner].item.instance,
                theme=themes[link.theme],
                relationship=link.relationship,
                rationale=link.rationale,
                proposed_by_organisation=self.orgs[proposer.org],
                proposed_by=self.users[link.item.versions[0].user],
            )

        self._write(
            AlignmentLink,
            [(link.item, lambda link=link: make(link)) for link in self.plan.links],
            "links",
        )
        self._write(
            JointAction,
            [
                (
                    child.item,
                    lambda link=link, child=child: JointAction(
                        link=link.item.instance, organisation=self.orgs[child.org]
                    ),
                )
                for link in self.plan.links
                for child in link.joint_actions
            ],
            "joint actions",
        )


# --- The draft paper for the next meeting ---------------------------------------

NEXT_SUMMARY = """\
This paper reports on the risks that MOPAC and the Met hold in common, as they
stood at the end of {period}. Both organisations reviewed every aligned risk
during the quarter; Appendix A sets out each risk's score, direction of travel,
controls and open actions as recorded in the joint register.
"""

NEXT_RECOMMENDATIONS = """\
The Audit Panel is recommended to:

1. Note the aligned risks and their direction of travel at the end of {period}.
2. Comment on the controls and actions in place for the {themes} risks.
"""

NEXT_ALIGNMENT = """\
MOPAC and the Met agree alignment at the joint Governance and Risk Working
Group. New risks on either register are considered for alignment when they are
added, and a link ends when either risk closes. The links in force at the end
of {period} are listed in Appendix A.
"""

NEXT_CONTACT = """\
Report authors:

- Head of Governance and Risk, MOPAC:
  [governance@mopac.example.invalid](mailto:governance@mopac.example.invalid)
- Head of Risk and Assurance, MPS:
  [risk-assurance@mps.example.invalid](mailto:risk-assurance@mps.example.invalid)
"""

NEXT_SECTIONS = (
    {"kind": SectionKind.SUMMARY, "body": NEXT_SUMMARY},
    {"kind": SectionKind.RECOMMENDATIONS, "body": NEXT_RECOMMENDATIONS},
    {"kind": SectionKind.BODY, "heading": "Alignment of risk", "body": NEXT_ALIGNMENT},
    {
        "kind": SectionKind.EQUALITY,
        "body": "This paper has no direct equality and diversity impact.\n",
    },
    {
        "kind": SectionKind.FINANCIAL,
        "body": "There are no financial implications beyond existing budgets.\n",
    },
    {"kind": SectionKind.LEGAL, "body": "There are no direct legal implications.\n"},
    {"kind": SectionKind.CONTACT, "body": NEXT_CONTACT},
)


def next_meeting(until: date) -> date:
    """Return the next Panel meeting: a Wednesday at least three weeks away.

    Panels do not meet between Christmas and the New Year bank holiday.
    """
    day = until + timedelta(days=21)
    if (day.month, day.day) >= (12, 22) or (day.month, day.day) <= (1, 2):
        day = date(day.year + (day.month == 12), 1, 3)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def _draft_next_paper(plan: Plan, until: date, users, tz: ZoneInfo) -> PanelPaper:
    """Draft the paper for the next meeting on the last closed quarter."""
    closed = [
        p
        for p in plan.periods
        if p.org == PAPER_ORGANISATION and p.item.fields["is_closed"]
    ]
    period = max(closed, key=lambda p: p.end)
    agreed = Counter(
        link.theme for link in plan.links if link.item.fields["status"] == "agreed"
    )
    names = [n for n, _ in sorted(agreed.items(), key=lambda i: (-i[1], i[0]))][:2]
    cut = datetime.combine(until, time(0), tzinfo=tz)
    at = max(
        period.item.fields["closed_at"] + timedelta(minutes=30),
        cut - timedelta(days=3) + timedelta(hours=10),
    )
    user = users[GOVERNANCE[PAPER_ORGANISATION]]
    words = {"period": period.label, "themes": " and ".join(n.lower() for n in names)}
    paper = services.paper_create(
        user=user,
        data={
            "meeting": "MPS-MOPAC Joint Audit Panel",
            "meeting_date": next_meeting(until),
            "agenda_item": "5b",
            "title": TITLE,
            "report_by": "MOPAC Chief Executive Officer & Met Director of "
            "Strategy & Governance",
            "period_label": period.label,
            "period_end": period.end,
            "marking": Marking.OFFICIAL,
            "include_heat_maps": True,
        },
        themes=Theme.objects.filter(name__in=names),
        reason="Paper drafted for the next meeting",
        at=at,
    )
    for index, spec in enumerate(NEXT_SECTIONS, start=1):
        services.section_create(
            paper=paper,
            user=user,
            data={"order": index * 10, **spec, "body": spec["body"].format(**words)},
            at=at + timedelta(minutes=index),
        )
    paper.refresh_from_db()
    _put_on_agenda(paper, period.label, user=user, at=at + timedelta(seconds=30))
    paper.refresh_from_db()
    return paper


def _put_on_agenda(paper: PanelPaper, label: str, *, user, at: datetime) -> None:
    """The next meeting, with the paper (5b) and both registers (8a, 8b) on it."""
    panel = Panel.objects.get(name=paper.meeting)
    meeting = Meeting.objects.filter(panel=panel, date=paper.meeting_date).first()
    if meeting is None:
        meeting = meeting_services.meeting_create(
            panel=panel,
            data={"date": paper.meeting_date, "marking": Marking.OFFICIAL},
            user=user,
            reason="Meeting scheduled",
            at=at,
        )
    if meeting.items.exists():
        return
    items = [{"number": paper.agenda_item, "kind": AgendaItemKind.PAPER}]
    for number, slug in REGISTER_ITEMS:
        period = ReportingPeriod.objects.filter(
            organisation__slug=slug, label=label
        ).first()
        if period is not None:
            items.append(
                {"number": number, "kind": AgendaItemKind.REGISTER, "period": period}
            )
    for order, item in enumerate(items, start=1):
        meeting_services.agenda_item_create(
            meeting=meeting,
            data={"order": order * 10, "paper": paper, **item},
            user=user,
            at=at + timedelta(seconds=order),
        )
