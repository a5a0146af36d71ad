"""Every list answers in the same number of queries at 10 and at 1,000 rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from alignment.models import AlignmentLink, LinkStatus
from reports.models import PanelPaper, Publication, PublicationStatus
from risks.models import (
    Action,
    Control,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
    Theme,
)

from .conftest import Api, token_for

TODAY = timezone.localdate()


def _risk(organisation, n: int, **extra) -> Risk:
    return Risk(
        organisation=organisation,
        reference=f"{organisation.short_name}-B{n:04d}",
        title=f"Generated risk {n}",
        cause="Because demand is rising,",
        event="there is a risk that services are overwhelmed,",
        effect="which would reduce public confidence.",
        category="operations",
        owner_post="Director of Strategy",
        inherent_likelihood=4,
        inherent_impact=5,
        current_likelihood=1 + n % 5,
        current_impact=1 + n % 4,
        target_likelihood=1,
        target_impact=2,
        next_review_date=TODAY + datetime.timedelta(days=n % 60 - 30),
        **extra,
    )


def risks(world, n: int, organisation=None, history: bool = False) -> list[Risk]:
    """n risks of the organisation (MOPAC) counting the world's own, with themes."""
    organisation = organisation or world.mopac
    have = Risk.objects.filter(organisation=organisation).count()
    new = [_risk(organisation, i) for i in range(have, n)]
    if history:
        bulk_create_with_history(new, Risk, batch_size=500)
    else:
        Risk.objects.bulk_create(new, batch_size=500)
    made = list(Risk.objects.filter(organisation=organisation))
    theme, _ = Theme.objects.get_or_create(slug="finance", name="Finance")
    Risk.themes.through.objects.bulk_create(
        [Risk.themes.through(risk=r, theme=theme) for r in made], ignore_conflicts=True
    )
    return made


def period(organisation, label="Q") -> ReportingPeriod:
    return ReportingPeriod.objects.get_or_create(
        organisation=organisation,
        label=label,
        defaults={
            "start": TODAY - datetime.timedelta(days=30),
            "end": TODAY + datetime.timedelta(days=60),
        },
    )[0]


def build_risks(world, n):
    made = risks(world, n)
    quarter = period(world.mopac)
    Review.objects.bulk_create(
        [
            Review(
                risk=r,
                period=quarter,
                likelihood=2,
                impact=2,
                commentary="Reviewed.",
                reviewed_by=world.users["mopac-governance"],
                reviewed_on=TODAY,
            )
            for r in made
            if not r.reviews.exists()
        ]
    )
    return n


def build_children(model, **fields):
    def build(world, n):
        have = model.objects.count()
        model.objects.bulk_create(
            [model(risk=world.mopac_risk, **fields) for _ in range(have, n)]
        )
        return n

    return build


def build_reviews(world, n):
    build_risks(world, n)
    return n


def build_periods(world, n):
    have = ReportingPeriod.objects.filter(organisation=world.mopac).count()
    ReportingPeriod.objects.bulk_create(
        [
            ReportingPeriod(
                organisation=world.mopac,
                label=f"P{i}",
                start=datetime.date(1000 + i, 4, 1),
                end=datetime.date(1001 + i, 3, 31),
            )
            for i in range(have, n)
        ]
    )
    return n


def build_links(world, n):
    ours = risks(world, n)
    theirs = risks(world, n, organisation=world.mps)
    have = AlignmentLink.objects.count()
    AlignmentLink.objects.bulk_create(
        [
            AlignmentLink(
                proposer_risk=a,
                partner_risk=b,
                theme=Theme.objects.get(slug="finance"),
                rationale="Same concern.",
                status=LinkStatus.AGREED,
                proposed_by_organisation=world.mopac,
                proposed_by=world.users["mopac-governance"],
            )
            for a, b in list(zip(ours, theirs, strict=True))[have:]
        ]
    )
    return n


