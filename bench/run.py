"""`make bench`: server time and queries of the register's pages at scale.

For each database (SQLite, PostgreSQL) and each size (risks per organisation),
a fresh database is migrated and filled by `generate_register`, then every page
is requested in-process with Django's test client after a warm-up: the median
time of several requests and the number of queries are recorded beside three
floors (see bench/floors.py). Each configuration runs in its own subprocess with
DATABASE_URL set; PostgreSQL uses a throwaway database (`rr_bench`) that is
created and dropped here, SQLite a file under var/bench/.

    python bench/run.py            # SQLite and PostgreSQL, N = 100 and 1,000
    python bench/run.py --quick    # SQLite, N = 100: a smoke run

The table goes to stdout and the figures to bench/results/<timestamp>.json.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_DIR = ROOT / "var" / "bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rr_bench")
SIZES = (100, 1000)
DATABASES = ("sqlite", "postgresql")
# Also accepted: "postgresql-nojit", the same server with JIT compilation off.
DATABASE_ORDER = ("sqlite", "postgresql", "postgresql-nojit")
VERSIONS = 20
QUARTERS = 8
# Requests timed per page, after one warm-up request: pages take 10-200 ms, and
# the register's ratio to its floor moved by up to 0.06 between runs with 11.
REPS = 21
HEAVY_REPS = 5  # for PDFs and spreadsheets, which take seconds each (median of 5:
# a shared VM varies by 10-20% from one render to the next)
USER = "bench-mopac-governance"
ADMIN = "bench-admin"

# Targets (measured, not timed tests).
MAX_QUERIES = 15
MAX_REGISTER_PDF_QUERIES = 30
REGISTER_VS_MINIMAL = 1.5
REGISTER_VS_ADMIN = 0.5
PAPER_PDF_VS_WEASYPRINT = 1.1
REGISTER_PDF_SECONDS = 15.0

# Row labels, in table order.
REGISTER = "register list"
FILTERED = "filtered register"
AS_AT = "as-at register"
RISK = "risk page"
HISTORY = "risk history"
ALIGNMENT = "alignment overview"
CHANGES = "quarter changes"
PREVIEW = "paper preview"
PAPER_PDF = "paper PDF"
REGISTER_PDF = "register PDF"
XLSX = "XLSX export"
MINIMAL = "floor: minimal view"
ADMIN_LIST = "floor: admin changelist"
WEASYPRINT = "floor: WeasyPrint alone"
HEAVY = {PAPER_PDF, REGISTER_PDF, XLSX, WEASYPRINT}
ORDER = (
    REGISTER,
    FILTERED,
    AS_AT,
    RISK,
    HISTORY,
    ALIGNMENT,
    CHANGES,
    PREVIEW,
    PAPER_PDF,
    REGISTER_PDF,
    XLSX,
    MINIMAL,
    ADMIN_LIST,
    WEASYPRINT,
)
FLOORS = (MINIMAL, ADMIN_LIST, WEASYPRINT)


# --- Measuring (inside Django) --------------------------------------------------


@dataclass
class Measure:
    """The figures of one page: median server time and queries per request."""

    url: str
    median_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    cpu_median_ms: float = 0.0  # this process's CPU time: robust to other load
    queries: int | None = None
    queries_max: int | None = None
    status: int | None = None
    bytes: int = 0
    reps: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.note


def _summarise(
    measure: Measure, times: list[float], cpu: list[float], queries: list[int]
) -> Measure:
    if not times:
        return measure
    measure.median_ms = round(statistics.median(times) * 1000, 1)
    measure.cpu_median_ms = round(statistics.median(cpu) * 1000, 1)
    measure.min_ms = round(min(times) * 1000, 1)
    measure.max_ms = round(max(times) * 1000, 1)
    if queries:
        measure.queries = int(statistics.median(queries))
        measure.queries_max = max(queries)
    measure.reps = len(times)
    return measure


def _get(client, url: str) -> tuple[float, float, int, int, int]:
    """GET the URL, body read in full.

    Return (seconds, CPU seconds, queries, status, bytes).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    queries = len(captured.captured_queries)
    return elapsed, cpu, queries, response.status_code, len(body)


