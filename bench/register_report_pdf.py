"""Measure the organisation register report PDF on a large generated register.

    .venv/bin/python bench/register_report_pdf.py [--risks 1000] [--charts on|off|both]

Builds a throwaway SQLite database (under /tmp, never var/db.sqlite3) holding one
organisation with N open risks, each with two controls, two actions and reviews
in two quarters, written with bulk_create_with_history. The render is then
measured in a fresh process, so that its peak memory is the render's own:
seconds, pages, peak RSS (resource.getrusage) and database queries; for a register
rendered in parts (reports/pdf_parts.py), also the parts, the time of each phase
and the workers' own peak memory.

--charts both (the default) renders the report without its score charts and
then with them, each the median of --repeat renders, and prints the ratio of
the two times: the charts' cost.
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


def measure(output: str, *, charts: bool) -> dict:
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
        document = register_report.build_register_report(
            org, period, with_charts=charts
        )
    built = time.perf_counter()
    html = register_pdf.render_register_html(document)
    templated = time.perf_counter()
    rendering: dict = {}
    pdf = register_pdf.render_register_pdf(document, rendering)
    finished, cpu_finished = time.perf_counter(), time.process_time()
    Path(output).write_bytes(pdf)
    return {
        "charts": charts,
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


def render_in_fresh_process(args, charts: bool) -> dict:
    """Measure one render in a fresh process, so that its peak memory is its own."""
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            __file__,
            "--measure-only",
            "--database",
            args.database,
            "--output",
            args.output,
            "--charts",
            "on" if charts else "off",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_render(args, charts: bool) -> dict:
    """Return the figures of the render with the median time of --repeat."""
    runs = [render_in_fresh_process(args, charts) for _ in range(args.repeat)]
    runs.sort(key=lambda figures: figures["seconds_total"])
    figures = runs[len(runs) // 2]
    figures["seconds_all_runs"] = [run["seconds_total"] for run in runs]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=1000)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--output", default="/tmp/rr-bench-register-report.pdf")  # noqa: S108
    parser.add_argument("--charts", choices=("on", "off", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        setup_django(args.database)
        print(json.dumps(measure(args.output, charts=args.charts != "off")))
        return
    Path(args.database).unlink(missing_ok=True)
    setup_django(args.database)
    build(args.database, args.risks)
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.charts]
    results = {}
    for charts in modes:
        figures = median_render(args, charts)
        results[charts] = figures
        print(f"--- register report PDF, charts {'on' if charts else 'off'}")
        for name, value in figures.items():
            print(f"{name:>24}: {value}")
    print(f"{'pdf':>24}: {args.output}")
    if len(results) == 2:
        ratio = results[True]["seconds_total"] / results[False]["seconds_total"]
        print(f"{'charts on / off':>24}: {ratio:.2f}x (target: at most 1.3x)")


if __name__ == "__main__":
    main()
