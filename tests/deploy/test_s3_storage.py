"""The S3-compatible storage against a real S3 HTTP server (moto's standalone one).

The storage is the one the settings choose from the AWS_* variables, so what is
tested is the production configuration (timeouts, retries, no ACL) speaking the
S3 protocol over HTTP: keys, overwrites, privacy, /healthz and a stored render
served by the app.
"""

import hashlib
import importlib.util
import os
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from reports.models import RegisterReport, RegisterReportStatus
from reports.storage import store_file
from riskregister.settings.base import default_storage_from_env

from ..reports.register_data import build_register_world
from .health import (
    assert_healthz_follows_the_store,
    assert_healthz_refuses_a_missing_container,
)
from .servers import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, MotoS3

BUCKET = "riskregister"


def _moto_server_installed() -> bool:
    """Whether `python -m moto.server` can run here."""
    # moto's server needs its [server] extra (Flask) as well as moto itself.
    return all(importlib.util.find_spec(name) for name in ("moto", "flask"))


@pytest.fixture
def moto_s3(tmp_path):
    """moto's S3 server with an empty bucket, stopped after the test."""
    if not _moto_server_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("moto's S3 server is mandatory in CI: moto[server].")
        pytest.skip("moto[server] is missing (make install-dev)")
    server = MotoS3(tmp_path / "moto").start()
    server.bucket(BUCKET)
    yield server
    server.stop()


def s3_storages(server: MotoS3, monkeypatch) -> dict:
    """Return STORAGES as the settings choose them from the AWS variables."""
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    monkeypatch.delenv("STORAGE_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", server.endpoint_url)
    monkeypatch.setenv("AWS_S3_REGION_NAME", S3_REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
    return {**settings.STORAGES, "default": default_storage_from_env()}


@pytest.fixture
def s3(moto_s3, monkeypatch):
    """moto's server, with the default storage chosen from the AWS variables."""
    storages = s3_storages(moto_s3, monkeypatch)
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    with override_settings(STORAGES=storages):
        yield moto_s3


def stored_object(server: MotoS3, key: str) -> bytes:
    """The object's bytes as the S3 API returns them, not through the storage."""
    return server.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()


# --- Writing and reading ------------------------------------------------------------


def test_store_file_writes_the_bytes_under_exactly_the_expected_key(s3):
    report = RegisterReport(pk=7)
    data = b"%PDF-1.7 the render " + os.urandom(64)
    store_file(report.pdf, "mopac-7.pdf", data)
    assert report.pdf.name == "register-reports/mopac-7.pdf"
    assert s3.keys(BUCKET) == ["register-reports/mopac-7.pdf"]
    assert stored_object(s3, "register-reports/mopac-7.pdf") == data
    with default_storage.open(report.pdf.name, "rb") as file:
        assert file.read() == data


def test_a_file_of_several_megabytes_is_stored_whole(s3):
    # Above boto3's 8 MB multipart threshold: the upload goes in parts.
    report = RegisterReport(pk=8)
    data = os.urandom(9 * 1024 * 1024)
    store_file(report.pdf, "mopac-8.pdf", data)
    assert stored_object(s3, report.pdf.name) == data


def test_storing_again_replaces_what_an_interrupted_run_left(s3):
    key = "register-reports/mopac-7.pdf"
    s3.client().put_object(Bucket=BUCKET, Key=key, Body=b"left by a killed run")
    report = RegisterReport(pk=7)
    store_file(report.pdf, "mopac-7.pdf", b"%PDF-1.7 the render")
    assert report.pdf.name == key
    assert s3.keys(BUCKET) == [key]  # one object, not a second beside it
    assert stored_object(s3, key) == b"%PDF-1.7 the render"


def test_a_plain_save_under_a_taken_name_never_overwrites(s3):
    # file_overwrite is off: only store_file, which checks, replaces a file.
    first = default_storage.save("papers/p.pdf", ContentFile(b"first"))
    second = default_storage.save("papers/p.pdf", ContentFile(b"second"))
    assert first == "papers/p.pdf" and second != first
    assert stored_object(s3, first) == b"first"
    assert s3.keys(BUCKET) == sorted([first, second])


# --- Privacy ------------------------------------------------------------------------


def test_stored_objects_grant_only_their_owner(s3):
    assert default_storage.default_acl is None  # no ACL sent: never public-read
    report = RegisterReport(pk=7)
    store_file(report.pdf, "mopac-7.pdf", b"%PDF-1.7 private")
    acl = s3.client().get_object_acl(Bucket=BUCKET, Key=report.pdf.name)
    owner = acl["Owner"]["ID"]
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [
        (owner, "FULL_CONTROL")
    ]


# --- /healthz -----------------------------------------------------------------------


def test_healthz_answers_503_while_the_object_store_is_stopped(client, db, s3):
    assert_healthz_follows_the_store(client, s3)


def test_healthz_answers_503_when_the_bucket_does_not_exist(
    client, db, moto_s3, monkeypatch
):
    storages = s3_storages(moto_s3, monkeypatch)
    assert_healthz_refuses_a_missing_container(client, storages, "bucket_name")


# --- A stored render served by the app ----------------------------------------------


def register_pdf_url() -> str:
    """The MOPAC register PDF as at the end of 2019/20 Q2."""
    url = reverse("reports:register_pdf", args=["mopac"])
    return f"{url}?{urlencode({'period': '2019/20 Q2'})}"


def test_a_register_pdf_rendered_in_the_background_is_served_from_s3_whole(
    client, db, s3, django_capture_on_commit_callbacks
):
    world = build_register_world()
    client.force_login(world.users["mopac-reader"])
    with override_settings(REGISTER_PDF_INLINE_MAX_RISKS=0):  # always stored
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(register_pdf_url()).status_code == 202
        report = RegisterReport.objects.get()
        assert report.status == RegisterReportStatus.READY
        response = client.get(register_pdf_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    served = b"".join(response.streaming_content)  # streamed from the bucket
    assert served.startswith(b"%PDF-")
    assert hashlib.sha256(served).hexdigest() == report.sha256
    assert s3.keys(BUCKET) == [report.pdf.name]
    assert stored_object(s3, report.pdf.name) == served
