"""Write the demo into the database through the register's services.

Every write is an event with the date it happened in 2019; the events run in
date order as the acting demo user, so simple-history shows the registers as
they were at any moment of that year.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils.text import slugify

from .. import services
from ..models import (
    Action,
    Control,
    Membership,
    Organisation,
    Panel,
    PanelMember,
    ReportingPeriod,
    Risk,
    Theme,
)
from . import mopac, mps
from .people import (
    ADMIN,
    GOVERNANCE,
    ORGANISATIONS,
    PANEL_NAME,
    PERIODS,
    SETUP_AT,
    THEMES,
    USERS,
)
from .specs import (
    ActionSpec,
    Change,
    ControlSpec,
    OrganisationSpec,
    PeriodSpec,
    ReviewSpec,
    RiskSpec,
    UserSpec,
)

RISKS: tuple[RiskSpec, ...] = (*mopac.RISKS, *mps.RISKS)

# Controls and actions are entered a little after their risk, in list order.
CONTROLS_AFTER = timedelta(hours=2)
ACTIONS_AFTER = timedelta(hours=3)


@dataclass(frozen=True)
class DemoResult:
    registers_loaded: bool
    users: int
    risks: int


@dataclass
class _State:
    """What has been written so far, looked up by the specs' natural keys."""

    users: dict[str, models.Model] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    periods: dict[tuple[str, str], ReportingPeriod] = field(default_factory=dict)
    risks: dict[str, Risk] = field(default_factory=dict)
    controls: dict[tuple[str, int], Control] = field(default_factory=dict)
    actions: dict[tuple[str, int], Action] = field(default_factory=dict)


Event = tuple[datetime, Callable[[_State], object]]


@transaction.atomic
def load_demo(*, password: str) -> DemoResult:
    """Create (or reset) the demo users and load the 2019 registers once."""
    state = _State()
    _load_people(state, password)
    organisations = list(state.organisations.values())
    already = _registers_exist(organisations)
    if not already:
        for _, run in timeline():
            run(state)
    return DemoResult(
        registers_loaded=not already,
        users=len(state.users),
        risks=Risk.objects.filter(organisation__in=organisations).count(),
    )


def _registers_exist(organisations: list[Organisation]) -> bool:
    """Say whether the registers were loaded (or started by hand) already."""
    # Periods count too: loading over a hand-made quarter would clash on labels.
    return (
        Risk.objects.filter(organisation__in=organisations).exists()
        or ReportingPeriod.objects.filter(organisation__in=organisations).exists()
    )


# --- People, organisations and themes -----------------------------------------


def _save(instance: models.Model, *, by, reason: str, at: datetime | None) -> None:
    """Validate and save a row the services do not cover, with its history."""
    instance.full_clean()
    instance._history_user = by
    instance._change_reason = reason
    if at is not None:
        instance._history_date = at
    instance.save()


def _load_people(state: _State, password: str) -> None:
    # One hash for every demo user (their password is the same and published):
    # hashing is slow by design, and load_demo runs on every `make run`.
    password_hash = make_password(password)
    admin = _ensure_user(ADMIN, password_hash)
    for spec in ORGANISATIONS:
        state.organisations[spec.slug] = _ensure_organisation(spec, by=admin)
    for name in THEMES:
        state.themes[name] = _ensure_theme(name, by=admin)
    panel = _ensure_panel(list(state.organisations.values()), by=admin)
    for spec in USERS:
        user = admin if spec is ADMIN else _ensure_user(spec, password_hash)
        state.users[spec.username] = user
        if spec.organisation:
            organisation = state.organisations[spec.organisation]
            _ensure_membership(spec, user, organisation, by=admin)
        if spec.panel_member:
            _ensure_panel_member(spec, user, panel, by=admin)


