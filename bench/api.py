"""Measure the read API on a generated register, beside the CSV export of the same rows.

    .venv/bin/python bench/api.py [--n 1000] [--reps 11] [--sqlite-only]

For SQLite (a throwaway file under var/bench/) and PostgreSQL (BENCH_PG_URL, created
and dropped; skipped when it does not answer), a fresh database is migrated and
filled by `generate_register --risks-per-org N` (2 × N risks, a few versions each);
then, in one process with production-like settings, a MOPAC governance officer's
token reads all N MOPAC risks:

- every page of /api/v1/risks/?organisation=mopac (100 a page, following `next`);
- the same in one page (page_size=1000);
- the flat /api/v1/dashboard/risks/?organisation=mopac in one page;

beside /risks/export.csv?organisation=mopac (the same rows, as the browser
downloads them) and the CSV floor of bench/export_floors.py (the same risks' printed
columns read with values() and written by csv.writer, through the same middleware).
The JSON floor there (the API risk list's own columns by values() and json.dumps)
says what JSON of these rows costs at the least. Median wall time of R repetitions
after a warm-up, this process's CPU time, queries, bytes; the ratios to the CSV
export (target for the risk list in one page and the dashboard list: at most 1.5×
and under 0.5 s) and to the CSV floor (target: at most 2×, as the CSV export).
Figures go to bench/results/api-<timestamp>.json.
"""

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402  (the path above first)
    PG_URL,
    SQLITE_DIR,
    _machine,
    _pg_drop,
    _pg_reachable,
    _pg_recreate,
)

USER = "bench-mopac-governance"
CSV = "CSV export"
FLOOR = "CSV floor: values() + csv.writer"
JSON_FLOOR = "JSON floor: values() + json.dumps"
ONE_PAGE = "API risks, one page of 1,000"
DASHBOARD = "API dashboard list, one page"
TARGET_RATIO = 1.5
TARGET_SECONDS = 0.5
# At most this many times the CSV export of the same rows (and under 0.5 s)...
CSV_TARGETS = {ONE_PAGE: TARGET_RATIO, DASHBOARD: TARGET_RATIO}
# ...and at most twice the floor, as the CSV export itself.
FLOOR_TARGETS = {CSV: 2.0, ONE_PAGE: 2.0, DASHBOARD: 2.0}
RESULTS = ROOT / "bench" / "results"
# DRF's page: {"count": n, "next": null or "url", ...}, the link near the top.
NEXT = re.compile(rb'"next":(null|"[^"]*")')


