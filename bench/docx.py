"""Measure the Word documents against the PDFs on a large generated register.

    .venv/bin/python bench/docx.py [--risks 1000] [--reps 3] [--database-url URL]

Builds a throwaway database (SQLite under /tmp by default, never var/db.sqlite3;
or the PostgreSQL database given, which must be empty), fills it with
`generate_register` (N risks per organisation and the generated draft paper),
then times, in this process after one warm-up each:

- the panel paper: its PDF (reports/rendering.py: render_pdf) and its .docx
  (reports/docx_paper.py: render_docx), both from the paper in the database;
- MOPAC's register report as at its latest closed period: the PDF
  (reports/register_pdf.py, in parts as in production) and the .docx
  (reports/docx_register.py), both from one RegisterReportDocument.

It prints the medians, the .docx / PDF ratios (the paper's .docx must take no
longer than its PDF), the sizes and the load average before and after, and
writes them as JSON to bench/results/docx-<time>.json.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path, where this file
# would shadow the python-docx package (also named docx): the project root
# takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskregister.settings.dev"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def timed(call, reps: int) -> tuple[float, bytes]:
    """Return the median seconds of `reps` calls after a warm-up, and the output."""
    output = call()
    seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        output = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), output


def measure(risks: int, reps: int) -> dict:
    from django.core.management import call_command

    from reports import (
        docx_paper,
        docx_register,
        register_pdf,
        register_report,
        rendering,
    )
    from reports.generator import generate_register
    from reports.generator_plan import Options
    from reports.models import PanelPaper
    from risks.models import Organisation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate_register(Options(risks_per_org=risks))
    print(f"generated 2 × {risks} risks in {time.perf_counter() - started:.1f} s")

    load_before = os.getloadavg()
    paper = PanelPaper.objects.order_by("pk").first()
    paper_pdf, pdf = timed(lambda: rendering.render_pdf(paper), reps)
    paper_docx, docx = timed(lambda: docx_paper.render_docx(paper), reps)
    appendix = rendering.build_document(paper).appendix
    aligned = sum(len(g.risks) for t in appendix.themes for g in t.organisations)
    print(
        f"paper ({aligned} risks in Appendix A): PDF {paper_pdf:.2f} s "
        f"({len(pdf):,} bytes), .docx {paper_docx:.2f} s ({len(docx):,} bytes), "
        f".docx / PDF {paper_docx / paper_pdf:.2f}×"
    )

    mopac = Organisation.objects.get(slug="mopac")
    periods = register_report.organisation_periods(mopac)
    period = register_report.choose_period(periods, mopac, None)
    document = register_report.build_register_report(mopac, period, periods=periods)
    register_reps = max(1, reps - 1)
    register_pdf_s, pdf = timed(
        lambda: register_pdf.render_register_pdf(document), register_reps
    )
    register_docx_s, docx_bytes = timed(
        lambda: docx_register.write_register_docx(document), register_reps
    )
    print(
        f"register ({len(document.risks)} open risks, {period.label}): PDF "
        f"{register_pdf_s:.2f} s ({len(pdf):,} bytes), .docx {register_docx_s:.2f} s "
        f"({len(docx_bytes):,} bytes), .docx / PDF "
        f"{register_docx_s / register_pdf_s:.2f}×"
    )
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after}")
    passed = paper_docx <= paper_pdf
    print(
        f"target: the paper's .docx takes no longer than its PDF: "
        f"{'met' if passed else 'NOT met'}"
    )
    return {
        "risks_per_org": risks,
        "reps": reps,
        "paper": {
            "appendix_risks": aligned,
            "pdf_seconds": round(paper_pdf, 3),
            "docx_seconds": round(paper_docx, 3),
            "ratio": round(paper_docx / paper_pdf, 3),
            "pdf_bytes": len(pdf),
            "docx_bytes": len(docx),
        },
        "register": {
            "open_risks": len(document.risks),
            "period": period.label,
            "pdf_seconds": round(register_pdf_s, 3),
            "docx_seconds": round(register_docx_s, 3),
            "ratio": round(register_docx_s / register_pdf_s, 3),
            "docx_bytes": len(docx_bytes),
        },
        "load_before": load_before,
        "load_after": load_after,
        "cpus": os.cpu_count(),
        "target_met": passed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--risks", type=int, default=1000, help="per organisation")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="an empty database to fill (default: a throwaway SQLite file in /tmp)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rr-bench-docx-") as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        setup_django(url)
        figures = measure(args.risks, args.reps)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"docx-{stamp}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {path.relative_to(ROOT)}")
    return 0  # as bench/run.py: the figures and the target line are the result


if __name__ == "__main__":
    sys.exit(main())
