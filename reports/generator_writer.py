"""Write a generator plan with bulk inserts, each version a dated history row."""

import time as clock
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from alignment.models import AlignmentLink, JointAction, LinkStatus
from risks.choices import ActionStatus, Marking, Role
from risks.models import (
    Action,
    Control,
    Membership,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
    Theme,
)

from . import services
from .bulk_history import (
    BATCH_SIZE,
    attribute,
    bulk_with_history,
    history_rows,
    snapshot_risk_themes,
)
from .demo import add_sections
from .generator_plan import ORGANISATIONS, Plan, Version
from .generator_topics import OWNER_POSTS, THEME_NAMES

PAPER_THEMES = 3
PAPER_TITLE = "Alignment of MOPAC and Met Risks (generated register)"

ROLES = (
    (Role.GOVERNANCE, "Head of Governance and Risk"),
    (Role.RISK_OWNER, "Director of Strategy"),
    (Role.READER, "Risk Analyst"),
)
ROLE_NAMES = {
    Role.GOVERNANCE: "governance",
    Role.RISK_OWNER: "owner",
    Role.READER: "reader",
}


class GeneratorRefused(Exception):
    """The generator will not run here (production settings or data present)."""


@dataclass
class Result:
    """What was written, with the seconds each phase took."""

    timings: dict[str, float] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    paper_id: int | None = None

    @property
    def total_seconds(self) -> float:
        return sum(self.timings.values())


@contextmanager
def phase(result: Result, name: str, report: Callable[[str], None]) -> Iterator:
    """Time the block into `result.timings[name]` and report the seconds."""
    started = clock.perf_counter()
    yield
    result.timings[name] = clock.perf_counter() - started
    report(f"  {name:<28} {result.timings[name]:7.2f} s")


