"""Real servers for the deployment tests: Azurite, moto, gunicorn nodes, the worker.

Every server listens on 127.0.0.1 on a port chosen when it starts (port 0, read
back from its own log line), so runs in other checkouts on the same machine never
collide. Nothing here is mocked: Azurite is Microsoft's Azure Storage emulator
(npm `azurite`, pinned in package.json), moto's standalone server speaks the S3
HTTP API (pinned in requirements-dev.txt), the nodes are gunicorn with the
production settings, the worker is `manage.py run_worker`.
"""

import hashlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from html import unescape
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.parent / "gunicorn"
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
HOST = "127.0.0.1"
# Azurite's well-known development account (published in its documentation).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
    "K1SZFPTOtr/KBHBeksoGMGw=="
)
S3_REGION = "eu-west-2"
# moto accepts any credentials; these only have to be present and signed with.
S3_ACCESS_KEY = "moto-test-key-id"
S3_SECRET_KEY = "moto-test-secret"


def wait_for_line(log: Path, pattern: str, process: subprocess.Popen, timeout=60):
    """Return the first match of `pattern` in the log, or fail with its tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if found := re.search(pattern, text):
            return found
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{log.name}: no line matching {pattern!r}:\n{text[-3000:]}")


def stop(process: subprocess.Popen | None, *, kill: bool = False) -> None:
    """Stop a process and everything it started (its own process group)."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start(command: list, *, log: Path, cwd: Path, env: dict) -> subprocess.Popen:
    with log.open("a") as output:
        return subprocess.Popen(  # noqa: S603 - our own servers
            [str(part) for part in command],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to stop it whole
        )


