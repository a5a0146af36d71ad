"""`make bench` (exports): the CSV and XLSX exports beside their floors.

For each database (SQLite, PostgreSQL) and size (risks per organisation), a
fresh database is migrated and filled by `generate_register` in a subprocess,
as bench/run.py does (its helpers are reused). Signed in as MOPAC's governance
officer, who exports MOPAC's risks and those aligned with them, every export
and floor is requested in-process with Django's test client, body read in
full, after a warm-up, in rounds (median of several requests; this process's
CPU time beside the wall time). The floors are in bench/export_floors.py:
`values()` + `csv.writer` for the risks and for the three sheets, and openpyxl
in write-only mode writing the three sheets' `values_list()` rows.

Then each export runs once more in a fresh process to measure memory: the peak
resident set (VmHWM) less the resident set before the request, after a warm-up
export that matches no risk; the body is read piece by piece and dropped, as a
server sends it.

    python bench/exports.py            # SQLite and PostgreSQL, N = 100 and 1,000
    python bench/exports.py --quick    # SQLite, N = 100: a smoke run

PostgreSQL uses BENCH_PG_URL (created and dropped here). The table goes to
stdout and the figures to bench/results/exports-<timestamp>.json.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402 - needs the path above
    DATABASE_ORDER,
    DATABASES,
    PG_URL,
    RESULTS_DIR,
    SIZES,
    USER,
    Measure,
    _database_url,
    _get,
    _machine,
    _pg_drop,
    _pg_reachable,
    _summarise,
)

# Generated history is not exported: a few versions keep generation short.
VERSIONS = 3
QUARTERS = 4
REPS = 21  # CSVs take tens of milliseconds
HEAVY_REPS = 9  # workbooks take hundreds

CSV = "CSV export"
XLSX = "XLSX export"
CSV_FLOOR = "floor: risks, values() + csv.writer"
SHEETS_CSV_FLOOR = "floor: 3 sheets, csv.writer"
XLSX_FLOOR = "floor: 3 sheets, openpyxl write-only"
ORDER = (CSV, CSV_FLOOR, SHEETS_CSV_FLOOR, XLSX, XLSX_FLOOR)
HEAVY = {XLSX, XLSX_FLOOR}
EXPORTS = {CSV: "/risks/export.csv", XLSX: "/risks/export.xlsx"}
NO_RISK = "?q=no-risk-has-this-text"

# Targets at N = 1,000 (measured, not timed tests).
TARGET_N = 1000
CSV_VS_FLOOR = 2.0
XLSX_VS_FLOOR = 1.5


def _urls() -> dict[str, str]:
    from bench.export_floors import CSV_FLOOR_URL, SHEETS_CSV_FLOOR_URL, XLSX_FLOOR_URL

    return {
        CSV: EXPORTS[CSV],
        CSV_FLOOR: CSV_FLOOR_URL,
        SHEETS_CSV_FLOOR: SHEETS_CSV_FLOOR_URL,
        XLSX: EXPORTS[XLSX],
        XLSX_FLOOR: XLSX_FLOOR_URL,
    }


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=USER))
    return client


def measure_exports(*, reps: int, heavy_reps: int) -> dict[str, dict]:
    """Time every export and floor on the generated register in this database."""
    from django.test.utils import override_settings

    client = _client()
    urls = _urls()
    measures = {label: Measure(url=url) for label, url in urls.items()}
    times: dict[str, list[float]] = {label: [] for label in urls}
    cpu: dict[str, list[float]] = {label: [] for label in urls}
    queries: dict[str, list[int]] = {label: [] for label in urls}
    with override_settings(ROOT_URLCONF="bench.export_floors"):
        light = [label for label in urls if label not in HEAVY]
        heavy = [label for label in urls if label in HEAVY]
        for group, count in ((light, reps), (heavy, heavy_reps)):
            for number in range(-1, count):  # -1: the warm-up, not counted
                for label in group:
                    gc.collect()
                    elapsed, used, n, status, size = _get(client, urls[label])
                    measure = measures[label]
                    measure.status, measure.bytes = status, size
                    if status != 200:
                        measure.note = f"answered {status}"
                    if number >= 0:
                        times[label].append(elapsed)
                        cpu[label].append(used)
                        queries[label].append(n)
    results = {}
    for label, measure in measures.items():
        _summarise(measure, times[label], cpu[label], queries[label])
        results[label] = asdict(measure)
        print(
            f"  {label:<38} {measure.median_ms:>9.1f} ms"
            f"  CPU {measure.cpu_median_ms:>8.1f} ms {measure.queries:>3} queries"
            f" {measure.bytes:>10,} bytes",
            flush=True,
        )
    return results


def _sheets_for(user) -> list[tuple[str, tuple, list[tuple]]]:
    """The export's three sheets for the user, rows read once into memory."""
    from django.utils import timezone

    from risks import access, export_rows, selectors

    risks = access.viewable_risks(user).with_scores()
    ordering = selectors.SORTS[selectors.DEFAULT_SORT][1]
    today = timezone.localdate()
    return [
        (
            "Risks",
            export_rows.RISK_COLUMNS,
            list(export_rows.risk_rows(risks.order_by(*ordering))),
        ),
        (
            "Controls",
            export_rows.CONTROL_COLUMNS,
            list(export_rows.control_rows(risks, ordering)),
        ),
        (
            "Actions",
            export_rows.ACTION_COLUMNS,
            list(export_rows.action_rows(risks, ordering, today)),
        ),
    ]


