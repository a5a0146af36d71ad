"""Measure writing the organisation register report in Word on a large register.

    .venv/bin/python bench/register_report_docx.py [--risks 1000] [--repeat 3] [--reuse]
        [--entry-scale 1.5]

Builds the same throwaway SQLite database as bench/register_report_pdf.py (one
organisation with N open risks, two controls, two actions and two quarters of
reviews each; under /tmp, never var/db.sqlite3), reads the report's document
once without and once with its charts, and times writing the .docx from each
(reports/docx_register.py): the median of --repeat writes after a warm-up. It
prints seconds, CPU seconds, the file's size and how many pictures it holds, and
the ratio of the two times: what the charts cost in Word.
"""

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path, where bench/docx.py
# would shadow the python-docx package: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

DEFAULT_DB = "/tmp/rr-bench-register-report-docx.sqlite3"  # noqa: S108 - throwaway


def measure(*, charts: bool, repeat: int) -> dict:
    """Read the report once, then time writing its .docx; return the figures."""
    from reports import docx_register, register_report
    from risks.models import Organisation, ReportingPeriod

    org = Organisation.objects.get(slug="bench")
    period = ReportingPeriod.objects.get(organisation=org, label="2019/20 Q2")
    document = register_report.build_register_report(org, period, with_charts=charts)
    docx_register.write_register_docx(document)  # warm-up: templates, fonts
    seconds, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        data = docx_register.write_register_docx(document)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
        media_kb = sum(archive.getinfo(n).file_size for n in pictures) // 1024
    return {
        "charts": charts,
        "risks": len(document.risks),
        "seconds": round(statistics.median(seconds), 2),
        "seconds_all_runs": [round(s, 2) for s in seconds],
        "cpu_seconds": round(statistics.median(cpu), 2),
        "docx_kb": len(data) // 1024,
        "pictures": len(pictures),
        "pictures_kb": media_kb,
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=1000)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run"
    )
    parser.add_argument(
        "--entry-scale",
        type=float,
        help="pixels per SVG unit of the entries' charts (default: SMALL_SCALE)",
    )
    args = parser.parse_args()
    from bench import register_report_pdf

    fresh = not (args.reuse and Path(args.database).exists())
    if fresh:
        Path(args.database).unlink(missing_ok=True)
    register_report_pdf.setup_django(args.database)
    if fresh:
        register_report_pdf.build(args.database, args.risks)
    if args.entry_scale:
        from reports import chart_images

        chart_images.SMALL_SCALE = args.entry_scale
    results = {}
    for charts in (False, True):
        figures = measure(charts=charts, repeat=args.repeat)
        results[charts] = figures
        print(f"--- register report .docx, charts {'on' if charts else 'off'}")
        for name, value in figures.items():
            print(f"{name:>18}: {value}")
    ratio = results[True]["seconds"] / results[False]["seconds"]
    print(f"{'charts on / off':>18}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
