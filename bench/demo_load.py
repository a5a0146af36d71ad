"""Measure `manage.py load_demo`: 2019 alone, and carried forward to a given day.

    .venv/bin/python bench/demo_load.py [--until YYYY-MM-DD] [--runs 3]

Each run migrates a fresh throwaway SQLite database (under /tmp, never
var/db.sqlite3), and a PostgreSQL one when BENCH_PG_URL is set (created and
dropped), then times `load_demo` in its own process, as `make run` starts it:
the wall time of the command (Python start-up and Django set-up included), the
rows written, and the median over the runs. A second `load_demo` on the same
database is timed too: it changes nothing and is what every later `make run`
pays.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.run, when run as a script
PYTHON = sys.executable
LONDON = ZoneInfo("Europe/London")
# Throwaway, one per bench process: two benches on one machine never share it.
SQLITE = f"/tmp/rr-bench-demo-load-{os.getpid()}.sqlite3"  # noqa: S108


def manage(env: dict, *args: str) -> tuple[float, str]:
    """Run a manage.py command; return its wall time in seconds and its output."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.stdout


def carry_seconds(output: str) -> float:
    """The carry-forward's own time, as load_demo reports it (0 when none)."""
    found = re.search(r"Took ([0-9.]+) s after", output)
    return float(found.group(1)) if found else 0.0


def rows(env: dict) -> int:
    """Count every row of every table, history included."""
    script = (
        "from django.apps import apps; print(sum(m._base_manager.count() for m in "
        "apps.get_models(include_auto_created=True)))"
    )
    out = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def fresh_sqlite(env: dict) -> dict:
    Path(SQLITE).unlink(missing_ok=True)
    env = {**env, "DATABASE_URL": f"sqlite:///{SQLITE}"}
    manage(env, "migrate", "--verbosity", "0")
    return env


def fresh_postgres(env: dict, url: str) -> dict:
    from bench.run import _pg_recreate

    _pg_recreate(url)
    env = {**env, "DATABASE_URL": url}
    manage(env, "migrate", "--verbosity", "0")
    return env


def bench(label: str, fresh, until: str, runs: int) -> None:
    for name, day in (("2019 alone", "2019-09-30"), ("carried forward", until)):
        first, carry, again, written = [], [], [], 0
        for _ in range(runs):
            env = fresh()
            seconds, output = manage(env, "load_demo", "--until", day)
            first.append(seconds)
            carry.append(carry_seconds(output))
            written = rows(env)
            again.append(manage(env, "load_demo", "--until", day)[0])
        print(
            f"{label:<10} {name:<16} load_demo {statistics.median(first):6.2f} s "
            f"(runs {', '.join(f'{t:.2f}' for t in first)}; carry-forward "
            f"{statistics.median(carry):.2f} s), second run "
            f"{statistics.median(again):5.2f} s, {written:,} rows"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--until", default=None, help="the day to carry the demo to (default today)"
    )
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    # load_demo's "today" is London's.
    options.until = options.until or datetime.now(LONDON).date().isoformat()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    print(
        f"load_demo --until {options.until}, median of {options.runs} runs; "
        f"{os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{n:.1f}' for n in os.getloadavg())} at the start"
    )
    bench("SQLite", lambda: fresh_sqlite(env), options.until, options.runs)
    url = os.environ.get("BENCH_PG_URL")
    if url:
        from bench.run import _pg_drop

        try:
            bench(
                "PostgreSQL",
                lambda: fresh_postgres(env, url),
                options.until,
                options.runs,
            )
        finally:
            _pg_drop(url)
    Path(SQLITE).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