def _xlsxwriter(sheets) -> bytes:
    """The export's own writer (risks/exports.py) on rows already read."""
    import io

    import xlsxwriter

    from risks import exports

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, exports.WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True})
    for name, columns, rows in sheets:
        exports._write_sheet(workbook.add_worksheet(name), columns, rows, bold)
    workbook.close()
    return buffer.getvalue()


def _openpyxl_write_only(sheets) -> bytes:
    """The same workbook (bold header, widths, frozen header, date format,
    filter) from openpyxl in write-only mode, the alternative measured."""
    import io
    from datetime import date

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from risks.exports import DATE_FORMAT, MAX_COLUMN_WIDTH
    from risks.spreadsheets import neutralise_row

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, columns, rows in sheets:
        sheet = workbook.create_sheet(name)
        for index, column in enumerate(columns, start=1):
            width = min(column.width, MAX_COLUMN_WIDTH)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            cells = []
            for value in neutralise_row(row):
                if isinstance(value, date):
                    value = WriteOnlyCell(sheet, value=value)
                    value.number_format = DATE_FORMAT
                cells.append(None if value == "" else value)
            sheet.append(cells)
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure_writers(reps: int) -> dict[str, dict]:
    """Time the two XLSX writers on the same rows: the choice, by measurement."""
    import statistics

    from django.contrib.auth import get_user_model

    sheets = _sheets_for(get_user_model().objects.get(username=USER))
    cells = sum(len(columns) * (len(rows) + 1) for _, columns, rows in sheets)
    results = {}
    for label, writer in (
        ("XlsxWriter, constant memory", _xlsxwriter),
        ("openpyxl, write-only", _openpyxl_write_only),
    ):
        times, cpu = [], []
        for number in range(-1, reps):
            gc.collect()
            started, used = time.perf_counter(), time.process_time()
            size = len(writer(sheets))
            if number >= 0:
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
        results[label] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
            "bytes": size,
            "cells": cells,
        }
        print(
            f"  writer: {label:<30} {results[label]['median_ms']:>9.1f} ms"
            f"  CPU {results[label]['cpu_median_ms']:>8.1f} ms ({cells:,} cells)",
            flush=True,
        )
    return results


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def measure_memory(label: str) -> dict:
    """Export once in this fresh process; return its memory figures in MB."""
    client = _client()
    url = EXPORTS[label]

    def export(query: str = "") -> int:
        response = client.get(url + query)
        assert response.status_code == 200, response.status_code  # noqa: S101
        size = 0
        pieces = (
            response.streaming_content if response.streaming else [response.content]
        )
        for piece in pieces:  # sent, then dropped
            size += len(piece)
        response.close()
        return size

    export(NO_RISK)  # imports, templates, connections: not the export's own cost
    gc.collect()
    before = _status_kb("VmRSS")
    size = export()
    peak = _status_kb("VmHWM")
    return {
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - before) / 1024, 1),
        "bytes": size,
    }


# --- Subprocesses -----------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings.dev")
    import django

    django.setup()


