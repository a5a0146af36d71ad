"""`make bench` (audit): the cost of sealing and verifying the history.

For each database (SQLite, PostgreSQL) and size (risks per organisation, 20
versions each, with their controls, actions and reviews), a fresh database is
migrated and filled by `generate_register`; then, each step in its own process
so that its peak memory is its own:

- seal: the first seal over all the history;
- verify: recompute it against the stored rows;
- edits + seal: 100 risk edits through the services, then the incremental seal;
- baseline: a process that only starts Django, for the memory figures.

"Flat memory" means the seal's and verify's peak RSS above the baseline barely
moves when the history grows tenfold.

    python bench/audit.py            # SQLite and PostgreSQL, N = 100 and 1,000
    python bench/audit.py --quick    # SQLite, N = 100
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
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    SQLITE_DIR,
    _machine,
    _pg_drop,
    _pg_reachable,
    _pg_recreate,
)

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rr_bench_audit"
)
SIZES = (100, 1000)
VERSIONS = 20
QUARTERS = 8
EDITS = 100
TARGET_SECONDS = 10.0
TARGET_INCREMENTAL_SECONDS = 1.0
STEPS = ("baseline", "prepare", "seal", "verify", "edits")


# --- Steps (each in its own process, inside Django) -----------------------------


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _step(step: str, n: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from audit.sealing import seal_history
    from audit.verification import verify_history

    figures: dict = {}
    if step == "prepare":
        from reports.generator import generate_register
        from reports.generator_plan import Options

        call_command("migrate", verbosity=0)
        result = generate_register(
            Options(risks_per_org=n, versions=VERSIONS, quarters=QUARTERS)
        )
        figures["generation_seconds"] = round(result.total_seconds, 2)
    elif step == "seal":
        started = time.perf_counter()
        seal = seal_history()
        figures.update(seconds=time.perf_counter() - started, rows=seal.row_count)
    elif step == "verify":
        started = time.perf_counter()
        outcome = verify_history()
        assert outcome.ok, outcome.message
        figures.update(seconds=time.perf_counter() - started, rows=outcome.rows)
    elif step == "edits":
        from django.contrib.auth import get_user_model

        from risks import services
        from risks.models import Risk

        user = get_user_model().objects.get(username="bench-mopac-governance")
        risks = Risk.objects.filter(organisation__slug="mopac").open().order_by("pk")
        for index, risk in enumerate(risks[:EDITS]):
            services.risk_update(
                risk=risk,
                user=user,
                data={"title": f"{risk.title[:180]} (edit {index})"},
                reason="Benchmark edit",
            )
        started = time.perf_counter()
        seal = seal_history()
        figures.update(seconds=time.perf_counter() - started, rows=seal.row_count)
        started = time.perf_counter()
        outcome = verify_history()
        assert outcome.ok, outcome.message
        figures["verify_seconds"] = round(time.perf_counter() - started, 2)
    if "seconds" in figures:
        figures["seconds"] = round(figures["seconds"], 3)
    figures["peak_rss_mb"] = _peak_mb()
    return figures


# --- Orchestration ---------------------------------------------------------------


def _url(database: str, n: int) -> str:
    if database == "postgresql":
        _pg_recreate(PG_URL)
        return PG_URL
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    path = SQLITE_DIR / f"audit-{n}.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _run_step(url: str, step: str, n: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "DJANGO_DEBUG": "false",
        "PYTHONWARNINGS": "ignore",
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step]
    command += ["--n", str(n)]
    done = subprocess.run(  # noqa: S603 (our own script)
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{step} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _configuration(database: str, n: int) -> dict:
    url = _url(database, n)
    try:
        figures = {step: _run_step(url, step, n) for step in STEPS}
    finally:
        if database == "postgresql":
            _pg_drop(PG_URL)
    return figures


def _print(results: list[dict]) -> None:
    baseline = "peak RSS above a bare Django process"
    print(
        f"\n{'database':<11}{'N':>6}{'rows':>9}{'seal s':>9}{'verify s':>10}"
        f"{'seal MB':>9}{'verify MB':>11}{'100 edits: seal s':>19}{'rows':>6}"
    )
    for result in results:
        steps, base = result["steps"], result["steps"]["baseline"]["peak_rss_mb"]
        print(
            f"{result['database']:<11}{result['n']:>6}"
            f"{steps['seal']['rows']:>9,}{steps['seal']['seconds']:>9.2f}"
            f"{steps['verify']['seconds']:>10.2f}"
            f"{steps['seal']['peak_rss_mb'] - base:>9.1f}"
            f"{steps['verify']['peak_rss_mb'] - base:>11.1f}"
            f"{steps['edits']['seconds']:>19.3f}{steps['edits']['rows']:>6}"
        )
    print(
        f"(MB: {baseline}; targets: seal and verify < {TARGET_SECONDS:.0f} s, "
        f"incremental seal < {TARGET_INCREMENTAL_SECONDS:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(_step(args.step, args.n)))
        return
    databases, sizes = args.databases, args.sizes
    if args.quick:
        databases, sizes = ["sqlite"], [100]
    if "postgresql" in databases and (why := _pg_reachable(PG_URL)):
        print(f"PostgreSQL not reachable ({why}): skipping it.")
        databases = [d for d in databases if d != "postgresql"]
    started = time.perf_counter()
    results = []
    for database in databases:
        for n in sizes:
            print(f"=== {database}, {n} risks per organisation ===", flush=True)
            steps = _configuration(database, n)
            results.append({"database": database, "n": n, "steps": steps})
            print(json.dumps(steps), flush=True)
    _print(results)
    machine = _machine()
    print(
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores')} cores, "
        f"{machine.get('memory_gb')} GB; load average {os.getloadavg()[0]:.2f} at the "
        f"end; {time.perf_counter() - started:.0f} s in all."
    )


if __name__ == "__main__":
    main()