class Azurite:
    """Azurite's blob service on 127.0.0.1, storing under a directory of its own."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Azurite":
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "azurite.log"
        log.write_text("")
        self.process = start(
            [
                AZURITE,
                "--blobHost",
                HOST,
                "--blobPort",
                self.port,  # 0 the first time; the same port when started again
                "--location",
                self.directory / "data",
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
                "--disableTelemetry",  # it would call out to the internet
            ],
            log=log,
            cwd=self.directory,
            env={**os.environ},
        )
        found = wait_for_line(
            log, r"listens on http://127\.0\.0\.1:(\d+)", self.process
        )
        self.port = int(found[1])
        return self

    def stop(self) -> None:
        stop(self.process)

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{HOST}:{self.port}/{AZURITE_ACCOUNT};"
        )

    def container(self, name: str):
        """Return a client for the container, creating it if it does not exist."""
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(self.connection_string)
        client = service.get_container_client(name)
        try:
            client.create_container()
        except ResourceExistsError:
            pass
        return client


class MotoS3:
    """moto's S3-compatible server on 127.0.0.1, logging under a directory of its own.

    moto keeps objects in memory only: started again, it has none, so the buckets
    created here are created again (a real store would still have them).
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.buckets: list[str] = []

    def start(self) -> "MotoS3":
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "moto.log"
        log.write_text("")
        self.process = start(
            # Port 0 the first time; the same port when started again.
            [PYTHON, "-m", "moto.server", "-H", HOST, "-p", self.port],
            log=log,
            cwd=self.directory,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        found = wait_for_line(
            log, r"Running on http://127\.0\.0\.1:(\d+)", self.process
        )
        self.port = int(found[1])
        self._wait_until_it_answers()
        for name in self.buckets:
            self._create(name)
        return self

    def _wait_until_it_answers(self, timeout=30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            connection = HTTPConnection(HOST, self.port, timeout=2)
            try:
                connection.request("GET", "/moto-api/")
                connection.getresponse().read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            finally:
                connection.close()

    def stop(self) -> None:
        stop(self.process)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def client(self):
        """Return a boto3 S3 client for this server (not the storage's own)."""
        import boto3  # only where S3 is tested

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
        )

    def bucket(self, name: str) -> None:
        """Create the bucket, and again whenever the server is started again."""
        self._create(name)
        self.buckets.append(name)

    def _create(self, name: str) -> None:
        self.client().create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": S3_REGION},
        )

    def keys(self, bucket: str) -> list[str]:
        """Every key in the bucket, listed by the S3 API."""
        answer = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Browser:
    """One person's browser: cookies kept across whichever node answers.

    The production cookies are Secure; a browser behind the TLS-terminating load
    balancer would send them, so this one sends them over the test's plain HTTP.
    """

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, node, method: str, path: str, data=None, files=None) -> Response:
        headers = {"Host": f"{HOST}:{node.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            body, headers["Content-Type"] = multipart(data or {}, files)
        elif data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection(HOST, node.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, dict(answer.getheaders()), answer.read())
            cookies = answer.headers.get_all("Set-Cookie") or []
        finally:
            connection.close()
        for header in cookies:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, node, path: str) -> Response:
        return self.request(node, "GET", path)

    def post_form(self, node, page_path: str, action: str, fields: dict) -> Response:
        """Submit a form as a person would: load its page, send its CSRF token."""
        page = self.get(node, page_path)
        assert page.status == 200, (page_path, page.status)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        return self.request(
            node, "POST", action, {"csrfmiddlewaretoken": token[1], **fields}
        )

    def upload(
        self, node, page_path: str, action: str, fields: dict, files: dict
    ) -> Response:
        """Submit a form with files: its hidden fields and CSRF token, as a browser."""
        page = self.get(node, page_path)
        assert page.status == 200, (page_path, page.status)
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text
            )
        )
        return self.request(node, "POST", action, {**hidden, **fields}, files)

    def sign_in(self, node, username: str, password: str) -> None:
        response = self.post_form(
            node,
            "/accounts/login/",
            "/accounts/login/",
            {"username": username, "password": password},
        )
        assert response.status == 302, unescape(response.text)[-2000:]
        assert "/accounts/login/" not in response.headers.get("Location", "")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """Encode a form with files as multipart/form-data; return body and type."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data, content_type) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Node:
    """One web node: gunicorn with the production settings, its own empty directory."""

    def __init__(self, name: str, directory: Path, env: dict):
        self.name = name
        self.directory = directory
        self.media = directory / "media"
        self.env = {**env, "DJANGO_MEDIA_ROOT": str(self.media)}
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Node":
        self.directory.mkdir(parents=True)
        log = self.directory / "gunicorn.log"
        self.process = start(
            [
                GUNICORN,
                "riskregister.wsgi",
                "--workers",
                "1",
                "--threads",
                "4",
                "--bind",
                f"{HOST}:0",
                "--access-logfile",
                "-",
            ],
            log=log,
            cwd=self.directory,
            env=self.env,
        )
        found = wait_for_line(
            log, r"Listening at: http://127\.0\.0\.1:(\d+)", self.process
        )
        self.port = int(found[1])
        return self

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def local_files(self) -> list[Path]:
        """Files this node wrote to its own disk (there should be none)."""
        return [
            p for p in self.directory.rglob("*") if p.is_file() and p.suffix != ".log"
        ]

    def stop(self) -> None:
        stop(self.process)


class Worker:
    """`manage.py run_worker` under a fixed id, in a directory of its own."""

    def __init__(self, directory: Path, env: dict, worker_id: str):
        self.directory = directory
        self.env = {**env, "DJANGO_MEDIA_ROOT": str(directory / "media")}
        self.worker_id = worker_id
        self.log = directory / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = start(
            [
                PYTHON,
                ROOT / "manage.py",
                "run_worker",
                "--worker-id",
                self.worker_id,
                "--heartbeat",
                "0.25",  # often enough to see a beat during a short render
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
            log=self.log,
            cwd=self.directory,
            env=self.env,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its render processes: no chance to clean up."""
        stop(self.process, kill=True)

    def stop(self) -> None:
        stop(self.process)


def database_params(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or HOST,
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "dbname": parts.path.lstrip("/"),
    }
