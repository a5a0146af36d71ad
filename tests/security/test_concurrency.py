"""No lost data under concurrency: real threads, real HTTP requests, PostgreSQL.

Each thread is one user with their own test Client and database connection;
a barrier releases their saves together. SQLite serialises every write, so
these run on PostgreSQL only (the CI PostgreSQL run executes them).
"""

import re
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from reports import services as report_services
from reports.models import Clearance, PanelPaper, Publication, PublicationStatus
from risks import services
from risks.choices import Role
from risks.models import Risk

from ..factories import MembershipFactory, UserFactory
from ..risks.test_edit_views import edit_data
from .world import paper_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]
THREADS = 8


def together(jobs: list[Callable[[threading.Barrier], object]]) -> list:
    """Run the jobs in threads released together; return their results in order."""
    barrier = threading.Barrier(len(jobs), timeout=60)
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job) -> None:
        try:
            results[index] = job(barrier)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return results


def loaded_version(client: Client, url: str, field: str = "version") -> str:
    """GET the edit form; return the version (or revision) it was loaded from."""
    html = client.get(url).content.decode()
    return re.search(rf'name="{field}" value="(\d+)"', html)[1]


def risk_edit(user, risk: Risk, title: str) -> Callable:
    """A user who opens the risk's edit form, waits, then saves a new title."""

    def job(barrier: threading.Barrier) -> tuple[int, str]:
        client = Client()
        client.force_login(user)
        url = reverse("risks:update", args=[risk.pk])
        version = loaded_version(client, url)
        data = edit_data(Risk.objects.get(pk=risk.pk), title=title, version=version)
        barrier.wait()
        response = client.post(url, data)
        return response.status_code, response.content.decode()

    return job


def test_two_saves_from_one_version_one_wins_one_sees_the_conflict(world):
    risk = world.mopac_risk
    winners = []
    for round_ in range(1, 4):  # each round starts from the version the last left
        editors = {
            "mopac-owner": f"Saved by the owner, round {round_}",
            "mopac-governance": f"Saved by governance, round {round_}",
        }
        results = together(
            [risk_edit(world.users[name], risk, t) for name, t in editors.items()]
        )
        assert sorted(status for status, _ in results) == [302, 409]
        (winner,) = [
            title
            for (status, _), title in zip(results, editors.values(), strict=True)
            if status == 302
        ]
        winners.append(winner)
        conflict = next(page for status, page in results if status == 409)
        assert "Your changes have not been saved. Nothing was overwritten." in conflict
        assert winner in conflict  # the page shows the version that was saved
        risk.refresh_from_db()
        assert (risk.title, risk.version) == (winner, round_ + 1)
    # History holds exactly the successful changes, in order.
    changes = risk.history.filter(history_type="~").order_by("history_date")
    assert [row.title for row in changes] == winners


def test_many_users_editing_different_risks_all_save(world):
    owners = []
    for n in range(THREADS):
        owner = UserFactory(username=f"owner-{n}")
        MembershipFactory(
            user=owner, organisation=world.mopac, role=Role.RISK_OWNER, post_title="Dir"
        )
        risk = services.risk_create(
            organisation=world.mopac,
            user=world.users["mopac-governance"],
            owner=owner,
            data={
                "reference": f"MOPAC-C{n:02d}",
                "title": f"Risk {n}",
                "cause": "Because",
                "event": "there is a risk",
                "effect": "which would",
                "category": "operations",
                "owner_post": "Director",
                "inherent_likelihood": 3,
                "inherent_impact": 3,
                "current_likelihood": 3,
                "current_impact": 3,
                "target_likelihood": 1,
                "target_impact": 1,
            },
        )
        owners.append((owner, risk))
    results = together(
        [risk_edit(owner, risk, f"Edited by {owner}") for owner, risk in owners]
    )
    assert [status for status, _ in results] == [302] * THREADS
    for owner, risk in owners:
        risk.refresh_from_db()
        assert (risk.title, risk.version) == (f"Edited by {owner}", 2)
        assert [r.title for r in risk.history.filter(history_type="~")] == [
            f"Edited by {owner}"
        ]


# --- The panel paper ---------------------------------------------------------------


@pytest.fixture
def paper(world):
    paper = report_services.paper_create(
        user=world.users["mopac-governance"], data=paper_data(title="Joint paper")
    )
    report_services.section_create(
        paper=paper,
        user=world.users["mopac-governance"],
        data={"kind": "body", "heading": "Alignment", "body": "Text.", "order": 1},
    )
    paper.refresh_from_db()
    return paper


@pytest.fixture
def governance(world) -> list:
    """Two governance officers in each organisation."""
    extra = []
    for org in (world.mopac, world.mps):
        user = UserFactory(username=f"{org.slug}-governance-2")
        MembershipFactory(user=user, organisation=org, role=Role.GOVERNANCE)
        extra.append(user)
    return [world.users["mopac-governance"], world.users["mps-governance"], *extra]


def step(user, url: str, revision: int) -> Callable:
    def job(barrier: threading.Barrier) -> int:
        client = Client()
        client.force_login(user)
        barrier.wait()
        return client.post(url, {"revision": revision}).status_code

    return job


def test_simultaneous_clearances_and_publications_make_one_version(
    world, paper, governance
):
    clear = reverse("reports:clear", args=[paper.pk])
    statuses = together([step(user, clear, paper.revision) for user in governance])
    assert statuses == [302] * len(governance)
    cleared = Clearance.objects.filter(paper=paper, revision=paper.revision)
    assert sorted(c.organisation.slug for c in cleared) == ["mopac", "mps"]
    assert Clearance.history.filter(history_type="+").count() == 2

    publish = reverse("reports:publish", args=[paper.pk])
    statuses = together([step(user, publish, paper.revision) for user in governance])
    assert statuses == [302] * len(governance)
    publication = Publication.objects.get(paper=paper)  # exactly one
    assert (publication.version, publication.status) == (1, PublicationStatus.PUBLISHED)
    assert Publication.history.filter(history_type="+").count() == 1
    assert PanelPaper.objects.get(pk=paper.pk).revision == paper.revision


def test_two_section_edits_from_one_revision_one_wins(world, paper, governance):
    section = paper.sections.get()
    url = reverse("reports:section_update", args=[section.pk])

    def edit(user, heading: str) -> Callable:
        def job(barrier: threading.Barrier) -> int:
            client = Client()
            client.force_login(user)
            data = {
                "kind": "body",
                "heading": heading,
                "body": "Text.",
                "order": "1",
                "revision": loaded_version(client, url, "revision"),
                "reason": "",
            }
            barrier.wait()
            return client.post(url, data).status_code

        return job

    statuses = together(
        [edit(governance[0], "From MOPAC"), edit(governance[1], "From the MPS")]
    )
    assert sorted(statuses) == [302, 409]
    section.refresh_from_db()
    assert section.heading in ("From MOPAC", "From the MPS")
    assert section.history.filter(history_type="~").count() == 1
    assert PanelPaper.objects.get(pk=paper.pk).revision == paper.revision + 1
