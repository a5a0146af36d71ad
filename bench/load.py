"""Load test: gunicorn with the production settings, N users at once, no lost update.

    .venv/bin/python bench/load.py                  # 8 users, 30 s, PostgreSQL
    .venv/bin/python bench/load.py --database sqlite --users 4 --duration 10
    .venv/bin/python bench/load.py --generate 1000  # 2 × 1,000 generated risks
    .venv/bin/python bench/load.py --generate 1000 --register-pdf  # and a worker's PDF
    .venv/bin/python bench/load.py --generate 1000 --register-pdf --nodes 2  # 2 nodes

A throwaway database (PostgreSQL `rr_load` or `LOAD_PG_URL`, or an SQLite file) is
migrated and loaded with the demo (`load_demo`), or with `generate_register
--risks-per-org N` when `--generate N` is given (both under development settings:
they refuse production ones), the static files are collected into a temporary
directory, and gunicorn serves the app on a free port of 127.0.0.1 with the
production settings (`riskregister.settings.prod`, imported unchanged by a one-line
module that only points STATIC_ROOT at that directory). Each simulated user signs
in through the sign-in form, then loops until the time is up: the register, risk
pages, histories, and, for users who may edit, edit forms saved with the version they
were loaded with. A 409 conflict page is a correct outcome and is counted
apart. Afterwards every successful save must be in the risk's history, and
nothing else may be: zero lost updates. Everything is removed at the end.

With `--register-pdf`, `manage.py run_worker` runs beside
gunicorn (production settings: the database task backend) and one more signed-in
governance officer asks for their organisation's register PDF while the others work:
the first answer must be the 202 status page (the PDF is not rendered in the
request), and the page is asked again every half second until it serves the PDF,
which must be a PDF (on the demo data, whose registers are small, every register
PDF is sent to the worker). The time from request to PDF is printed beside the pages'
latencies.

With `--nodes 2` (or more), that many gunicorn servers run side by side, each in a
directory of its own, over the one database and Azurite (Microsoft's Azure Storage
emulator, from node_modules) as the object store, as several machines would behind a
load balancer; every user sends each request to the next node in turn, so a session
started on one continues on the other, and the worker (`run_worker`) stores the
register PDF in Azurite for whichever node is asked next. Requests per node are
printed beside the rest.

Prints throughput, p50/p95 latency per kind of page, errors, conflicts and lost
updates; exits 1 on any error or lost update. Only 127.0.0.1 is ever contacted.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
PG_URL = os.environ.get("LOAD_PG_URL", f"postgres://postgres@{HOST}:5432/rr_load")
DEMO_USERS = (
    "mopac-governance",
    "met-governance",
    "mopac-owner",
    "met-owner",
    "admin",
    "mopac-reader",
    "met-reader",
    "panel-member",
)
# The users generate_register writes (it has no superuser or panel member).
GENERATED_USERS = tuple(
    f"bench-{org}-{role}"
    for role in ("governance", "owner", "reader")
    for org in ("mopac", "mps")
)
LOAD_MARK = re.compile(r" \[load [\w-]+ #\d+\]$")
KINDS = (
    "sign-in",
    "register",
    "risk page",
    "history",
    "edit form",
    "save",
    "PDF status",
    "PDF stored",
)
# Who asks for the register PDF, in the generated data and in the demo.
REGISTER_PDF_USERS = {True: "bench-mopac-governance", False: "mopac-governance"}
REGISTER_PDF_PATH = "/reports/register/mopac/pdf/"


# --- Setting up and tearing down ---------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run(command: list, env: dict) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and commands
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{result.stderr}")


class Database:
    """A throwaway database: PostgreSQL rr_load on 127.0.0.1, or an SQLite file."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        if kind == "postgresql":
            self.url = PG_URL
            parts = urlsplit(self.url)
            self.name = parts.path.lstrip("/")
            self.params = {"host": parts.hostname, "port": parts.port or 5432}
            self.params["user"] = parts.username or "postgres"
        else:
            self.path = workdir / "load.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", **self.params)
        connection.autocommit = True
        return connection

    def _run_admin(self, *statements: str) -> None:
        connection = self._admin()  # autocommit: no transaction around these
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def create(self) -> None:
        if self.kind == "postgresql":
            self._run_admin(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                f'CREATE DATABASE "{self.name}"',
            )

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._run_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql: str) -> list[tuple]:
        if self.kind == "postgresql":
            import psycopg2

            connection = psycopg2.connect(dbname=self.name, **self.params)
        else:
            import sqlite3

            connection = sqlite3.connect(self.path)
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            connection.close()