def _call(call) -> tuple[float, float, None, int, int]:
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    return (
        time.perf_counter() - started,
        time.process_time() - cpu,
        None,
        200,
        len(result),
    )


@dataclass
class Scenario:
    """What the pages are measured on, chosen from the generated register."""

    risk_id: int
    period_id: int
    period_label: str
    as_at: str
    theme_slug: str
    paper_id: int

    @classmethod
    def from_database(cls) -> "Scenario":
        from alignment.models import AlignmentLink, LinkStatus
        from reports.generator import paper_for_benchmark
        from risks.models import Organisation, ReportingPeriod

        mopac = Organisation.objects.get(slug="mopac")
        link = (
            AlignmentLink.objects.filter(status=LinkStatus.AGREED)
            .select_related("proposer_risk", "partner_risk", "theme")
            .order_by("pk")
            .first()
        )
        risk = (
            link.proposer_risk
            if link.proposer_risk.organisation_id == mopac.pk
            else link.partner_risk
        )
        periods = list(
            ReportingPeriod.objects.filter(organisation=mopac).order_by("-end")[:2]
        )
        paper = paper_for_benchmark()
        return cls(
            risk_id=risk.pk,
            period_id=periods[0].pk,
            period_label=periods[0].label,
            as_at=periods[-1].end.isoformat(),
            theme_slug=link.theme.slug,
            paper_id=paper.pk,
        )

    def pages(self) -> dict[str, tuple[str, str]]:
        """Return {label: (user, url)} for every page, floors included."""
        from bench.floors import MINIMAL_URL

        return {
            REGISTER: (USER, "/risks/"),
            FILTERED: (
                USER,
                f"/risks/?organisation=mopac&status=open&theme={self.theme_slug}"
                "&sort=-score",
            ),
            AS_AT: (USER, f"/risks/?as_at={self.as_at}"),
            RISK: (USER, f"/risks/{self.risk_id}/"),
            HISTORY: (USER, f"/risks/{self.risk_id}/history/"),
            ALIGNMENT: (USER, "/alignment/"),
            CHANGES: (USER, f"/risks/periods/{self.period_id}/changes/"),
            PREVIEW: (USER, f"/reports/{self.paper_id}/"),
            PAPER_PDF: (USER, f"/reports/{self.paper_id}/pdf/"),
            REGISTER_PDF: (
                USER,
                "/reports/register/mopac/pdf/?"
                + urlencode({"period": self.period_label}),
            ),
            XLSX: (USER, "/risks/export.xlsx"),
            MINIMAL: (USER, MINIMAL_URL),
            ADMIN_LIST: (ADMIN, "/admin/risks/risk/"),
        }


