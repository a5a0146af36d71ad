"""The default storage is chosen from the environment and stores PDFs whole."""

import pytest
from django.core.files.base import ContentFile

from reports.models import RegisterReport
from reports.storage import AtomicFileSystemStorage, store_file
from riskregister.settings.base import default_storage_from_env

STORAGE_VARIABLES = (
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_CONTAINER",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "STORAGE_TIMEOUT_SECONDS",
)


@pytest.fixture
def environment(monkeypatch):
    for name in STORAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_file_system_is_the_default(environment):
    assert default_storage_from_env() == {
        "BACKEND": "reports.storage.AtomicFileSystemStorage"
    }


def test_an_azure_connection_string_chooses_azure_blob_storage(environment):
    environment.setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=x;")
    environment.setenv("AZURE_STORAGE_CONTAINER", "papers")
    environment.setenv("AWS_STORAGE_BUCKET_NAME", "ignored-when-azure-is-set")
    chosen = default_storage_from_env()
    assert chosen["BACKEND"] == "reports.azure_storage.AzureBlobStorage"
    assert chosen["OPTIONS"]["connection_string"] == "AccountName=x;"
    assert chosen["OPTIONS"]["azure_container"] == "papers"


def test_a_bucket_chooses_s3_compatible_storage_kept_private(environment):
    environment.setenv("AWS_STORAGE_BUCKET_NAME", "riskregister")
    environment.setenv("AWS_S3_ENDPOINT_URL", "https://objects.example.invalid")
    environment.setenv("AWS_ACCESS_KEY_ID", "key-id")
    environment.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    options = default_storage_from_env()["OPTIONS"]
    assert options["bucket_name"] == "riskregister"
    assert options["endpoint_url"] == "https://objects.example.invalid"
    assert (options["access_key"], options["secret_key"]) == ("key-id", "secret")
    assert options["default_acl"] is None  # never public-read
    # A store that hangs fails a request (and /healthz) after two short tries.
    config = options["client_config"]
    assert (config.connect_timeout, config.read_timeout) == (5, 20)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


class BrokenMidway(ContentFile):
    """Content whose reading fails after the first chunk, as a killed writer."""

    def chunks(self, chunk_size=None):
        yield b"%PDF-1.7 first half"
        raise OSError("the process was stopped here")


def test_a_write_stopped_midway_leaves_no_file_under_the_real_name(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError, match="stopped here"):
        storage.save("register-reports/r.pdf", BrokenMidway(b""))
    assert not storage.exists("register-reports/r.pdf")
    storage.save("register-reports/r.pdf", ContentFile(b"%PDF-1.7 whole"))
    assert (tmp_path / "register-reports" / "r.pdf").read_bytes() == b"%PDF-1.7 whole"


def test_storing_again_replaces_what_an_interrupted_run_left(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    report = RegisterReport(pk=7)
    field = report.pdf
    field.storage = storage
    storage.save("register-reports/mopac-7.pdf", ContentFile(b"left by a killed run"))
    store_file(field, "mopac-7.pdf", b"%PDF-1.7 the render")
    assert field.name == "register-reports/mopac-7.pdf"
    assert sorted(p.name for p in (tmp_path / "register-reports").iterdir()) == [
        "mopac-7.pdf"
    ]
    assert storage.open(field.name).read() == b"%PDF-1.7 the render"