def prepare(
    database: Database, workdir: Path, password: str, generate: int | None = None
) -> dict:
    """Migrate, load the data, collect static files; return gunicorn's environment."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    # The production settings, unchanged but for where collected static files go.
    (workdir / "load_settings.py").write_text(
        "from riskregister.settings.prod import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(workdir / 'static')!r}\n"
    )
    prod = {
        **base,
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database.url,
        # The load's users sign in with passwords, not an identity provider.
        "AUTH_LOCAL_PASSWORDS": "true",
    }
    if not generate:
        # The demo's registers are small enough to render in the request; send
        # them to the worker, as a large register would be.
        prod["REGISTER_PDF_INLINE_MAX_RISKS"] = "0"
    dev = {
        **base,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
        "DATABASE_URL": database.url,
        "DEMO_PASSWORD": password,
    }
    print(f"Preparing a {database.kind} database ({database.url}) ...", flush=True)
    database.create()
    run([PYTHON, "manage.py", "migrate", "--noinput"], prod)
    if generate:
        print(f"Generating 2 × {generate:,} risks ...", flush=True)
        command = ["generate_register", f"--risks-per-org={generate}"]
        run([PYTHON, "manage.py", *command], dev)
    else:
        run([PYTHON, "manage.py", "load_demo"], dev)
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], prod)
    return prod


def start_azurite(workdir: Path) -> tuple[subprocess.Popen, dict]:
    """Start Azurite with a container; return it and the nodes' storage variables."""
    sys.path.insert(0, str(ROOT))
    from tests.deploy.servers import Azurite  # the same helper as the two-node test

    azurite = Azurite(workdir / "azurite").start()
    azurite.container("riskregister")
    storage = {
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
        "AZURE_STORAGE_CONTAINER": "riskregister",
    }
    return azurite, storage


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        GUNICORN,
        "riskregister.wsgi",
        "-w",
        str(workers),
        "-b",
        f"{HOST}:{port}",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.25)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """Start the background task worker that renders large PDFs."""
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [PYTHON, "manage.py", "run_worker", "--worker-id", "load-worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# --- One simulated user -------------------------------------------------------


class _Form(HTMLParser):
    """What a browser would submit from the page's main form, unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag) -> None:
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            value = (
                chosen[0] if chosen else (self._options[0][0] if self._options else "")
            )
            self.fields.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data) -> None:
        if self._textarea:
            self._text += data


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


@dataclass
class Stats:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)
    saves: list = field(default_factory=list)  # (risk id, title) of each success
    conflicts: int = 0
    per_port: dict = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, port: int) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.per_port[port] += 1

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class User:
    """One person in a browser: cookies, CSRF token, their own pace."""

    def __init__(self, ports: list[int], username: str, label: str, stats: Stats):
        self.username, self.label, self.stats = username, label, stats
        # Each request goes to the next node in turn, as a load balancer would.
        self.ports = itertools.cycle(ports)
        self.cookies: dict[str, str] = {}
        self.saved = 0

    def request(self, kind: str, method: str, path: str, data=None):
        port = next(self.ports)
        headers = {"Host": f"{HOST}:{port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self.stats.record(kind, time.perf_counter() - started, port)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.getheader("Location", ""), content

    def expect(self, kind: str, got: int, wanted: tuple, path: str) -> bool:
        if got in wanted:
            return True
        self.stats.error(f"{self.label} {kind} {path}: HTTP {got}")
        return False

    def sign_in(self, password: str) -> bool:
        status, _, page = self.request("sign-in", "GET", "/accounts/login/")
        token = dict(form_fields(page)).get("csrfmiddlewaretoken", "")
        status, location, _ = self.request(
            "sign-in",
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": self.username,
                "password": password,
            },
        )
        return self.expect("sign-in", status, (302,), "/accounts/login/") and (
            "/accounts/login/" not in location
        )

    def discover(self) -> tuple[list[int], list[int]]:
        """Return the risks the user sees, and those whose pages offer an edit."""
        status, _, page = self.request("register", "GET", "/risks/")
        self.expect("register", status, (200,), "/risks/")
        visible = sorted({int(pk) for pk in re.findall(r'href="/risks/(\d+)/"', page)})
        editable = []
        for pk in visible:
            status, _, page = self.request("risk page", "GET", f"/risks/{pk}/")
            if f'href="/risks/{pk}/edit/"' in page:
                editable.append(pk)
        return visible, editable

    def edit(self, pk: int) -> None:
        path = f"/risks/{pk}/edit/"
        status, _, page = self.request("edit form", "GET", path)
        if not self.expect("edit form", status, (200,), path):
            return
        fields = form_fields(page)
        title = next(value for name, value in fields if name == "title")
        self.saved += 1
        new_title = f"{LOAD_MARK.sub('', title)} [load {self.label} #{self.saved}]"
        data = [(n, new_title if n == "title" else v) for n, v in fields]
        data = [(n, "Load test" if n == "reason" else v) for n, v in data]
        status, location, page = self.request("save", "POST", path, data)
        if status == 302 and location.rstrip("/").endswith(f"/risks/{pk}"):
            with self.stats.lock:
                self.stats.saves.append((pk, new_title))
        elif status == 409:
            with self.stats.lock:
                self.stats.conflicts += 1
        else:
            problem = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
            detail = re.sub(r"<[^>]+>", " ", problem[1]).split() if problem else ""
            self.stats.error(
                f"{self.label} save {path}: HTTP {status} {' '.join(detail)[:200]}"
            )

    def work(self, password: str, deadline: float, rng: random.Random) -> None:
        if not self.sign_in(password):
            return
        visible, editable = self.discover()
        if not visible:
            self.stats.error(f"{self.label} sees no risk")
            return
        while time.monotonic() < deadline:
            roll = rng.random()
            pk = rng.choice(visible)
            if editable and roll < 0.3:
                self.edit(rng.choice(editable))
            elif roll < 0.55:
                status, _, _ = self.request("register", "GET", "/risks/")
                self.expect("register", status, (200,), "/risks/")
            elif roll < 0.9:
                status, _, _ = self.request("risk page", "GET", f"/risks/{pk}/")
                self.expect("risk page", status, (200,), f"/risks/{pk}/")
            else:
                path = f"/risks/{pk}/history/"
                status, _, _ = self.request("history", "GET", path)
                # Panel members may not read the audit history: 403 is right.
                self.expect("history", status, (200, 403), path)
            time.sleep(rng.uniform(0, 0.05))  # a person between clicks

    def fetch_register_pdf(self, password: str, give_up: float) -> dict:
        """Ask for the register PDF and wait for the worker; return what happened."""
        if not self.sign_in(password):
            return {}
        started = time.monotonic()
        status, _, page = self.request("PDF status", "GET", REGISTER_PDF_PATH)
        if not self.expect("PDF status", status, (202,), REGISTER_PDF_PATH):
            return {"first_status": status}
        first_ms = self.stats.latencies["PDF status"][-1] * 1000
        while time.monotonic() < give_up:
            time.sleep(0.5)
            status, _, page = self.request("PDF status", "GET", REGISTER_PDF_PATH)
            if status != 202:
                break
        ready = time.monotonic() - started
        kind = "PDF stored"
        if status == 200:  # ask once more: the stored file, served as it is
            status, _, page = self.request(kind, "GET", REGISTER_PDF_PATH)
        if not self.expect(kind, status, (200,), REGISTER_PDF_PATH):
            return {"first_status": 202, "last_status": status}
        if not page.startswith("%PDF-"):
            self.stats.error(f"{self.label} {REGISTER_PDF_PATH}: not a PDF")
        return {
            "first_status": 202,
            "first_response_ms": round(first_ms, 1),
            "ready_seconds": round(ready, 1),
        }


# --- The run ------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def check_history(database: Database, saves: list) -> dict:
    """Every successful save is in history, once; nothing else was written; each
    edited risk now holds its latest recorded change."""
    rows = database.query(
        "SELECT id, title FROM risks_historicalrisk ORDER BY history_date, history_id"
    )
    written = [(int(pk), title) for pk, title in rows if LOAD_MARK.search(title)]
    latest = {int(pk): title for pk, title in rows}
    current = {
        int(pk): t for pk, t in database.query("SELECT id, title FROM risks_risk")
    }
    edited = {pk for pk, _ in saves}
    return {
        "saves": len(saves),
        "in_history": len(set(written) & set(saves)),
        "lost": sorted(set(saves) - set(written)),
        "unexpected": sorted(set(written) - set(saves)),
        "duplicates": len(written) - len(set(written)),
        "stale": sorted(pk for pk in edited if current.get(pk) != latest.get(pk)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database", choices=("postgresql", "sqlite"), default="postgresql"
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--generate",
        type=int,
        metavar="N",
        help="load 2 × N generated risks (generate_register) instead of the demo",
    )
    parser.add_argument(
        "--register-pdf",
        action="store_true",
        help="run the worker too, and have one more user wait for a register PDF",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="gunicorn servers side by side over Azurite, requests alternated",
    )
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    options = parser.parse_args()
    password = secrets.token_urlsafe(16)
    workdir = Path(tempfile.mkdtemp(prefix="rr-load-"))
    database = Database(options.database, workdir)
    servers: list = []
    worker = azurite = None
    pdf: dict = {}
    try:
        env = prepare(database, workdir, password, options.generate)
        # One machine: the node and the worker share a media directory. Several:
        # each node gets its own below, and the files go to Azurite.
        env = {**env, "DJANGO_MEDIA_ROOT": str(workdir / "media")}
        if options.nodes > 1:
            azurite, storage = start_azurite(workdir)
            env = {**env, **storage}
        ports = []
        for node in range(options.nodes):
            port = free_port()
            directory = workdir / f"node-{node}"
            directory.mkdir()
            node_env = env
            if options.nodes > 1:
                node_env = {**env, "DJANGO_MEDIA_ROOT": str(directory / "media")}
            log = workdir / f"gunicorn-{node}.log"
            servers.append(start_server(node_env, port, options.workers, log))
            ports.append(port)
        if options.register_pdf:
            worker = start_worker(env, workdir / "db_worker.log")
        stats = Stats()
        names = GENERATED_USERS if options.generate else DEMO_USERS
        users = [
            User(ports, names[i % len(names)], f"u{i}", stats)
            for i in range(options.users)
        ]
        print(
            f"{options.users} users for {options.duration:.0f} s against gunicorn "
            f"-w {options.workers} on {', '.join(f'{HOST}:{p}' for p in ports)} "
            "(production settings) ...",
            flush=True,
        )
        started = time.monotonic()
        deadline = started + options.duration
        threads = [
            threading.Thread(
                target=user.work,
                args=(password, deadline, random.Random(options.seed + i)),
            )
            for i, user in enumerate(users)
        ]
        if options.register_pdf:
            username = REGISTER_PDF_USERS[bool(options.generate)]
            requester = User(ports, username, "pdf", stats)
            threads.append(
                threading.Thread(
                    target=lambda: pdf.update(
                        requester.fetch_register_pdf(password, deadline + 300)
                    )
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        history = check_history(database, stats.saves)
    finally:
        stop(worker)
        for server in servers:
            stop(server)
        if azurite is not None:
            azurite.stop()
        database.drop()
        server_errors = "".join(
            log.read_text()
            for log in [*workdir.glob("gunicorn-*.log"), workdir / "db_worker.log"]
            if log.exists()
        )
        shutil.rmtree(workdir, ignore_errors=True)
    return report(options, stats, history, elapsed, server_errors, pdf)


def report(
    options, stats: Stats, history: dict, elapsed: float, log: str, pdf: dict
) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    figures = {
        "users": options.users,
        "seconds": round(elapsed, 1),
        "database": options.database,
        "risks": f"2 × {options.generate} generated" if options.generate else "demo",
        "workers": options.workers,
        "nodes": options.nodes,
        "requests_per_node": sorted(stats.per_port.values(), reverse=True),
        "requests": total,
        "throughput": round(total / elapsed, 1),
        "pages": {
            kind: {
                "count": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            }
            for kind in KINDS
            if (values := stats.latencies.get(kind))
        },
        "saves": len(stats.saves),
        "conflicts": stats.conflicts,
        "errors": len(stats.errors),
        "lost_updates": len(history["lost"]),
        "history": {k: v if isinstance(v, int) else len(v) for k, v in history.items()},
        "register_pdf": pdf,
    }
    failed = bool(
        (options.register_pdf and "ready_seconds" not in pdf)
        or stats.errors
        or history["lost"]
        or history["unexpected"]
        or history["duplicates"]
        or history["stale"]
    )
    if options.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"\n{total:,} requests in {elapsed:.1f} s: "
            f"{figures['throughput']} requests/s ({options.users} users, "
            f"{options.database}, {figures['risks']} risks, "
            f"gunicorn -w {options.workers}"
            + (
                f" on each of {options.nodes} nodes: "
                f"{' / '.join(map(str, figures['requests_per_node']))} requests)"
                if options.nodes > 1
                else ")"
            )
        )
        print(f"{'page':<12}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}")
        for kind, row in figures["pages"].items():
            print(f"{kind:<12}{row['count']:>8}{row['p50_ms']:>10}{row['p95_ms']:>10}")
        print(
            f"saves {len(stats.saves)}, conflicts (409, correct) {stats.conflicts}, "
            f"errors {len(stats.errors)}"
        )
        print(
            f"history: {history['in_history']} of {history['saves']} saves found, "
            f"lost updates {len(history['lost'])}, unexpected writes "
            f"{len(history['unexpected'])}, duplicates {history['duplicates']}, "
            f"risks not at their latest change {len(history['stale'])}"
        )
        if options.register_pdf:
            print(
                f"register PDF ({REGISTER_PDF_PATH}, by the worker): "
                + (
                    f"first answer 202 in {pdf['first_response_ms']} ms, "
                    f"PDF served {pdf['ready_seconds']} s after the request"
                    if "ready_seconds" in pdf
                    else f"not served ({pdf or 'sign-in failed'})"
                )
            )
    for line in stats.errors[:20]:
        print(f"error: {line}", file=sys.stderr)
    if stats.errors:
        problems = [
            line
            for line in log.splitlines()
            if "Error" in line or "unavailable" in line or "Traceback" in line
        ]
        print("\n".join(problems[:20]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
