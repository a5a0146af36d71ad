"""Safe spreadsheet cells: text that a spreadsheet will never run as a formula."""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per piece of a streamed CSV: about 60 KB of a register's text.
ROWS_PER_CHUNK = 100
BYTE_ORDER_MARK = "\ufeff"  # so Excel reads UTF-8


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(row: Iterable) -> list:
    """Return the row with every cell neutralised."""
    # neutralise() inlined: an export neutralises tens of thousands of cells.
    return [
        "'" + cell
        if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)
        else cell
        for cell in row
    ]


def _attachment(response: HttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


def csv_response(
    filename: str, header: Iterable[str], rows: Iterable[Iterable]
) -> HttpResponse:
    """Return a CSV download with every cell neutralised."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    _attachment(response, filename)
    response.write(BYTE_ORDER_MARK)
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return response


def _csv_pieces(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    # Encoded as it is written: a piece is held as UTF-8, not as wide text.
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    text.write(BYTE_ORDER_MARK)
    writer = csv.writer(text)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(neutralise_row(row))
        if number % ROWS_PER_CHUNK == 0:
            text.flush()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    text.flush()
    yield buffer.getvalue()


def csv_streaming_response(
    filename: str, header: Iterable[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """Return a CSV download written while it is sent, every cell neutralised.

    The same bytes as csv_response, in pieces. The first piece is written
    before the response is returned, so that a database that cannot be read
    fails the request (503) rather than a download already under way.
    """
    pieces = _csv_pieces(header, rows)
    first = next(pieces)
    response = StreamingHttpResponse(
        chain([first], pieces), content_type="text/csv; charset=utf-8"
    )
    _attachment(response, filename)
    return response