def _timed(call) -> tuple[float, int, int, float]:
    """Run call() → bytes; return (seconds, queries, bytes, CPU seconds).

    This process's CPU time is also given: on a machine busy with other work it
    moves much less than the wall time (PostgreSQL's own work is not in it).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        size = call()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, len(captured.captured_queries), size, cpu


def _measure(label: str, call, reps: int) -> dict:
    """Time call(check=False); a first call(check=True) warms up and checks the body.

    The timed calls only read the response, as a client that saves it would: the
    CSV is never parsed, so neither is the JSON (parsing 1.4 MB of it took about
    a fifth of the risk list's measured time before).
    """
    call(check=True)  # warm-up (caches, the token's first use) and the checks
    runs = [_timed(lambda: call(check=False)) for _ in range(reps)]
    figures = {
        "ms": round(statistics.median(r[0] for r in runs) * 1000, 1),
        "ms_min": round(min(r[0] for r in runs) * 1000, 1),
        "cpu_ms": round(statistics.median(r[3] for r in runs) * 1000, 1),
        "queries": runs[0][1],
        "bytes": runs[0][2],
    }
    print(
        f"  {label:<44} {figures['ms']:8.1f} ms ({figures['cpu_ms']:6.1f} CPU)"
        f"  {figures['queries']:3d} queries"
        f"  {figures['bytes'] / 1024:7.0f} KiB",
        flush=True,
    )
    return figures


def run_worker(n: int, reps: int, output: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from accounts import services
    from bench.export_floors import CSV_FLOOR_URL, JSON_FLOOR_URL
    from reports.generator import generate_register
    from reports.generator_plan import Options
    from risks.models import Risk

    # One log line per request is for production; here it would bury the figures.
    logging.getLogger("api.requests").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate_register(Options(risks_per_org=n, versions=4, quarters=4))
    print(f"  generated 2 × {n} risks in {time.perf_counter() - started:.1f} s")
    # A live database has statistics (autovacuum keeps them); one just filled has
    # none, and PostgreSQL then plans the per-row subqueries of the API's lists
    # badly (measured: the risk list twice as slow). Read them as a live one would.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user_model = django.contrib.auth.get_user_model()
    user = user_model.objects.get(username=USER)
    secret = services.token_create(owner=user, name="bench")[1]
    bearer = {"Authorization": f"Bearer {secret}"}
    expected = Risk.objects.filter(organisation__slug="mopac").count()

    browser = Client()
    browser.force_login(user)
    api = Client()

    def csv(check: bool) -> int:
        response = browser.get("/risks/export.csv", {"organisation": "mopac"})
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else (response.content)
        )
        assert response.status_code == 200
        return len(body)

    def floor(check: bool) -> int:
        response = browser.get(CSV_FLOOR_URL, {"organisation": "mopac"})
        assert response.status_code == 200
        if check:
            assert response.content.count(b"\n") == expected + 1  # header and rows
        return len(response.content)

    def json_floor(check: bool) -> int:
        response = browser.get(JSON_FLOOR_URL, {"organisation": "mopac"})
        assert response.status_code == 200
        if check:
            assert len(json.loads(response.content)["results"]) == expected
        return len(response.content)

    def next_link(content: bytes) -> str | None:
        """The page's `next` link, read from the top of the body without parsing it."""
        found = NEXT.search(content, 0, 4096)
        return json.loads(found.group(1)) if found else None

    def pages(page_size: int):
        def read(check: bool) -> int:
            url, params, size, ids = (
                "/api/v1/risks/",
                {
                    "organisation": "mopac",
                    "page_size": page_size,
                },
                0,
                set(),
            )
            while url:
                response = api.get(url, params, headers=bearer)
                assert response.status_code == 200, response.content[:200]
                size += len(response.content)
                if check:
                    body = json.loads(response.content)
                    ids |= {row["id"] for row in body["results"]}
                    assert body["next"] == next_link(response.content)
                url, params = next_link(response.content), {}
            if check:
                assert len(ids) == expected, (len(ids), expected)
            return size

        return read

    def dashboard(check: bool) -> int:
        response = api.get(
            "/api/v1/dashboard/risks/",
            {"organisation": "mopac", "page_size": 1000},
            headers=bearer,
        )
        assert response.status_code == 200
        if check:
            body = json.loads(response.content)
            assert body["count"] == expected and body["next"] is None, (
                body["count"],
                expected,
                body["next"],
            )
        return len(response.content)

    # The floor's URL configuration serves the application's URLs too.
    with override_settings(ROOT_URLCONF="bench.export_floors"):
        figures = {
            FLOOR: _measure(FLOOR, floor, reps),
            JSON_FLOOR: _measure(JSON_FLOOR, json_floor, reps),
            CSV: _measure(CSV + f" ({expected} rows)", csv, reps),
            "API risks, every page of 100": _measure(
                "API risks, every page of 100", pages(100), reps
            ),
            ONE_PAGE: _measure(ONE_PAGE, pages(1000), reps),
            DASHBOARD: _measure(DASHBOARD, dashboard, reps),
        }
    Path(output).write_text(json.dumps({"rows": expected, "figures": figures}))


def _configuration(database: str, args) -> dict | None:
    if database == "postgresql":
        _pg_recreate(PG_URL)
        url = PG_URL
    else:
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        path = SQLITE_DIR / f"bench-api-{args.n}.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = handle.name
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "600",
        "API_THROTTLE_RATE": "100000/min",  # the bench is not the throttle's test
        "PYTHONWARNINGS": "ignore",
    }
    print(f"\n=== {database}, {args.n} risks per organisation ===", flush=True)
    command = [sys.executable, __file__, "--worker", f"--n={args.n}"]
    command += [f"--reps={args.reps}", f"--output={output}"]
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        if done.returncode != 0:
            print(f"!! {database} failed (exit {done.returncode})")
            return None
        return json.loads(Path(output).read_text()) | {"database": database}
    finally:
        Path(output).unlink(missing_ok=True)
        if database == "postgresql":
            _pg_drop(PG_URL)
        else:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def report(results: list[dict]) -> bool:
    """Print each figure beside the CSV export's and the floors'; return whether
    every target is met (CPU ratios are printed too, for a busy machine)."""
    met = True
    print(
        "\nmedian wall ms (this process's CPU ms) / queries; ratios of wall (CPU)"
        " times to the CSV export, the CSV floor and the JSON floor of the same rows"
    )
    for result in results:
        figures_ = result["figures"]
        csv, base = figures_[CSV], figures_[FLOOR]
        json_base = figures_.get(JSON_FLOOR, base)
        print(f"\n{result['database']} ({result['rows']} rows)")
        for label, figures in figures_.items():
            ratio = {
                name: (figures["ms"] / of["ms"], figures["cpu_ms"] / of["cpu_ms"])
                for name, of in (("csv", csv), ("floor", base), ("json", json_base))
            }
            misses = []
            if label in CSV_TARGETS and not (
                ratio["csv"][0] <= CSV_TARGETS[label]
                and figures["ms"] / 1000 < TARGET_SECONDS
            ):
                misses.append(f"> {CSV_TARGETS[label]}× CSV or {TARGET_SECONDS} s")
            if label in FLOOR_TARGETS and ratio["floor"][0] > FLOOR_TARGETS[label]:
                misses.append(f"> {FLOOR_TARGETS[label]}× floor")
            met &= not misses
            print(
                f"  {label:<34} {figures['ms']:7.1f} ({figures['cpu_ms']:6.1f})"
                f" {figures['queries']:3d} q"
                + "".join(
                    f"  {wall:5.2f}× ({cpu:4.2f}×) {name}"
                    for name, (wall, cpu) in ratio.items()
                )
                + (f"  ← {', '.join(misses)}" if misses else "")
            )
    print(
        f"\ntargets (wall): the risk list in one page and the dashboard list at most "
        f"{TARGET_RATIO}× the CSV export and under {TARGET_SECONDS} s; they and the "
        f"CSV export at most 2× the CSV floor: {'met' if met else 'NOT met'}. "
        "Every page of 100 (10 requests) has no target: clients read 1,000 a page."
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.n, args.reps, args.output)
        return 0
    machine = _machine()
    print(json.dumps(machine))
    databases = ["sqlite"]
    if not args.sqlite_only:
        why = _pg_reachable(PG_URL)
        if why:
            print(f"PostgreSQL skipped ({PG_URL}): {why}")
        else:
            databases.append("postgresql")
    load_before = os.getloadavg()
    results = [r for db in databases if (r := _configuration(db, args))]
    load = os.getloadavg()
    met = report(results)
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if results:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = RESULTS / f"api-{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "n": args.n,
                    "reps": args.reps,
                    "load_before": load_before,
                    "load_after": load,
                    "targets_met": met,
                    "results": results,
                },
                indent=2,
            )
        )
        print(f"figures written to {path.relative_to(ROOT)}")
    return 0 if results else 1  # figures to read, not a pass/fail test


if __name__ == "__main__":
    sys.exit(main())
