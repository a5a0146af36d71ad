"""Large synthetic registers for benchmarks (`manage.py generate_register`).

The generator first plans everything as plain data from a seeded random number
generator, so the same arguments always give the same register. It then writes
the plan with bulk inserts: live rows at their final state and, for objects that
changed over time (risks, controls, actions, links, periods), one history row
per version written straight into simple-history's tables with its own date.
Objects with a single version (memberships, themes, reviews, grants, joint
actions) go through simple-history's `bulk_create_with_history` with per-row
dates, users and reasons.

The words it uses are in `generator_topics`, the planning in `generator_plan`
and the writing in `generator_writer`; this module checks it may run and times it.

It lives in `reports` because it writes every app's data and only `reports` may
import the others. The paper it drafts goes through the paper services.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction

from risks.demo import is_production_settings
from risks.models import Risk

from .generator_plan import ORGANISATIONS, Options, owner_names, plan_register
from .generator_writer import PAPER_TITLE, GeneratorRefused, Result, Writer, phase
from .models import PanelPaper


def generate_register(
    options: Options, *, report: Callable[[str], None] = lambda line: None
) -> Result:
    """Write a large synthetic register for both organisations; refuse production."""
    if is_production_settings():
        raise GeneratorRefused(
            "generate_register refuses to run under production settings "
            f"({settings.SETTINGS_MODULE}) or with DEMO_DATA_ALLOWED off: its "
            "users have a published password."
        )
    usernames = {
        name
        for slug, _, _ in ORGANISATIONS
        for name in owner_names(slug, options.risks_per_org)
    }
    if Risk.objects.filter(owner__username__in=usernames).exists():
        raise GeneratorRefused(
            "This database already holds a generated register; use an empty one."
        )
    result = Result()
    with phase(result, "plan (in memory)", report):
        plan = plan_register(options)
    with transaction.atomic():
        Writer(plan, result, report).write()
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: fresh statistics, and the
        # visibility map that index-only scans rely on. VACUUM cannot run in a
        # transaction (as in tests), where ANALYZE alone has to do.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with phase(result, "vacuum, analyse", report), connection.cursor() as cursor:
            cursor.execute(command)
    return result


def paper_for_benchmark() -> PanelPaper | None:
    """Return the generated paper, if there is one."""
    return PanelPaper.objects.filter(title=PAPER_TITLE).order_by("-pk").first()