def _ensure_user(spec: UserSpec, password_hash: str):
    """Create the user, or put an existing one back to the demo's settings."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    if user is None:
        user = user_model(username=spec.username, date_joined=SETUP_AT)
    user.email = spec.email
    user.is_active = True
    user.is_staff = user.is_superuser = spec.superuser
    user.password = password_hash
    user.save()
    return user


def _ensure_organisation(spec: OrganisationSpec, *, by) -> Organisation:
    organisation = Organisation.objects.filter(slug=spec.slug).first()
    if organisation is None:
        organisation = Organisation(
            slug=spec.slug, short_name=spec.short_name, name=spec.name
        )
        _save(organisation, by=by, reason="Organisation set up", at=SETUP_AT)
    return organisation


def _ensure_theme(name: str, *, by) -> Theme:
    slug = slugify(name)
    theme = Theme.objects.filter(Q(slug=slug) | Q(name=name)).first()
    if theme is None:
        theme = Theme(name=name, slug=slug)
        _save(theme, by=by, reason="Theme set up", at=SETUP_AT)
    return theme


def _ensure_membership(spec: UserSpec, user, organisation: Organisation, *, by):
    wanted = {
        "organisation": organisation,
        "role": spec.role,
        "post_title": spec.post_title,
    }
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        _save(Membership(user=user, **wanted), by=by, reason="Demo user", at=SETUP_AT)
    elif _differs(membership, wanted):
        # Someone changed a demo role; put it back, dated now (it happens now).
        _save(membership, by=by, reason="Demo user reset by load_demo", at=None)


def _ensure_panel(organisations: list[Organisation], *, by) -> Panel:
    """The joint Audit Panel over the demo organisations (its meetings: reports)."""
    panel = Panel.objects.filter(name=PANEL_NAME).first()
    if panel is None:
        panel = Panel(name=PANEL_NAME)
        _save(panel, by=by, reason="Panel set up", at=SETUP_AT)
    missing = set(organisations) - set(panel.organisations.all())
    if missing:
        panel.organisations.add(*sorted(missing, key=lambda o: o.pk))
    return panel


def _ensure_panel_member(spec: UserSpec, user, panel: Panel, *, by) -> None:
    panel_member = PanelMember.objects.filter(user=user).first()
    wanted = {"post_title": spec.post_title, "panel": panel}
    if panel_member is None:
        _save(PanelMember(user=user, **wanted), by=by, reason="Demo user", at=SETUP_AT)
    elif _differs(panel_member, wanted):
        _save(panel_member, by=by, reason="Demo user reset by load_demo", at=None)


def _differs(instance: models.Model, wanted: dict) -> bool:
    """Copy the wanted values onto the instance; say whether any changed."""
    changed = False
    for name, value in wanted.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


# --- The registers, as a timeline of dated events -------------------------------


def timeline() -> list[Event]:
    """Return every register write of the demo year, oldest first."""
    events: list[Event] = []
    for organisation in ORGANISATIONS:
        for period in PERIODS:
            events.extend(_period_events(organisation.slug, period))
    for spec in RISKS:
        events.extend(_risk_events(spec))
    # sorted() is stable: writes at the same moment keep the order listed.
    return sorted(events, key=lambda event: event[0])


def _period_events(slug: str, period: PeriodSpec) -> Iterator[Event]:
    yield period.opened_at, partial(_open_period, slug, period)
    if period.closed_at is not None:
        yield period.closed_at, partial(_close_period, slug, period)


def _risk_events(spec: RiskSpec) -> Iterator[Event]:
    yield spec.created_at, partial(_create_risk, spec)
    if spec.reassignment is not None:
        yield spec.reassignment.at, partial(_reassign_risk, spec)
    for index, control in enumerate(spec.controls):
        added = control.added or spec.created_at + CONTROLS_AFTER + _minutes(index)
        yield added, partial(_add_control, spec, index, control, added)
        for change in control.changes:
            yield change.at, partial(_change_control, spec, index, change)
    for index, action in enumerate(spec.actions):
        added = action.added or spec.created_at + ACTIONS_AFTER + _minutes(index)
        yield added, partial(_add_action, spec, index, action, added)
        for change in action.changes:
            yield change.at, partial(_change_action, spec, index, change)
    for review in spec.reviews:
        yield review.at, partial(_record_review, spec, review)


def _minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def _governance(state: _State, organisation_slug: str):
    return state.users[GOVERNANCE[organisation_slug]]


def _actor(state: _State, spec: RiskSpec, at: datetime):
    """The risk's owner at that moment edits it; unowned risks fall to governance."""
    username = spec.owner_at(at) or GOVERNANCE[spec.organisation]
    return state.users[username]


def _open_period(slug: str, period: PeriodSpec, state: _State) -> None:
    state.periods[slug, period.label] = services.period_create(
        organisation=state.organisations[slug],
        label=period.label,
        start=period.start,
        end=period.end,
        user=_governance(state, slug),
        at=period.opened_at,
    )