class Writer:
    """Write a plan in one pass per kind of object, timing each phase."""

    def __init__(self, plan: Plan, result: Result, report):
        self.plan = plan
        self.result = result
        self.report = report
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.setup_at = datetime.combine(
            plan.periods[0].start - timedelta(days=90), time(9), tzinfo=self.tz
        )

    def write(self) -> None:
        with phase(self.result, "organisations and users", self.report):
            self._people()
        with phase(self.result, "themes and periods", self.report):
            self._themes()
            self._periods()
        with phase(self.result, "risks and history", self.report):
            self._risks()
        with phase(self.result, "controls and actions", self.report):
            self._children(Control, "controls")
            self._children(Action, "actions")
        with phase(self.result, "reviews", self.report):
            self._reviews()
        with phase(self.result, "owner permissions", self.report):
            self._grants()
        with phase(self.result, "alignment links", self.report):
            self._links()
        with phase(self.result, "panel paper", self.report):
            self._paper()

    def _people(self) -> None:
        self.orgs = {}
        for slug, short, name in ORGANISATIONS:
            org = Organisation.objects.filter(slug=slug).first()
            if org is None:
                org = attribute(
                    Organisation(slug=slug, short_name=short, name=name),
                    at=self.setup_at,
                    user=None,
                    reason="Organisation set up",
                )
                bulk_create_with_history([org], Organisation)
                org = Organisation.objects.get(slug=slug)
            self.orgs[slug] = org
        user_model = get_user_model()
        # One hash for every generated user: hashing is slow by design.
        password = make_password(self.plan.options.password)
        wanted = {}
        for slug, _, _ in ORGANISATIONS:
            for role, post in ROLES:
                wanted[f"bench-{slug}-{ROLE_NAMES[role]}"] = (slug, role, post)
            for username in self.plan.owners[slug][1:]:
                wanted[username] = (slug, Role.RISK_OWNER, "Risk owner")
        existing = {
            u.username: u for u in user_model.objects.filter(username__in=wanted)
        }
        new = [
            user_model(
                username=name, email=f"{name}@example.invalid", password=password
            )
            for name in wanted
            if name not in existing
        ]
        user_model.objects.bulk_create(new, batch_size=BATCH_SIZE)
        user_model.objects.filter(username__in=existing).update(password=password)
        self.users = {
            u.username: u for u in user_model.objects.filter(username__in=wanted)
        }
        members = set(
            Membership.objects.filter(user__in=self.users.values()).values_list(
                "user__username", flat=True
            )
        )
        memberships = [
            attribute(
                Membership(
                    user=self.users[name],
                    organisation=self.orgs[slug],
                    role=role,
                    post_title=post,
                ),
                at=self.setup_at,
                user=None,
                reason="Generated user",
            )
            for name, (slug, role, post) in wanted.items()
            if name not in members
        ]
        bulk_create_with_history(memberships, Membership, batch_size=BATCH_SIZE)
        self.result.counts["users"] = len(wanted)

    def _themes(self) -> None:
        slugs = {slugify(name): name for name in THEME_NAMES}
        have = set(Theme.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [
            attribute(
                Theme(name=name, slug=slug),
                at=self.setup_at,
                user=None,
                reason="Theme added",
            )
            for slug, name in slugs.items()
            if slug not in have
        ]
        bulk_create_with_history(missing, Theme)
        self.themes = {t.name: t for t in Theme.objects.filter(slug__in=slugs)}

    def _periods(self) -> None:
        items = []
        self.periods = {}
        labels = [p.label for p in self.plan.periods]
        if ReportingPeriod.objects.filter(
            organisation__in=self.orgs.values(), label__in=labels
        ).exists():
            raise GeneratorRefused(
                "Reporting periods with the generated labels already exist."
            )
        for slug, org in self.orgs.items():
            governance = f"bench-{slug}-governance"
            for number, spec in enumerate(self.plan.periods):
                opened = datetime.combine(spec.start, time(9), tzinfo=self.tz)
                closed = datetime.combine(
                    spec.end + timedelta(days=14), time(16), tzinfo=self.tz
                )
                period = ReportingPeriod(
                    organisation=org,
                    label=spec.label,
                    start=spec.start,
                    end=spec.end,
                    is_closed=True,
                    closed_at=closed,
                    closed_by=self.users[governance],
                )
                state = {"is_closed": False, "closed_at": None, "closed_by_id": None}
                items.append(
                    (period, Version(opened, "+", governance, "Period opened", state))
                )
                done = {
                    "is_closed": True,
                    "closed_at": closed,
                    "closed_by_id": self.users[governance].pk,
                }
                items.append(
                    (period, Version(closed, "~", governance, "Period closed", done))
                )
                self.periods[(slug, number)] = period
        bulk_with_history(ReportingPeriod, items, self.users)
        self.result.counts["periods"] = len(self.periods)

    def _risks(self) -> None:
        self.risks: dict[tuple[str, int], Risk] = {}
        through = Risk.themes.through
        for slug, plans in self.plan.risks.items():
            org = self.orgs[slug]
            live = []
            for index, plan in enumerate(plans):
                risk = Risk(
                    organisation=org,
                    owner=self.users[plan.owner],
                    **plan.versions[-1].fields,
                )
                self.risks[(slug, index)] = risk
                live.append(risk)
            Risk.objects.bulk_create(live, batch_size=BATCH_SIZE)
            links = [
                through(risk_id=risk.pk, theme_id=self.themes[name].pk)
                for risk, plan in zip(live, plans, strict=True)
                for name in plan.themes
            ]
            through.objects.bulk_create(links, batch_size=BATCH_SIZE)
            by_risk: dict[int, list] = {}
            for row in links:
                by_risk.setdefault(row.risk_id, []).append(row)
            history = Risk.history.model.objects.bulk_create(
                history_rows(
                    Risk,
                    (
                        (risk, version)
                        for risk, plan in zip(live, plans, strict=True)
                        for version in plan.versions
                    ),
                    self.users,
                ),
                batch_size=BATCH_SIZE,
            )
            # Every history row of a risk snapshots its themes, as a save would.
            snapshot_risk_themes(history, by_risk)
            self.result.counts["risks"] += len(live)
            self.result.counts["risk history rows"] += len(history)

    def _children(self, model, attr: str) -> None:
        items = []
        for (slug, index), risk in self.risks.items():
            for versions in getattr(self.plan.risks[slug][index], attr):
                child = model(risk=risk, **versions[-1].fields)
                items.extend((child, version) for version in versions)
        history = bulk_with_history(model, items, self.users)
        self.result.counts[attr] += len({id(obj) for obj, _ in items})
        self.result.counts[f"{attr} history rows"] += len(history)

    def _reviews(self) -> None:
        reviews = []
        for (slug, index), risk in self.risks.items():
            plan = self.plan.risks[slug][index]
            reviewer = self.users[plan.owner]
            for spec in plan.reviews:
                period = self.periods[(slug, spec.period)]
                reviews.append(
                    attribute(
                        Review(
                            risk=risk,
                            period=period,
                            likelihood=spec.likelihood,
                            impact=spec.impact,
                            commentary=spec.commentary,
                            reviewed_by=reviewer,
                            reviewed_on=spec.reviewed_on,
                        ),
                        at=spec.at,
                        user=reviewer,
                        reason=f"Quarterly review {period.label}",
                    )
                )
        bulk_create_with_history(reviews, Review, batch_size=BATCH_SIZE)
        self.result.counts["reviews"] = len(reviews)

    def _grants(self) -> None:
        permission = Permission.objects.get(
            content_type__app_label="risks", codename="change_risk"
        )
        grants = []
        for (slug, index), risk in self.risks.items():
            plan = self.plan.risks[slug][index]
            grants.append(
                attribute(
                    RiskUserObjectPermission(
                        content_object=risk,
                        user=self.users[plan.owner],
                        permission=permission,
                    ),
                    at=plan.versions[0].at + timedelta(seconds=1),
                    user=self.users[f"bench-{slug}-governance"],
                    reason="Risk owner assigned",
                )
            )
        bulk_create_with_history(
            grants, RiskUserObjectPermission, batch_size=BATCH_SIZE
        )
        self.result.counts["grants"] = len(grants)

    def _links(self) -> None:
        items = []
        agreed = []
        for plan in self.plan.links:
            proposer = self.risks[plan.proposer]
            last = plan.versions[-1].fields
            link = AlignmentLink(
                proposer_risk=proposer,
                partner_risk=self.risks[plan.partner],
                theme=self.themes[plan.theme],
                proposed_by_organisation=proposer.organisation,
                proposed_by=self.users[plan.versions[0].user],
                relationship=last["relationship"],
                rationale=last["rationale"],
                status=last["status"],
                decision_reason=last["decision_reason"],
                decided_by=self.users[last["decided_by"]]
                if last["decided_by"]
                else None,
            )
            items.extend((link, version) for version in plan.versions)
            if link.status == LinkStatus.AGREED:
                agreed.append((link, plan))
        bulk_with_history(AlignmentLink, items, self.users)
        actions = []
        for link, plan in agreed:
            owner_slug = plan.partner[0]
            decided = plan.versions[-1].at
            actions.append(
                attribute(
                    JointAction(
                        link=link,
                        organisation=self.orgs[owner_slug],
                        description="Report joint progress on the shared controls "
                        "to the Audit Panel.",
                        owner_post=OWNER_POSTS[owner_slug][0],
                        due_date=decided.date() + timedelta(days=180),
                        status=ActionStatus.ON_TRACK,
                    ),
                    at=decided + timedelta(hours=2),
                    user=self.users[f"bench-{owner_slug}-governance"],
                    reason="Joint action agreed",
                )
            )
        bulk_create_with_history(actions, JointAction, batch_size=BATCH_SIZE)
        self.result.counts["agreed links"] = len(agreed)
        self.result.counts["proposed links"] = len(self.plan.links) - len(agreed)
        self.result.counts["joint actions"] = len(actions)

    def _paper(self) -> None:
        agreed = Counter(
            plan.theme
            for plan in self.plan.links
            if plan.versions[-1].fields["status"] == LinkStatus.AGREED
        )
        themes = [
            self.themes[name]
            for name, _ in sorted(agreed.items(), key=lambda item: (-item[1], item[0]))
        ][:PAPER_THEMES]
        last = self.plan.periods[-1]
        at = datetime.combine(last.end + timedelta(days=14), time(10), tzinfo=self.tz)
        user = self.users["bench-mopac-governance"]
        paper = services.paper_create(
            user=user,
            data={
                "meeting": "MPS-MOPAC Joint Audit Panel",
                "meeting_date": last.end + timedelta(days=60),
                "agenda_item": "5b",
                "title": PAPER_TITLE,
                "report_by": "MOPAC Chief Executive Officer & Met Director of "
                "Strategy & Governance",
                "period_label": last.label,
                "period_end": last.end,
                "marking": Marking.OFFICIAL,
                "include_heat_maps": True,
            },
            themes=themes,
            reason="Paper drafted",
            at=at,
        )
        add_sections(paper, user=user, at=at)
        self.result.paper_id = paper.pk
        self.result.counts["papers"] = 1
