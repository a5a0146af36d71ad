"""What /healthz asks of the parts a node depends on, beyond its database."""

from django.core.files.storage import Storage

# Never written: the file system's check only asks whether it exists.
PROBE_NAME = "healthz-probe"


def storage_ready(storage: Storage) -> bool:
    """Say whether the store answers and holds its bucket or container.

    Asking for a file is not enough: S3 and Azure answer "no such file" for a
    bucket or container that does not exist as readily as for a missing file,
    and every write would then fail. A store that does not answer raises its
    backend's own error.
    """
    # Imported here: each SDK is only needed where its store is chosen.
    from storages.backends.azure_storage import AzureStorage
    from storages.backends.s3 import S3Storage

    if isinstance(storage, S3Storage):
        # HEAD on the bucket raises for a missing bucket (404) and for missing
        # rights (403: s3:ListBucket, which asking for a missing file needs too).
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
        return True
    if isinstance(storage, AzureStorage):
        return storage.client.exists()
    storage.exists(PROBE_NAME)
    return True