def run_worker(args: argparse.Namespace) -> None:
    """Migrate, generate and time one (database, size); write JSON."""
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from reports.generator import generate_register
    from reports.generator_plan import Options

    print(f"\n=== {args.database}, {args.n} risks per organisation ===", flush=True)
    call_command("migrate", verbosity=0)
    result = generate_register(
        Options(risks_per_org=args.n, versions=VERSIONS, quarters=QUARTERS)
    )
    print(f"  generated in {result.total_seconds:.1f} s", flush=True)
    load_before = os.getloadavg()
    pages = measure_exports(reps=args.reps, heavy_reps=args.heavy_reps)
    writers = measure_writers(args.heavy_reps)
    with connection.cursor():
        version = (
            f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}"
            if connection.vendor == "postgresql"
            else f"SQLite {connection.Database.sqlite_version}"
        )
    payload = {
        "database": args.database,
        "database_version": version,
        "n": args.n,
        "counts": dict(result.counts),
        "pages": pages,
        "writers": writers,
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
    Path(args.output).write_text(json.dumps(payload, indent=2))


def run_memory(args: argparse.Namespace) -> None:
    _setup_django()
    Path(args.output).write_text(json.dumps(measure_memory(args.export)))


def _subprocess(url: str, *arguments: str) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = handle.name
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "600",
        "PYTHONWARNINGS": "ignore",
    }
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    try:
        completed = subprocess.run(  # noqa: S603 - this script, fixed arguments
            [*command, f"--output={output}"], env=env, cwd=ROOT, check=False
        )
        if completed.returncode != 0:
            return None
        return json.loads(Path(output).read_text())
    finally:
        Path(output).unlink(missing_ok=True)


def run_configuration(args: argparse.Namespace, database: str, n: int) -> dict | None:
    """Time the exports on a fresh database, then measure their memory."""
    url = _database_url(database, n)
    try:
        payload = _subprocess(
            url,
            "--worker",
            f"--database={database}",
            f"--n={n}",
            f"--reps={args.reps}",
            f"--heavy-reps={args.heavy_reps}",
        )
        if payload is None:
            print(f"!! {database} N={n} failed")
            return None
        payload["memory"] = {}
        for label in EXPORTS:
            memory = _subprocess(url, "--memory", f"--export={label}")
            if memory is not None:
                payload["memory"][label] = memory
                print(
                    f"  memory, {label}: peak {memory['peak_rss_mb']} MB, "
                    f"+{memory['growth_mb']} MB during the export",
                    flush=True,
                )
        return payload
    finally:
        if database == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


# --- Report -----------------------------------------------------------------------


def _ratio(pages: dict, numerator: str, denominator: str, key: str) -> float | None:
    top, bottom = pages.get(numerator, {}), pages.get(denominator, {})
    if not top.get("reps") or not bottom.get(key):
        return None
    return top[key] / bottom[key]


RATIOS = (
    ("CSV / its floor", CSV, CSV_FLOOR, CSV_VS_FLOOR),
    ("XLSX / its floor", XLSX, XLSX_FLOOR, XLSX_VS_FLOOR),
    ("XLSX / 3 sheets as CSV", XLSX, SHEETS_CSV_FLOOR, None),
)


def evaluate(configurations: list[dict]) -> list[dict]:
    """Check the targets; return one row per check with its verdict."""
    checks = []

    def check(target: str, passed: bool | None, detail: str) -> None:
        verdict = "n/a" if passed is None else "PASS" if passed else "MISS"
        checks.append({"target": target, "verdict": verdict, "detail": detail})

    by_database: dict[str, list[dict]] = {}
    for config in configurations:
        by_database.setdefault(config["database"], []).append(config)
    for database, configs in by_database.items():
        configs.sort(key=lambda c: c["n"])
        for label in EXPORTS:
            counts = {c["n"]: c["pages"][label]["queries"] for c in configs}
            if len(counts) > 1:
                detail = ", ".join(f"N={n}: {q}" for n, q in counts.items())
                check(
                    f"{database}: {label} queries constant in N",
                    len(set(counts.values())) == 1,
                    detail,
                )
            growth = {
                c["n"]: c["memory"].get(label, {}).get("growth_mb") for c in configs
            }
            if len(growth) > 1 and None not in growth.values():
                low, high = growth[min(growth)], growth[max(growth)]
                detail = ", ".join(f"N={n}: +{mb} MB" for n, mb in growth.items())
                # Flat: what N adds stays within a few MB of what the smallest costs.
                check(
                    f"{database}: {label} memory flat in N",
                    high <= max(2 * low, low + 5),
                    detail,
                )
        for config in configs:
            if config["n"] != TARGET_N:
                continue
            for _, top, bottom, limit in RATIOS:
                if limit is None:
                    continue
                wall = _ratio(config["pages"], top, bottom, "median_ms")
                used = _ratio(config["pages"], top, bottom, "cpu_median_ms")
                check(
                    f"{database} N={TARGET_N}: {top} ≤ {limit}× its floor",
                    None if wall is None else wall <= limit,
                    "—" if wall is None else f"{wall:.2f}× (CPU {used or 0:.2f}×)",
                )
    return checks


