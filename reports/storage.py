"""Writing stored files (PDF, .docx) so that no reader ever finds half a file.

Published papers and register renders are written by workers that may be
stopped at any moment (a deployment, a SIGKILL). Object stores publish an upload
only once it is complete (Azure Blob Storage commits a blob whole; S3 likewise),
but Django's file system storage writes in place, so it is replaced here by one
that writes under a temporary name and renames. A render is stored under a name
fixed by what it renders (paper and version, register report row); a file left
under that name by an interrupted run is replaced, so a run that is started again
ends with one stored file, not two.
"""

import os
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile


class AtomicFileSystemStorage(FileSystemStorage):
    """The file system storage, writing each file whole or not at all."""

    def _save(self, name, content):
        # A process killed mid-write leaves a ".partial" file beside the real
        # name, never a half-written file under it; the rename is atomic (POSIX).
        partial = f"{name}.{secrets.token_hex(8)}.partial"
        written = super()._save(partial, content)
        os.replace(self.path(written), self.path(name))
        return name


def store_file(field_file: FieldFile, name: str, data: bytes) -> None:
    """Store `data` as the field's file under exactly `name`, replacing a leftover."""
    storage = field_file.storage
    target = field_file.field.generate_filename(field_file.instance, name)
    if storage.exists(target):
        # Only an interrupted run of the same render writes this name: the caller
        # holds the row's lock and has checked that the render is still pending.
        storage.delete(target)
    field_file.save(name, ContentFile(data), save=False)