def build_papers(world, n):
    author = world.users["mopac-governance"]
    have = PanelPaper.objects.count()
    papers = bulk_create_with_history(
        [
            PanelPaper(
                meeting_date=TODAY,
                agenda_item=f"{i}",
                title=f"Paper {i}",
                report_by="Chief Executive",
                period_label="Q",
                period_end=TODAY,
                created_by=author,
            )
            for i in range(have, n)
        ],
        PanelPaper,
    )
    Publication.objects.bulk_create(
        [
            Publication(
                paper=p,
                version=1,
                revision=1,
                published_at=timezone.now(),
                published_by=author,
                status=PublicationStatus.PUBLISHED,
            )
            for p in papers
        ]
    )
    return n


def build_changes(world, n):
    risks(world, n, history=True)
    return n  # the world's risk was made before the period: the others are new


def build_organisations(world, n):
    Organisation.objects.bulk_create(
        [
            Organisation(name=f"Body {i}", short_name=f"B{i}", slug=f"body-{i}")
            for i in range(Organisation.objects.count(), n)
        ]
    )
    return n


# Endpoint → (builder, role asking, query parameters, queries). The queries of a
# request: the token with its user; then, where the list reads risks through
# viewable_risks, the membership (with panel seat and aligned ids); the count;
# the page. The risk lists cut the page from the ordered ids, then read its
# rows and the theme names (the dashboard list also the agreed links); the
# risk list also reads the filter options (one UNION); as at a
# day, the sort keys, the page's versions, their reviews' scores, owners and the
# organisations; papers, their faces as published; the quarter's changes, the
# period and the history of risks, controls, actions and reviews.
ENDPOINTS = {
    "risks": (build_risks, "mopac-reader", {}, 7),
    "risks as at today": (
        lambda w, n: risks(w, n, history=True) and n,
        "mopac-reader",
        {"as_at": TODAY.isoformat()},
        8,
    ),
    "dashboard_risks": (build_risks, "mopac-reader", {}, 7),
    "controls": (
        build_children(Control, description="c", owner_post="p"),
        "mopac-reader",
        {},
        4,
    ),
    "actions": (
        build_children(Action, description="a", owner_post="p", due_date=TODAY),
        "mopac-reader",
        {"overdue": "false"},
        4,
    ),
    "reviews": (build_reviews, "mopac-reader", {}, 4),
    "periods": (build_periods, "mopac-reader", {}, 3),
    "links": (build_links, "mopac-reader", {}, 3),
    "papers": (build_papers, "mopac-reader", {}, 5),
    "organisations": (build_organisations, "mopac-reader", {}, 3),
    "period_changes": (build_changes, "mopac-governance", {}, 8),
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_list_queries_do_not_grow_with_rows(world, name, django_assert_num_queries):
    build, role, params, expected = ENDPOINTS[name]
    api = Api(token_for(world.users[role]))
    if name == "period_changes":
        path = reverse("api:period_changes", args=[period(world.mopac).pk])
    else:
        path = reverse(f"api:{name.split(' ')[0]}")
    api.get(path)  # the token's first use is written; later ones are not
    counted = []
    for n in (10, 1000):
        build(world, n)
        with django_assert_num_queries(expected) as captured:
            response = api.get(path, page_size=1000, **params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) >= n * 0.99, (n, len(body["results"]))
        counted.append(len(captured.captured_queries))
    assert counted[0] == counted[1] == expected


def test_risk_detail_queries_do_not_grow_with_children(
    world, django_assert_num_queries
):
    """Token, membership, the risk, its themes, controls, actions, reviews, links."""
    api = Api(token_for(world.users["mopac-reader"]))
    path = reverse("api:risk", args=[world.mopac_risk.pk])
    api.get(path)
    for n in (10, 1000):
        build_children(Control, description="c", owner_post="p")(world, n)
        build_children(Action, description="a", owner_post="p", due_date=TODAY)(
            world, n
        )
        with django_assert_num_queries(8):
            body = api.get(path).json()
        assert (len(body["controls"]), len(body["actions"])) == (n, n)
