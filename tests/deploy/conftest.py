"""Two web nodes, one worker, one PostgreSQL database and one object store.

Started once per test session (about 40 s on a 2-core machine) and shared by the
tests in this folder. The nodes and the worker share a database of their own
(`<test database>_nodes`, created and dropped here): pytest-django's test
database holds each test in a transaction the servers could not see.

It runs on PostgreSQL only, as production does; on SQLite the tests are skipped
with a message. Under CI=true a missing Azurite fails the run instead.
"""

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from .servers import AZURITE, HOST, PYTHON, ROOT, Azurite, Node, Worker, database_params

CONTAINER = "riskregister"
WORKER_ID = "node-test-worker"


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"The two-node test is mandatory in CI: {reason}.")
    pytest.skip(reason)


@dataclass
class Cluster:
    a: Node
    b: Node
    worker: Worker
    azurite: Azurite
    container: object  # azure.storage.blob.ContainerClient
    database: dict
    password: str

    def query(self, sql: str, params=()) -> list[tuple]:
        connection = psycopg2.connect(**self.database)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def blobs(self, prefix: str) -> list[str]:
        return sorted(
            b.name for b in self.container.list_blobs(name_starts_with=prefix)
        )


def _admin(database: dict, *statements: str) -> None:
    connection = psycopg2.connect(**{**database, "dbname": "postgres"})
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def _manage(*arguments: str, env: dict, cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [str(PYTHON), str(ROOT / "manage.py"), *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(arguments)}:\n{result.stderr}"


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip(
            "The two-node test runs on PostgreSQL only (set DATABASE_URL to a "
            "PostgreSQL server): the nodes and the worker share one database."
        )
    if not AZURITE.exists():
        _skip_or_fail("node_modules/.bin/azurite-blob is missing (run npm ci)")
    workdir = tmp_path_factory.mktemp("two-nodes")
    database = database_params(url)
    database["dbname"] = f"{database['dbname']}_nodes"
    name = database["dbname"]
    _admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(database, f'CREATE DATABASE "{name}"')
    azurite = Azurite(workdir / "azurite").start()
    processes = [azurite]
    try:
        container = azurite.container(CONTAINER)
        password = secrets.token_urlsafe(16)
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "AZURE_", "AWS_")) and k != "DATABASE_URL"
        }
        database_url = f"postgres://{database['user']}@{database['host']}:{database['port']}/{name}"
        prod = {
            **base,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "riskregister.settings.prod",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # shared by every node
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # TLS ends at the load balancer
            "DJANGO_ALLOWED_HOSTS": HOST,
            # The test's people sign in with passwords (production's default is the
            # organisations' identity providers only).
            "AUTH_LOCAL_PASSWORDS": "true",
            "DJANGO_STATIC_ROOT": str(workdir / "static"),  # built once, like code
            "DATABASE_URL": database_url,
            "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
            "AZURE_STORAGE_CONTAINER": CONTAINER,
            # Every register PDF goes to the worker, whatever its size.
            "REGISTER_PDF_INLINE_MAX_RISKS": "0",
        }
        dev = {
            **base,
            "DJANGO_SETTINGS_MODULE": "riskregister.settings.dev",
            "DATABASE_URL": database_url,
            "DEMO_PASSWORD": password,
        }
        _manage("migrate", "--noinput", env=prod, cwd=workdir)
        _manage("load_demo", env=dev, cwd=workdir)  # it refuses production settings
        _manage("collectstatic", "--noinput", env=prod, cwd=workdir)
        a = Node("a", workdir / "node-a", prod)
        b = Node("b", workdir / "node-b", prod)
        worker = Worker(workdir / "worker", prod, WORKER_ID)
        processes += [a, b, worker]
        a.start()
        b.start()
        worker.start()
        yield Cluster(a, b, worker, azurite, container, database, password)
    finally:
        for process in reversed(processes):
            process.stop()
        _admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
