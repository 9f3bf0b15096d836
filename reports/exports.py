"""Streaming downloads of a report: CSV (``csv.writer`` over a generator) and XLSX
(openpyxl's write-only workbook). Memory stays flat whatever the number of rows.

Each function takes a file name without extension, a header row (strings) and an iterator
of rows (sequences of ``str``, ``int``, ``Decimal``, ``date``/``datetime`` or ``None``).
Money stays a number: a ``Decimal`` is written as ``1234.50`` in CSV and as a numeric cell
in XLSX, never formatted with a currency sign.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.functional import Promise

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Characters a spreadsheet reads as the start of a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_filename(name: str) -> str:
    """``name`` reduced to letters, digits, ``-``, ``_`` and ``.`` (for Content-Disposition)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "report"


def _text_cell(value):
    """A cell value with text that looks like a formula neutralised by a leading quote (a
    lazily translated text, such as a header, becomes its ``str`` first)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for csv.writer)."""

    def write(self, value):
        return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return _text_cell(value)


def csv_rows(header: Sequence[str], rows: Iterable[Sequence]):
    """Yield the CSV lines (strings) of ``header`` then ``rows``; the first line starts
    with a UTF-8 byte order mark so spreadsheet programs read ₹ and names correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_csv_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([_csv_cell(v) for v in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A ``StreamingHttpResponse`` downloading ``filename``.csv, written row by row as the
    client reads it (``rows`` is consumed lazily)."""
    response = StreamingHttpResponse(csv_rows(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}.csv"'
    return response


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return _text_cell(value)


def write_xlsx(handle, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Report") -> None:
    """Write an XLSX workbook of one sheet (``title``) with ``header`` then ``rows`` to the
    binary file ``handle``, with openpyxl's write-only workbook (rows go to disk as they
    come). Dates get a date format; money (``Decimal``) is a numeric cell with 2 places."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_filename(str(title))[:31])
    bold = Font(bold=True)

    def header_cell(value):
        cell = WriteOnlyCell(sheet, value=str(value) if isinstance(value, Promise) else value)
        cell.font = bold
        return cell

    sheet.append([header_cell(v) for v in header])
    for row in rows:
        cells = []
        for value in row:
            value = _xlsx_cell(value)
            if isinstance(value, (Decimal, datetime.date)):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.00" if isinstance(value, Decimal) else "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(handle)


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Report"):
    """A streaming response downloading ``filename``.xlsx: the workbook is written to a
    temporary file by :func:`write_xlsx` and streamed from it in chunks (``FileResponse``,
    a ``StreamingHttpResponse``); the file is removed when the response closes."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    try:
        write_xlsx(handle, header, rows, title=title)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{safe_filename(filename)}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


def export_response(export: str, filename: str, header: Sequence[str], rows: Iterable[Sequence], *,
                    title: str = "Report"):
    """The download for ``export`` ("csv" or "xlsx"); ``None`` for anything else."""
    if export == "csv":
        return csv_response(filename, header, rows)
    if export == "xlsx":
        return xlsx_response(filename, header, rows, title=title)
    return None
