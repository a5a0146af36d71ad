"""generate_register: a large synthetic register for benchmarks; the bench smoke run."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from alignment.models import AlignmentLink, JointAction, LinkStatus
from reports.demo import SECTIONS
from reports.generator import generate_register
from reports.generator_plan import (
    LAST_QUARTER_END,
    Options,
    plan_register,
    quarters_ending,
)
from reports.generator_writer import GeneratorRefused
from reports.models import PanelPaper
from risks import as_at
from risks.choices import ActionStatus, RiskStatus, Role
from risks.demo import DEFAULT_PASSWORD
from risks.models import (
    Action,
    Control,
    Membership,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
)

SMALL = Options(risks_per_org=5, versions=3, quarters=2)


@pytest.fixture
def generated(db):
    return generate_register(SMALL)


def test_counts_match_the_options(generated):
    assert Risk.objects.count() == 10
    assert set(
        Risk.objects.values_list("organisation__slug", flat=True).distinct()
    ) == {"mopac", "mps"}
    per_risk = Risk.objects.annotate(
        n_controls=Count("controls", distinct=True),
        n_actions=Count("actions", distinct=True),
    )
    assert {(r.n_controls, r.n_actions) for r in per_risk} == {(3, 3)}
    versions = Risk.history.values("id").annotate(n=Count("history_id"))
    assert {row["n"] for row in versions} == {SMALL.versions}
    assert Control.objects.count() == 30 and Action.objects.count() == 30
    assert ReportingPeriod.objects.count() == 2 * SMALL.quarters
    # A review per quarter for every open risk; closed ones stop when they close.
    open_reviews = Review.objects.filter(risk__status=RiskStatus.OPEN)
    reviews = open_reviews.values("risk").annotate(n=Count("pk"))
    open_count = Risk.objects.filter(status=RiskStatus.OPEN).count()
    assert open_count and len(reviews) == open_count
    assert {row["n"] for row in reviews} == {SMALL.quarters}
    assert not Review.objects.filter(risk__status=RiskStatus.DRAFT).exists()
    assert Review.history.count() == Review.objects.count()
    # ~10% of risks aligned: at least one agreed link, with its history.
    agreed = AlignmentLink.objects.filter(status=LinkStatus.AGREED)
    assert agreed.count() == max(1, SMALL.risks_per_org // 10)
    assert AlignmentLink.history.filter(id__in=agreed.values("id")).count() == 2
    assert JointAction.objects.count() == agreed.count()
    assert RiskUserObjectPermission.objects.count() == 10
    assert generated.counts["risks"] == 10
    assert generated.counts["risk history rows"] == 10 * SMALL.versions


def test_users_and_the_draft_paper(generated):
    user_model = get_user_model()
    for slug in ("mopac", "mps"):
        for role, name in (
            (Role.GOVERNANCE, "governance"),
            (Role.RISK_OWNER, "owner"),
            (Role.READER, "reader"),
        ):
            user = user_model.objects.get(username=f"bench-{slug}-{name}")
            assert user.check_password(DEFAULT_PASSWORD)
            membership = Membership.objects.get(user=user)
            assert (membership.organisation.slug, membership.role) == (slug, role)
    paper = PanelPaper.objects.get(pk=generated.paper_id)
    assert paper.sections.count() == len(SECTIONS)
    assert paper.themes.exists()
    assert paper.period_end == LAST_QUARTER_END
    assert paper.publications.count() == 0  # a draft


def test_history_is_dated_in_order_and_ends_as_the_live_rows(generated):
    end = as_at.end_of_day(LAST_QUARTER_END)
    for risk in Risk.objects.all():
        rows = list(risk.history.order_by("history_date", "history_id"))
        dates = [row.history_date for row in rows]
        assert dates == sorted(set(dates))  # strictly increasing
        assert dates[-1] <= end
        assert [row.history_type for row in rows] == ["+"] + ["~"] * (
            SMALL.versions - 1
        )
        last = rows[-1]
        assert (last.version, last.current_likelihood, last.status) == (
            risk.version,
            risk.current_likelihood,
            risk.status,
        )
        assert set(last.themes.values_list("theme_id", flat=True)) == set(
            risk.themes.values_list("pk", flat=True)
        )
    snapshot = Risk.history.as_of(end)
    assert snapshot.count() == Risk.objects.count()


def test_quarters_are_financial_quarters():
    quarters = quarters_ending(datetime.date(2025, 3, 31), 5)
    assert [q.label for q in quarters] == [
        "2023/24 Q4",
        "2024/25 Q1",
        "2024/25 Q2",
        "2024/25 Q3",
        "2024/25 Q4",
    ]
    assert (quarters[1].start, quarters[1].end) == (
        datetime.date(2024, 4, 1),
        datetime.date(2024, 6, 30),
    )
    assert quarters[0].start == datetime.date(2024, 1, 1)


def test_most_actions_due_before_the_end_are_done_and_the_rest_overdue():
    """As in a real register: work past its due date is mostly complete."""
    plan = plan_register(Options(risks_per_org=200, versions=5, quarters=8))
    past_due = Counter()
    for risks in plan.risks.values():
        for risk in risks:
            for versions in risk.actions:
                last = versions[-1].fields
                due = last["revised_due_date"] or last["due_date"]
                if due < LAST_QUARTER_END:
                    past_due[last["status"]] += 1
    share_done = past_due[ActionStatus.COMPLETE] / past_due.total()
    assert 0.75 < share_done < 0.95, past_due
    assert past_due[ActionStatus.NOT_STARTED] and past_due[ActionStatus.AT_RISK]


def _contents() -> tuple:
    """What the register says, without database ids (sequences never rewind)."""
    return (
        list(
            Risk.history.order_by("reference", "history_date").values_list(
                "reference",
                "title",
                "history_date",
                "history_type",
                "history_change_reason",
                "current_likelihood",
                "current_impact",
                "owner__username",
            )
        ),
        list(
            Review.objects.order_by("risk__reference", "period__start").values_list(
                "risk__reference",
                "period__label",
                "likelihood",
                "impact",
                "reviewed_on",
            )
        ),
        list(
            Action.history.order_by("risk__reference", "history_date").values_list(
                "description", "status", "history_date"
            )
        ),
        sorted(
            AlignmentLink.objects.values_list(
                "proposer_risk__reference", "partner_risk__reference", "theme__name"
            )
        ),
    )


def test_same_options_give_the_same_register(db):
    def generate_and_read():
        with transaction.atomic():
            generate_register(SMALL)
            contents = _contents()
            transaction.set_rollback(True)
        return contents

    assert generate_and_read() == generate_and_read()
    assert plan_register(SMALL) == plan_register(SMALL)
    assert plan_register(SMALL) != plan_register(Options(5, 3, 2, seed=1))


def test_refuses_production_settings(db, settings):
    settings.SETTINGS_MODULE = "riskregister.settings.prod"
    with pytest.raises(CommandError, match="production settings"):
        call_command("generate_register", "--risks-per-org", "2")
    assert not Risk.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="bench-").exists()


def test_refuses_when_demo_data_is_turned_off(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(GeneratorRefused, match="production settings"):
        generate_register(SMALL)
    assert not Risk.objects.exists()


def test_refuses_a_database_that_already_has_one(generated):
    with pytest.raises(GeneratorRefused):
        generate_register(SMALL)


def test_command_reports_each_phase(db):
    out = StringIO()
    call_command(
        "generate_register",
        "--risks-per-org=3",
        "--versions=2",
        "--quarters=1",
        stdout=out,
    )
    text = out.getvalue()
    assert "risks and history" in text and "Generated in" in text
    assert Risk.objects.count() == 6


def test_bench_measuring_function_works_on_a_tiny_register(generated):
    from bench import run

    results = run.measure_pages(
        reps=1, heavy_reps=1, warmup=False, report=lambda line: None
    )
    pages = (
        run.REGISTER,
        run.FILTERED,
        run.AS_AT,
        run.RISK,
        run.HISTORY,
        run.ALIGNMENT,
        run.CHANGES,
        run.PREVIEW,
        run.PAPER_PDF,
        run.MINIMAL,
        run.ADMIN_LIST,
    )
    for label in pages:
        figures = results[label]
        assert figures["status"] == 200, (label, figures)
        assert figures["reps"] == 1 and figures["queries"] >= 1, label
    assert results[run.WEASYPRINT]["bytes"] > 1000
    # Pages still being built elsewhere are measured or skipped, never fatal.
    for label in (run.REGISTER_PDF, run.XLSX):
        assert results[label]["reps"] == 1 or results[label]["note"]
    checks = run.evaluate(
        [{"database": "sqlite", "n": 5, "pages": results, "generation": {}}]
    )
    assert any(check["target"].endswith("at most 15 queries") for check in checks)