def _close_period(slug: str, period: PeriodSpec, state: _State) -> None:
    state.periods[slug, period.label] = services.period_close(
        period=state.periods[slug, period.label],
        user=_governance(state, slug),
        at=period.closed_at,
    )


def _first_review_due(created: date) -> date:
    """Return the end of the quarter the risk was created in."""
    return next(p.end for p in PERIODS if p.start <= created <= p.end)


def _score_fields(spec: RiskSpec) -> dict:
    """Spread the (likelihood, impact) pairs into the risk's six rating fields."""
    scores = {"inherent": spec.inherent, "current": spec.current, "target": spec.target}
    return {
        f"{part}_{kind}": value
        for part, score in scores.items()
        for kind, value in zip(("likelihood", "impact"), score, strict=True)
    }


def _risk_data(spec: RiskSpec) -> dict:
    return _score_fields(spec) | {
        "reference": spec.reference,
        "title": spec.title,
        "cause": spec.cause,
        "event": spec.event,
        "effect": spec.effect,
        "category": spec.category,
        "owner_post": spec.owner_post,
        "horizon": spec.horizon,
        "treatment": spec.treatment,
        "target_date": spec.target_date,
        "appetite": spec.appetite,
        "proximity": spec.proximity,
        "marking": spec.marking,
        "public_summary": spec.public_summary,
        "next_review_date": _first_review_due(spec.created_at.date()),
    }


def _create_risk(spec: RiskSpec, state: _State) -> None:
    state.risks[spec.reference] = services.risk_create(
        organisation=state.organisations[spec.organisation],
        user=_governance(state, spec.organisation),
        data=_risk_data(spec),
        owner=state.users[spec.owner] if spec.owner else None,
        themes=[state.themes[name] for name in spec.themes],
        reason="Risk added to the corporate register",
        at=spec.created_at,
    )


def _reassign_risk(spec: RiskSpec, state: _State) -> None:
    change = spec.reassignment
    state.risks[spec.reference] = services.risk_assign_owner(
        risk=state.risks[spec.reference],
        owner=state.users[change.owner] if change.owner else None,
        owner_post=change.owner_post,
        user=_governance(state, spec.organisation),
        reason=change.reason,
        at=change.at,
    )


def _add_control(
    spec: RiskSpec, index: int, control: ControlSpec, at: datetime, state: _State
) -> None:
    state.controls[spec.reference, index] = services.control_create(
        risk=state.risks[spec.reference],
        user=_actor(state, spec, at),
        data={
            "description": control.description,
            "control_type": control.control_type,
            "owner_post": control.owner_post,
            "effectiveness": control.effectiveness,
            "assurance_line": control.assurance_line,
        },
        reason="Control recorded",
        at=at,
    )


def _change_control(spec: RiskSpec, index: int, change: Change, state: _State) -> None:
    state.controls[spec.reference, index] = services.control_update(
        control=state.controls[spec.reference, index],
        user=_actor(state, spec, change.at),
        data=change.data,
        reason=change.reason,
        at=change.at,
    )


def _add_action(
    spec: RiskSpec, index: int, action: ActionSpec, at: datetime, state: _State
) -> None:
    state.actions[spec.reference, index] = services.action_create(
        risk=state.risks[spec.reference],
        user=_actor(state, spec, at),
        data={
            "description": action.description,
            "owner_post": action.owner_post,
            "due_date": action.due_date,
            "status": action.status,
        },
        reason="Action agreed",
        at=at,
    )


def _change_action(spec: RiskSpec, index: int, change: Change, state: _State) -> None:
    state.actions[spec.reference, index] = services.action_update(
        action=state.actions[spec.reference, index],
        user=_actor(state, spec, change.at),
        data=change.data,
        reason=change.reason,
        at=change.at,
    )


def _record_review(spec: RiskSpec, review: ReviewSpec, state: _State) -> None:
    likelihood, impact = review.score
    services.review_record(
        risk=state.risks[spec.reference],
        period=state.periods[spec.organisation, review.period],
        user=_actor(state, spec, review.at),
        likelihood=likelihood,
        impact=impact,
        commentary=review.commentary,
        at=review.at,
    )