def _resolves(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return True


def measure_pages(
    *,
    reps: int = REPS,
    heavy_reps: int = HEAVY_REPS,
    warmup: bool = True,
    report=print,
) -> dict[str, dict]:
    """Measure every page and floor on the generated register in this database.

    Needs a register written by `generate_register`; returns {label: figures}.
    After one warm-up request each, the pages are requested in rounds (every
    page once per round; light pages first, then PDFs and spreadsheets) so that
    a burst of load elsewhere on the machine hits all of them alike rather than
    one page's repetitions. Pages whose URL does not resolve (yet) are skipped
    with a note; a page that fails is recorded with its error.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    from bench.floors import weasyprint_alone
    from reports import rendering
    from reports.models import PanelPaper

    scenario = Scenario.from_database()
    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username=ADMIN, defaults={"is_staff": True, "is_superuser": True}
    )
    clients = {}
    for name, user in ((USER, user_model.objects.get(username=USER)), (ADMIN, admin)):
        clients[name] = Client()
        clients[name].force_login(user)
    results: dict[str, dict] = {}
    # Registers above the inline limit are rendered by a background task and the
    # stored PDF served afterwards; lifting the limit makes every request do the
    # render a worker would do, so that it is what is measured.
    with override_settings(
        ROOT_URLCONF="bench.floors", REGISTER_PDF_INLINE_MAX_RISKS=10**9
    ):
        jobs = {}
        for label, (who, url) in scenario.pages().items():
            if _resolves(url):
                jobs[label] = (url, lambda c=clients[who], u=url: _get(c, u))
            else:
                report(f"  {label:<26} skipped: {urlsplit(url).path} does not resolve")
                results[label] = asdict(Measure(url=url, note="URL does not resolve"))
        paper = PanelPaper.objects.get(pk=scenario.paper_id)
        html = rendering.render_html(paper)
        jobs[WEASYPRINT] = (
            "weasyprint.HTML(render_html(paper)).write_pdf(pdf_variant='pdf/ua-1')",
            lambda: _call(lambda: weasyprint_alone(html)),
        )
        measures = {label: Measure(url=url) for label, (url, _) in jobs.items()}
        times: dict[str, list[float]] = {label: [] for label in jobs}
        cpu: dict[str, list[float]] = {label: [] for label in jobs}
        queries: dict[str, list[int]] = {label: [] for label in jobs}
        # Light pages in rounds of their own, then the heavy ones (PDFs,
        # spreadsheets), so that a page never follows a render of seconds.
        light = [label for label in jobs if label not in HEAVY]
        heavy = [label for label in jobs if label in HEAVY]
        for group, count in ((light, reps), (heavy, heavy_reps)):
            for number in range(-1 if warmup else 0, count):
                for label in group:
                    measure = measures[label]
                    if measure.note:
                        continue
                    # Collect the last request's garbage now, not during this one.
                    gc.collect()
                    try:
                        elapsed, used, n, status, size = jobs[label][1]()
                    except Exception as error:  # a page being built elsewhere
                        measure.note = f"raised {type(error).__name__}: {error}"[:200]
                        continue
                    measure.status, measure.bytes = status, size
                    if status != 200:
                        measure.note = f"answered {status}"
                    if number < 0:  # the warm-up request is not counted
                        continue
                    times[label].append(elapsed)
                    cpu[label].append(used)
                    if n is not None:
                        queries[label].append(n)
        for label, measure in measures.items():
            _summarise(measure, times[label], cpu[label], queries[label])
            results[label] = asdict(measure)
            report(_progress_line(label, measure))
    return {label: results[label] for label in ORDER if label in results}


def _progress_line(label: str, measure: Measure) -> str:
    queries = "" if measure.queries is None else f"{measure.queries:>4} queries"
    note = f"  ({measure.note})" if measure.note else ""
    return f"  {label:<26} {measure.median_ms:>9.1f} ms {queries}{note}"


# --- One configuration (a subprocess) ------------------------------------------


def _machine() -> dict:
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
        meminfo = Path("/proc/meminfo").read_text().split()
        info["memory_gb"] = round(int(meminfo[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration, IndexError, ValueError):
        pass
    return info


def run_worker(args: argparse.Namespace) -> None:
    """Migrate, generate and measure one (database, size); write JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings.dev")
    import django

    django.setup()
    from django.db import connection

    if args.database.endswith("-nojit"):
        # Plans that cost more than jit_above_cost get JIT-compiled on every run.
        connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    import weasyprint
    from django.core.management import call_command

    from reports.generator import generate_register
    from reports.generator_plan import Options

    print(f"\n=== {args.database}, {args.n} risks per organisation ===", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    print(f"  migrate                      {migrate_seconds:7.2f} s", flush=True)
    result = generate_register(
        Options(risks_per_org=args.n, versions=args.versions, quarters=args.quarters),
        report=lambda line: print(line, flush=True),
    )
    print(f"  generation total             {result.total_seconds:7.2f} s", flush=True)
    load_before = os.getloadavg()
    pages = measure_pages(
        reps=args.reps,
        heavy_reps=args.heavy_reps,
        report=lambda line: print(line, flush=True),
    )
    with connection.cursor():
        database_version = (
            f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}"
            if connection.vendor == "postgresql"
            else f"SQLite {connection.Database.sqlite_version}"
        )
    payload = {
        "database": args.database,
        "database_version": database_version,
        "n": args.n,
        "versions": args.versions,
        "quarters": args.quarters,
        "django": django.get_version(),
        "weasyprint": weasyprint.__version__,
        "migrate_seconds": round(migrate_seconds, 2),
        "generation": {
            "seconds": round(result.total_seconds, 2),
            "phases": {k: round(v, 2) for k, v in result.timings.items()},
            "counts": dict(result.counts),
        },
        "pages": pages,
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
    Path(args.output).write_text(json.dumps(payload, indent=2))


# --- The whole run (the parent process) ----------------------------------------


@dataclass
class Run:
    options: dict
    machine: dict = field(default_factory=_machine)
    configurations: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    started: str = field(
        default_factory=lambda: datetime.now(tz=UTC).isoformat(timespec="seconds")
    )


def _pg_admin(url: str):
    """Connect to the server's `postgres` database, for CREATE/DROP DATABASE."""
    import psycopg2

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(admin_url, connect_timeout=5)
    connection.autocommit = True
    return connection


def _pg_database(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _pg_execute(url: str, *statements: str) -> None:
    connection = _pg_admin(url)  # autocommit, and no `with`: that would BEGIN
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def _pg_recreate(url: str) -> None:
    name = _pg_database(url)
    _pg_execute(
        url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"',
    )


def _pg_drop(url: str) -> None:
    name = _pg_database(url)
    try:
        _pg_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:  # best effort on the way out
        print(f"Could not drop {name}: {error}")


def _pg_reachable(url: str) -> str:
    """Return "" when PostgreSQL answers, else why not."""
    try:
        _pg_admin(url).close()
    except Exception as error:  # any failure means "skip"
        return str(error).strip().splitlines()[0]
    return ""


def _database_url(database: str, n: int) -> str:
    if database.startswith("postgresql"):
        _pg_recreate(PG_URL)
        return PG_URL
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    path = SQLITE_DIR / f"bench-{n}.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _run_configuration(args, database: str, n: int) -> dict | None:
    url = _database_url(database, n)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = handle.name
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        # Keep one connection per process, as a production worker would.
        "DJANGO_CONN_MAX_AGE": "600",
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        f"--database={database}",
        f"--n={n}",
        f"--versions={args.versions}",
        f"--quarters={args.quarters}",
        f"--reps={args.reps}",
        f"--heavy-reps={args.heavy_reps}",
        f"--output={output}",
    ]
    try:
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        if completed.returncode != 0:
            print(f"!! {database} N={n} failed (exit {completed.returncode})")
            return None
        return json.loads(Path(output).read_text())
    finally:
        Path(output).unlink(missing_ok=True)
        if database == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


# --- Report ---------------------------------------------------------------------


def _cell(page: dict | None) -> str:
    if not page:
        return "—"
    if page.get("note") and not page.get("reps"):
        return "skipped" if "resolve" in page["note"] else "error"
    queries = "" if page.get("queries") is None else f" /{page['queries']:>3}q"
    text = f"{page['median_ms']:>9.1f}{queries}"
    return text + (" !" if page.get("note") else "")


def _ratio(
    numerator: dict | None, denominator: dict | None, key: str = "median_ms"
) -> float | None:
    if not numerator or not denominator:
        return None
    if not numerator.get("reps") or not denominator.get("reps"):
        return None
    if not denominator.get(key):
        return None
    return numerator[key] / denominator[key]


def _ratio_text(numerator: dict | None, denominator: dict | None) -> str:
    """Return "wall× (CPU×)", the CPU-time ratio being the one load cannot skew."""
    wall = _ratio(numerator, denominator)
    cpu = _ratio(numerator, denominator, "cpu_median_ms")
    if wall is None:
        return ""
    return f"{wall:.2f}×" + ("" if cpu is None else f" (CPU {cpu:.2f}×)")


def evaluate(configurations: list[dict]) -> list[dict]:
    """Check the targets; return one row per check with its verdict."""
    checks = []

    def check(what: str, passed: bool | None, detail: str) -> None:
        verdict = "n/a" if passed is None else "PASS" if passed else "MISS"
        checks.append({"target": what, "verdict": verdict, "detail": detail})

    by_database: dict[str, list[dict]] = {}
    for config in configurations:
        by_database.setdefault(config["database"], []).append(config)
    for database, configs in by_database.items():
        configs.sort(key=lambda c: c["n"])
        for label in ORDER:
            if label in FLOORS:
                continue
            counts = {c["n"]: c["pages"].get(label, {}).get("queries") for c in configs}
            if any(v is None for v in counts.values()):
                continue
            limit = MAX_REGISTER_PDF_QUERIES if label == REGISTER_PDF else MAX_QUERIES
            same = len(set(counts.values())) == 1 if len(configs) > 1 else None
            detail = ", ".join(f"N={n}: {q}" for n, q in counts.items())
            if same is not None:
                check(f"{database}: {label} queries constant in N", same, detail)
            check(
                f"{database}: {label} at most {limit} queries",
                max(counts.values()) <= limit,
                detail,
            )
        for config in configs:
            tag = f"{database} N={config['n']}"
            pages = config["pages"]
            ratio = _ratio(pages.get(REGISTER), pages.get(MINIMAL))
            check(
                f"{tag}: register ≤ {REGISTER_VS_MINIMAL}× minimal view",
                None if ratio is None else ratio <= REGISTER_VS_MINIMAL,
                _ratio_text(pages.get(REGISTER), pages.get(MINIMAL)),
            )
            ratio = _ratio(pages.get(REGISTER), pages.get(ADMIN_LIST))
            check(
                f"{tag}: register ≤ {REGISTER_VS_ADMIN}× admin changelist",
                None if ratio is None else ratio <= REGISTER_VS_ADMIN,
                _ratio_text(pages.get(REGISTER), pages.get(ADMIN_LIST)),
            )
            ratio = _ratio(pages.get(PAPER_PDF), pages.get(WEASYPRINT))
            check(
                f"{tag}: paper PDF ≤ {PAPER_PDF_VS_WEASYPRINT}× WeasyPrint alone",
                None if ratio is None else ratio <= PAPER_PDF_VS_WEASYPRINT,
                _ratio_text(pages.get(PAPER_PDF), pages.get(WEASYPRINT)),
            )
            pdf = pages.get(REGISTER_PDF, {})
            if config["n"] >= 1000 and pdf.get("reps"):
                seconds = pdf["median_ms"] / 1000
                check(
                    f"{tag}: register PDF well under {REGISTER_PDF_SECONDS:.0f} s",
                    seconds < REGISTER_PDF_SECONDS,
                    f"{seconds:.1f} s, {pdf.get('queries')} queries",
                )
    return checks


def print_report(run: Run, checks: list[dict]) -> None:
    configs = sorted(
        run.configurations, key=lambda c: (DATABASE_ORDER.index(c["database"]), c["n"])
    )
    if not configs:
        print("No configuration completed.")
        return
    heads = [f"{c['database']} N={c['n']}" for c in configs]
    width = max(22, *(len(head) + 2 for head in heads))
    print("\nMedian server time in ms / queries per request (in-process test client)")
    print(f"{'page':<26}" + "".join(f"{h:>{width}}" for h in heads))
    for label in ORDER:
        cells = [_cell(c["pages"].get(label)) for c in configs]
        print(f"{label:<26}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(f"\n{'ratio (ours / floor)':<26}" + "".join(f"{h:>{width}}" for h in heads))
    for name, num, den in (
        ("register / minimal view", REGISTER, MINIMAL),
        ("register / admin list", REGISTER, ADMIN_LIST),
        ("paper PDF / WeasyPrint", PAPER_PDF, WEASYPRINT),
    ):
        cells = []
        for c in configs:
            wall = _ratio(c["pages"].get(num), c["pages"].get(den))
            used = _ratio(c["pages"].get(num), c["pages"].get(den), "cpu_median_ms")
            cells.append("—" if wall is None else f"{wall:.2f}× ({used or 0:.2f}×)")
        print(f"{name:<26}" + "".join(f"{cell:>{width}}" for cell in cells))
    print("(in brackets: the same ratio of this process's CPU time)")
    print(f"\n{'generation':<26}" + "".join(f"{h:>{width}}" for h in heads))
    cells = [f"{c['generation']['seconds']:.1f} s" for c in configs]
    print(f"{'total':<26}" + "".join(f"{cell:>{width}}" for cell in cells))
    for phase in configs[0]["generation"]["phases"]:
        cells = [f"{c['generation']['phases'].get(phase, 0):.2f} s" for c in configs]
        print(f"{'  ' + phase:<26}" + "".join(f"{cell:>{width}}" for cell in cells))
    print("\nTargets")
    for row in checks:
        print(f"  [{row['verdict']:>4}] {row['target']}  {row['detail']}")
    for note in run.skipped:
        print(f"Note: {note}")
    machine = run.machine
    versions = sorted({c["database_version"] for c in configs})
    versions += [
        f"Django {configs[0]['django']}",
        f"WeasyPrint {configs[0]['weasyprint']}",
    ]
    print(
        f"\nMachine: {machine.get('cpu', '?')}, {machine.get('cores')} cores, "
        f"{machine.get('memory_gb', '?')} GB RAM; Python {machine['python']}; "
        + "; ".join(versions)
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, N=100 only")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help=f"comma-separated, of {', '.join(DATABASE_ORDER)}",
    )
    parser.add_argument("--versions", type=int, default=VERSIONS)
    parser.add_argument("--quarters", type=int, default=QUARTERS)
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--heavy-reps", type=int, default=HEAVY_REPS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.worker:
        run_worker(args)
        return 0
    if args.quick:
        args.sizes, args.databases = "100", "sqlite"
    sizes = [int(s) for s in args.sizes.split(",") if s]
    databases = [d for d in args.databases.split(",") if d]
    unknown = sorted(set(databases) - set(DATABASE_ORDER))
    if unknown:
        print(
            f"Unknown database {', '.join(unknown)}; use {', '.join(DATABASE_ORDER)}."
        )
        return 2
    run = Run(options={**vars(args), "sizes": sizes, "databases": databases})
    started = time.perf_counter()
    postgresql = [d for d in databases if d.startswith("postgresql")]
    problem = _pg_reachable(PG_URL) if postgresql else ""
    if problem:
        databases = [d for d in databases if d not in postgresql]
        run.skipped.append(f"PostgreSQL skipped: {problem}")
        print(run.skipped[-1])
    try:
        for database in databases:
            for n in sizes:
                try:
                    payload = _run_configuration(args, database, n)
                except Exception as error:  # report what did complete
                    print(f"!! {database} N={n}: {type(error).__name__}: {error}")
                    payload = None
                if payload is not None:
                    run.configurations.append(payload)
                else:
                    run.skipped.append(f"{database} N={n} failed")
    finally:
        if postgresql and not problem:
            _pg_drop(PG_URL)
    checks = evaluate(run.configurations)
    print_report(run, checks)
    elapsed = time.perf_counter() - started
    print(f"Benchmark took {elapsed / 60:.1f} min.")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}.json"
    payload = {**asdict(run), "checks": checks, "seconds": round(elapsed, 1)}
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"Results: {path.relative_to(ROOT)}")
    return 0 if run.configurations else 1


if __name__ == "__main__":
    sys.exit(main())
