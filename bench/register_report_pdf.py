"""Measure the organisation register report PDF on a large generated register.

    .venv/bin/python bench/register_report_pdf.py [--risks 1000]

Builds a throwaway SQLite database (under /tmp, never var/db.sqlite3) holding one
organisation with N open risks, each with two controls, two actions and reviews
in two quarters, written with bulk_create_with_history. The render is then
measured in a fresh process, so that its peak memory is the render's own:
seconds, pages, peak RSS (resource.getrusage) and database queries; for a register
rendered in parts (reports/pdf_parts.py), also the parts, the time of each phase
and the workers' own peak memory.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "/tmp/rr-bench-register-report.sqlite3"  # noqa: S108 - throwaway


def setup_django(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskregister.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def build(database: str, risks: int) -> None:
    """Create the database and the generated register."""
    import datetime

    from django.core.management import call_command

    from risks.choices import Role
    from risks.models import ReportingPeriod
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
    from tests.reports.register_data import bulk_register

    call_command("migrate", verbosity=0)
    org = OrganisationFactory(short_name="BENCH", name="Benchmark body", slug="bench")
    user = UserFactory(username="bench-governance")
    MembershipFactory(user=user, organisation=org, role=Role.GOVERNANCE)
    q1 = ReportingPeriod.objects.create(
        organisation=org,
        label="2019/20 Q1",
        start=datetime.date(2019, 4, 1),
        end=datetime.date(2019, 6, 30),
        is_closed=True,
    )
    q2 = ReportingPeriod.objects.create(
        organisation=org,
        label="2019/20 Q2",
        start=datetime.date(2019, 7, 1),
        end=datetime.date(2019, 9, 30),
        is_closed=True,
    )
    started = time.perf_counter()
    bulk_register(org, risks, user=user, previous=q1, period=q2, prefix="BENCH")
    print(f"generated {risks} risks in {time.perf_counter() - started:.1f} s")


def measure(output: str) -> dict:
    """Build and render the report once; return the measurements."""
    import io

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from reports import register_pdf, register_report
    from risks.models import Organisation, ReportingPeriod

    org = Organisation.objects.get(slug="bench")
    period = ReportingPeriod.objects.get(organisation=org, label="2019/20 Q2")
    started, cpu_started = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        document = register_report.build_register_report(org, period)
    built = time.perf_counter()
    html = register_pdf.render_register_html(document)
    templated = time.perf_counter()
    rendering: dict = {}
    pdf = register_pdf.render_register_pdf(document, rendering)
    finished, cpu_finished = time.perf_counter(), time.process_time()
    Path(output).write_bytes(pdf)
    return {
        "risks": len(document.risks),
        "queries": len(queries),
        "seconds_total": round(finished - started, 2),
        "cpu_seconds": round(cpu_finished - cpu_started, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "seconds_data": round(built - started, 2),
        "seconds_html": round(templated - built, 2),
        "seconds_pdf": round(finished - templated, 2),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "pdf_kb": len(pdf) // 1024,
        "html_kb": len(html) // 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        # Parts, workers, phases and the workers' own peak memory, when in parts.
        **{f"render_{name}": value for name, value in rendering.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=1000)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--output", default="/tmp/rr-bench-register-report.pdf")  # noqa: S108
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        setup_django(args.database)
        print(json.dumps(measure(args.output)))
        return
    Path(args.database).unlink(missing_ok=True)
    setup_django(args.database)
    build(args.database, args.risks)
    # A fresh process, so that the peak memory is the render's alone.
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            __file__,
            "--measure-only",
            "--database",
            args.database,
            "--output",
            args.output,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for name, value in figures.items():
        print(f"{name:>14}: {value}")
    print(f"{'pdf':>14}: {args.output}")


if __name__ == "__main__":
    main()
