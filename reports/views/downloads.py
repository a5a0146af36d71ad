"""The response that hands a person a document: rendered now, or stored."""

from django.core.files import File
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from ..models import CONTENT_TYPES, FileFormat


def file_response(
    content: bytes | File, *, filename: str, file_format: str, cache_control: str
) -> HttpResponse:
    """Return a PDF to open or a .docx to save, from bytes or a stored file."""
    as_attachment = file_format == FileFormat.DOCX  # Word files are saved
    content_type = CONTENT_TYPES[file_format]
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment, filename
        )
    else:
        # Streamed in chunks from the storage (the object store when there are
        # several nodes); FileResponse closes the file when the response ends.
        response = FileResponse(
            content,
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename,
        )
    response["Cache-Control"] = cache_control
    return response