def print_report(run: dict, checks: list[dict]) -> None:
    configs = sorted(
        run["configurations"],
        key=lambda c: (DATABASE_ORDER.index(c["database"]), c["n"]),
    )
    if not configs:
        print("No configuration completed.")
        return
    heads = [f"{c['database']} N={c['n']}" for c in configs]
    width = max(20, *(len(head) + 2 for head in heads))
    print("\nMedian time in ms / queries per request (in-process test client)")
    print(f"{'':<38}" + "".join(f"{h:>{width}}" for h in heads))
    for label in ORDER:
        cells = []
        for config in configs:
            page = config["pages"].get(label, {})
            cell = f"{page.get('median_ms', 0):.1f} /{page.get('queries', 0):>2}q"
            cells.append(cell + (" !" if page.get("note") else ""))
        print(f"{label:<38}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(f"\n{'ratio, wall (CPU)':<38}" + "".join(f"{h:>{width}}" for h in heads))
    for name, top, bottom, _ in RATIOS:
        cells = []
        for config in configs:
            wall = _ratio(config["pages"], top, bottom, "median_ms")
            used = _ratio(config["pages"], top, bottom, "cpu_median_ms")
            cells.append("—" if wall is None else f"{wall:.2f}× ({used or 0:.2f}×)")
        print(f"{name:<38}" + "".join(f"{cell:>{width}}" for cell in cells))
    heading = "memory, MB: peak (+ during export)"
    print(f"\n{heading:<38}" + "".join(f"{h:>{width}}" for h in heads))
    for label in EXPORTS:
        cells = []
        for config in configs:
            memory = config.get("memory", {}).get(label)
            cells.append(
                f"{memory['peak_rss_mb']:.0f} (+{memory['growth_mb']:.1f})"
                if memory
                else "—"
            )
        print(f"{label:<38}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(
        f"\n{'XLSX writers, same rows (CPU ms)':<38}"
        + "".join(f"{h:>{width}}" for h in heads)
    )
    for writer in configs[0].get("writers", {}):
        cells = []
        for config in configs:
            figures = config.get("writers", {}).get(writer)
            cells.append(
                f"{figures['median_ms']:.0f} ({figures['cpu_median_ms']:.0f})"
                if figures
                else "—"
            )
        print(f"{writer:<38}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(f"\n{'load average (1 min) before, after':<38}", end="")
    for config in configs:
        load = config["load_average"]
        cell = f"{load['before'][0]:.1f}, {load['after'][0]:.1f}"
        print(f"{cell:>{width}}", end="")
    print("\n\nTargets")
    for row in checks:
        print(f"  [{row['verdict']:>4}] {row['target']}  {row['detail']}")
    for note in run["skipped"]:
        print(f"Note: {note}")
    machine = run["machine"]
    versions = sorted({c["database_version"] for c in configs})
    print(
        f"\nMachine: {machine.get('cpu', '?')}, {machine.get('cores')} cores, "
        f"{machine.get('memory_gb', '?')} GB RAM; Python {machine['python']}; "
        + "; ".join(versions)
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, N=100 only")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--heavy-reps", type=int, default=HEAVY_REPS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.worker:
        run_worker(args)
        return 0
    if args.memory:
        run_memory(args)
        return 0
    if args.quick:
        args.sizes, args.databases = "100", "sqlite"
    sizes = [int(s) for s in args.sizes.split(",") if s]
    databases = [d for d in args.databases.split(",") if d]
    started = time.perf_counter()
    run = {
        "options": {**vars(args), "sizes": sizes, "databases": databases},
        "machine": _machine(),
        "configurations": [],
        "skipped": [],
        "started": datetime.now(tz=UTC).isoformat(timespec="seconds"),
    }
    postgresql = [d for d in databases if d.startswith("postgresql")]
    problem = _pg_reachable(PG_URL) if postgresql else ""
    if problem:
        databases = [d for d in databases if d not in postgresql]
        run["skipped"].append(f"PostgreSQL skipped: {problem}")
        print(run["skipped"][-1])
    try:
        for database in databases:
            for n in sizes:
                payload = run_configuration(args, database, n)
                if payload is None:
                    run["skipped"].append(f"{database} N={n} failed")
                else:
                    run["configurations"].append(payload)
    finally:
        if postgresql and not problem:
            _pg_drop(PG_URL)
    checks = evaluate(run["configurations"])
    print_report(run, checks)
    elapsed = time.perf_counter() - started
    print(f"Benchmark took {elapsed / 60:.1f} min.")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"exports-{stamp}.json"
    payload = {**run, "checks": checks, "seconds": round(elapsed, 1)}
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"Results: {path.relative_to(ROOT)}")
    return 0 if run["configurations"] else 1


if __name__ == "__main__":
    sys.exit(main())
