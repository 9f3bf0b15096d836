"""Reading and writing the spreadsheets of imports: CSV (UTF-8, with or without a byte
order mark) and XLSX, read with tablib (its CSV and XLSX formats; openpyxl under the
latter), as rows of text keyed by column; the templates are written with csv and openpyxl.

An import describes its columns with :class:`Column` (a key, the header the template
writes, the other headers people use for it: "Mobile" for the phone). The first row of a
file holds the headers, in any order and any case; punctuation and spacing do not matter
("Opening Balance (₹)" is "opening balance"). Headers that name no column are ignored
(and listed, so the page can say so). Each data row comes back as a dict of the column
keys to the cell's text (``""`` for an empty cell) plus ``"_row"``, its row number in the
file as a spreadsheet program shows it (the header is row 1). Rows with every cell empty
are left out.

Refusals are :class:`SheetError` (a ``DomainError`` on the ``file`` field) with a message
for the user: an empty or too large file, something that is not CSV or XLSX (an old
``.xls``, a PDF, a picture), CSV that is not UTF-8, a missing required column, more rows
than allowed. No database, no Django models.

Also here: the parsers imports share for amounts and dates written the ways people write
them (:func:`parse_decimal`, :func:`parse_date`), and the template downloads
(:func:`template_csv`, :func:`template_xlsx`).
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.utils.translation import gettext as _

from core.errors import DomainError

CSV, XLSX = "csv", "xlsx"
#: Largest file accepted (bytes): 10 MB, about 100,000 rows of customers.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Most data rows a file may have.
MAX_ROWS = 100_000
#: Columns read from each row (anything to the right is ignored).
MAX_COLUMNS = 40
#: Largest uncompressed size of an XLSX's parts (a "zip bomb" is refused unread).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
#: Longest text kept from one cell (longer text is cut; the checks then say it is too long).
MAX_CELL_CHARS = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


class SheetError(DomainError):
    """The file cannot be read as an import sheet; ``str(error)`` says why, for the user.
    ``field`` is ``"file"`` (the upload form's field)."""

    def __init__(self, message: str, field: str | None = "file"):
        super().__init__(message, field=field)


def normalise_header(text) -> str:
    """A header as compared: lower case, punctuation and spaces squeezed to single spaces.
    ``" Opening Balance (₹)"`` → ``"opening balance"``, ``"E-mail"`` → ``"e mail"``."""
    return " ".join(_NOT_WORD.sub(" ", str(text or "")).lower().split())


@dataclass(frozen=True)
class Column:
    """A column of an import: ``key`` (the row dict's key), ``label`` (the template's
    header), ``aliases`` (other headers that mean it), whether the file must have it,
    an ``example`` value for the template and a short ``help`` for the upload page."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    help: str = ""

    def names(self) -> set[str]:
        """Every normalised header that means this column (label, key and aliases)."""
        return {normalise_header(n) for n in (self.label, self.key.replace("_", " "), *self.aliases)}


@dataclass
class Sheet:
    """What was read from a file.

    ``file_type``: ``"csv"`` or ``"xlsx"``; ``headers``: column key → the header as written
    in the file; ``ignored``: headers that match no column; ``rows``: the data rows (see the
    module doc), empty when only the header was read; ``row_count``: the number of data rows
    (with ``rows``), else what ``read_sheet`` says of ``header_only``.
    """

    file_type: str
    headers: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    row_count: int = 0


# --- Reading ---------------------------------------------------------------------------------


def read_upload(upload, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an uploaded file (Django ``UploadedFile``), refusing an empty file or
    one over ``max_bytes`` (``SheetError``) before reading it into memory."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SheetError(_("The file is too large (%(size)s); the limit is %(limit)s. Split it into smaller files.")
                         % {"size": _megabytes(size), "limit": _megabytes(max_bytes)})
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise SheetError(_("The file is too large; the limit is %(limit)s. Split it into smaller files.")
                         % {"limit": _megabytes(max_bytes)})
    if not content.strip():
        raise SheetError(_("The file is empty."))
    return content


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def file_type_of(content: bytes, filename: str = "") -> str:
    """``"xlsx"`` or ``"csv"`` from the file's first bytes (its name only breaks a tie).
    Raises ``SheetError`` for anything else, with what to do about it."""
    name = (filename or "").lower()
    head = content[:8]
    if head.startswith(b"PK\x03\x04"):
        return XLSX  # checked for a workbook when opened
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(_("This is an old Excel (.xls) file. Open it in Excel or LibreOffice and save it as "
                           ".xlsx or CSV (UTF-8), then upload that."))
    if name.endswith((".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx")) or b"\x00" in content[:4096]:
        raise SheetError(_("This is not a CSV or XLSX file. Save the sheet as .xlsx or CSV (UTF-8) and upload that."))
    return CSV


def read_sheet(content: bytes, *, filename: str = "", columns: Sequence[Column], max_rows: int = MAX_ROWS,
               header_only: bool = False, count_up_to: int | None = None) -> Sheet:
    """Read ``content`` (the bytes of a CSV or XLSX file) for ``columns``, with tablib.

    With ``header_only`` the rows are not kept: ``Sheet.rows`` is empty and ``row_count`` is
    the number of data rows for CSV; for XLSX the size the sheet states (which may count
    trailing blank rows; only the header row is read), or, for a sheet that states none
    (openpyxl's write-only workbooks, such as the report exports), the rows counted, at most
    ``count_up_to`` + 1 (reading an XLSX is slow: ``count_up_to + 1`` then means "more than
    ``count_up_to``", and ``max_rows`` is left for the full read to check). Raises
    ``SheetError`` (see the module doc).
    """
    file_type = file_type_of(content, filename)
    if file_type == XLSX:
        records, estimate = _xlsx_records(content, header_only=header_only, count_up_to=count_up_to)
    else:
        records, estimate = _csv_records(content), None
    return _read(records, estimate, file_type=file_type, columns=columns, max_rows=max_rows,
                 header_only=header_only, count_up_to=count_up_to if file_type == XLSX else None)


def _read(records: "_Records", estimate: int | None, *, file_type: str, columns: Sequence[Column], max_rows: int,
          header_only: bool, count_up_to: int | None) -> Sheet:
    if not records.height:
        raise SheetError(_("The file is empty."))
    headers, positions, ignored = _match_headers(records[0], columns)
    sheet = Sheet(file_type=file_type, headers=headers, ignored=ignored)
    if header_only and estimate is not None:
        if estimate > max_rows:
            raise _too_many(max_rows)
        sheet.row_count = estimate
        return sheet
    count = 0
    for number, record in enumerate(records[1:], start=2):
        cells = [_cell_text(value) for value in record]
        if not any(cells):
            continue
        count += 1
        if header_only and count_up_to is not None and count > count_up_to:
            break
        if count > max_rows:
            raise _too_many(max_rows)
        if not header_only:
            row = {key: (cells[index] if index < len(cells) else "") for key, index in positions.items()}
            row["_row"] = number
            sheet.rows.append(row)
    sheet.row_count = count
    return sheet


def _too_many(max_rows: int) -> SheetError:
    return SheetError(_("The file has more than %(rows)s rows. Split it into smaller files.")
                      % {"rows": f"{max_rows:,}"})


def _match_headers(header: Sequence, columns: Sequence[Column]) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """Map the header row to ``columns``: ``(key → header text, key → position, ignored headers)``."""
    by_name = {}
    for column in columns:
        for name in column.names():
            by_name[name] = column
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, value in enumerate(header[:MAX_COLUMNS]):
        text = _cell_text(value)
        if not text:
            continue
        column = by_name.get(normalise_header(text))
        if column is None:
            ignored.append(text)
            continue
        if column.key in headers:
            raise SheetError(_("Two columns mean %(column)s: “%(first)s” and “%(second)s”. Remove or rename one of "
                               "them.") % {"column": column.label, "first": headers[column.key], "second": text})
        headers[column.key] = text
        positions[column.key] = index
    if not headers:
        names = ", ".join(c.label for c in columns[:4])
        raise SheetError(_("The first row must hold the column names, such as %(names)s. Download the template to "
                           "see them.") % {"names": names})
    missing = [c.label for c in columns if c.required and c.key not in headers]
    if missing:
        listed = f"“{missing[0]}”"
        for label in missing[1:]:
            listed = _("%(columns)s and %(column)s") % {"columns": listed, "column": f"“{label}”"}
        raise SheetError(_("The file has no %(columns)s column. The first row must hold the column names; download "
                           "the template to see them.") % {"columns": listed})
    return headers, positions, ignored


class _Records(tablib.Dataset):
    """A tablib ``Dataset`` (no headers: the header is record 0) that keeps every record of
    a sheet, ragged ones included: each record is cut or padded (``None``) to the width of
    the first (up to its last non-empty cell, at most :data:`MAX_COLUMNS`), where tablib
    itself refuses a record longer than the first. ``blank`` is a character that stands
    for an empty line (see :func:`_csv_records`) and is taken out of every cell."""

    blank = ""
    _row_width: int | None = None

    def append(self, row, tags=()):
        row = list(row)
        if self._row_width is None:
            cut = row[:MAX_COLUMNS]
            filled = [index for index, value in enumerate(cut) if value not in (None, "", self.blank)]
            self._row_width = filled[-1] + 1 if filled else 1
        width = self._row_width
        row = row[:width] + [None] * (width - len(row))
        if self.blank:
            row = [value.replace(self.blank, "") if isinstance(value, str) and self.blank in value else value
                   for value in row]
        super().append(row, tags)


#: Characters that may stand for an empty CSV line (the first the file does not contain):
#: Unicode private-use code points, which no spreadsheet writes.
_BLANK_MARKS = tuple(chr(code) for code in range(0xE000, 0xE100))
_LINE_ENDS = frozenset({"\n", "\r\n", "\r"})


def _csv_records(content: bytes) -> _Records:
    """The records of a UTF-8 CSV file (a byte order mark is dropped), read by tablib with
    the delimiter the header line uses most: ``,``, ``;`` or a tab.

    tablib drops the empty records of blank lines, which would shift the row numbers of
    every row under one; so each blank line is handed to it with a mark that no cell holds
    (:data:`_BLANK_MARKS`), read as an empty record, and taken out of the cells again (a
    blank line inside a quoted cell comes back as it was)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(_("The file is not UTF-8 text. In Excel choose Save As → “CSV UTF-8”, or upload the "
                           ".xlsx file itself.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = _Records()
    records.blank = next((mark for mark in _BLANK_MARKS if mark not in text), "")
    lines = io.StringIO(text, newline="")
    if records.blank:
        lines = (records.blank + line if line in _LINE_ENDS else line for line in lines)
    try:
        records.load(lines, format=CSV, headers=False, delimiter=delimiter)
    except csv.Error as exc:
        raise SheetError(_("The CSV file is malformed near row %(row)s: %(error)s.")
                         % {"row": records.height + 1, "error": exc}) from None
    return records


@dataclass
class _SheetPart:
    """What tablib's XLSX reader (``import_sheet``) reads of a worksheet: its title and
    (some of) its rows of cells."""

    title: str
    rows: Iterator


def _rows_until(rows: Iterator, data_rows: int) -> Iterator:
    """The header row and the rows under it up to the ``data_rows``-th non-empty one."""
    seen = 0
    for number, row in enumerate(rows):
        yield row
        if number and any(cell.value not in (None, "") for cell in row):
            seen += 1
            if seen >= data_rows:
                return


def _xlsx_records(content: bytes, *, header_only: bool = False,
                  count_up_to: int | None = None) -> tuple[_Records, int | None]:
    """The rows of the first worksheet of an XLSX file (cell values), read by tablib's XLSX
    reader, and the number of data rows the sheet states (``None`` when it does not say).

    With ``header_only`` only the header row is read when the sheet states its size, else
    the rows up to the ``count_up_to + 1``-th non-empty data row (all when ``None``)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise SheetError(_("The workbook is too large once unpacked. Split it into smaller files."))
    except zipfile.BadZipFile:
        message = _("The file looks like an XLSX workbook but is damaged. Save it again and upload it.")
        raise SheetError(message) from None
    if "xl/workbook.xml" not in names:
        raise SheetError(_("This is a zip file, not an Excel workbook. Upload a .xlsx or CSV file."))
    unreadable = _("The workbook could not be read. Save it again as .xlsx and upload it.")
    try:
        # tablib's own loader (Dataset.load) opens the same read-only workbook but reads the
        # active sheet, and all of it; the size the sheet states needs the workbook anyway.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
        raise SheetError(unreadable) from None
    records = _Records()
    try:
        sheet = workbook.worksheets[0]
        stated = sheet.max_row
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=1 if header_only and stated else None)
        if header_only and not stated and count_up_to is not None:
            rows = _rows_until(rows, count_up_to + 1)
        tablib.formats.registry.get_format(XLSX).import_sheet(records, _SheetPart(sheet.title, rows), headers=False)
    except SheetError:
        raise
    except Exception:  # noqa: BLE001 (a damaged sheet part)
        raise SheetError(unreadable) from None
    finally:
        workbook.close()
    return records, (stated - 1 if stated else None)


def _cell_text(value) -> str:
    """A cell as text: strings stripped, whole numbers without ``.0`` (a phone number typed
    as a number), dates as ``YYYY-MM-DD``, nothing as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL_CHARS]


# --- Checking rows ---------------------------------------------------------------------------

#: Rows checked between two progress reports (and per database look-up of a check).
CHECK_CHUNK = 500


@dataclass
class CheckResult:
    """The outcome of checking an import's rows: ``good`` (the clean rows, each an object of
    the import's own row class, in file order) and ``errors`` (``(row number, [message, …])``
    for every row with something wrong, in file order)."""

    good: list = field(default_factory=list)
    errors: list[tuple[int, list[str]]] = field(default_factory=list)


def chunks(rows: Sequence, size: int = CHECK_CHUNK) -> Iterator[Sequence]:
    """``rows`` in consecutive slices of ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def clean_text(value: str) -> str:
    """Text with runs of spaces (and line breaks) squeezed to one space, stripped."""
    return " ".join((value or "").split())


# --- Values ----------------------------------------------------------------------------------

_CURRENCY_PREFIX = re.compile(r"^(₹|rs\.?|inr|ksh\.?|kes|₦|ngn|\$|usd|npr|pkr|bdt|lkr|৳|रु\.?)\s*", re.IGNORECASE)


def parse_decimal(text: str, *, places: int, what: str | None = None, example: str | None = None) -> Decimal:
    """``text`` as a ``Decimal`` with at most ``places`` decimals, as people write amounts:
    ``"1,23,456.50"``, ``"₹ 500"``, ``"Rs. 500/-"``, ``"-20"``. Raises ``ValueError`` with a
    message for the user, in the active language (``what`` names the value, "an amount" by
    default, and ``example`` shows it, "250 or 99.50" by default: "Enter a quantity such as
    2 or 1.250"; the caller passes them translated)."""
    cleaned = (text or "").strip()
    if cleaned.endswith("/-"):
        cleaned = cleaned[:-2]
    cleaned = _CURRENCY_PREFIX.sub("", cleaned.strip())
    cleaned = re.sub(r"[,\s\u00a0\u202f']", "", cleaned)
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise ValueError(_("“%(text)s” is not a number. Enter %(what)s such as %(example)s.") % {
            "text": text, "what": what or _("an amount"), "example": example or _("250 or 99.50")}) from None
    if abs(value) >= 10 ** 20:
        raise ValueError(_("“%(text)s” is too large.") % {"text": text})
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(_("“%(text)s” has more than %(places)s digits after the decimal point.")
                         % {"text": text, "places": places})
    return value


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%d %b %y", "%d %B %y", "%b %d %Y", "%B %d %Y")


def parse_date(text: str, *, day_first: bool = True) -> datetime.date:
    """``text`` as a date: ``2026-03-31``, ``31/03/2026`` (``03/31/2026`` when not
    ``day_first``), ``31-03-26``, ``31.03.2026``, ``31 Mar 2026``, ``31-Mar-2026``,
    ``March 31, 2026``. Raises ``ValueError`` with a message for the user (in the active language)."""
    cleaned = " ".join((text or "").replace(",", " ").split())
    example = "31/03/2026" if day_first else "03/31/2026"
    error = ValueError(_("“%(text)s” is not a date. Enter it as %(example)s or 2026-03-31.")
                       % {"text": text, "example": example})
    try:
        if match := _ISO.match(cleaned):
            year, month, day = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
        if match := _NUMERIC.match(cleaned):
            first, second, year = match.groups()
            day, month = (int(first), int(second)) if day_first else (int(second), int(first))
            year = int(year) + (2000 if len(year) == 2 else 0)
            return datetime.date(year, month, day)
        for pattern in _NAMED_FORMATS:
            try:
                return datetime.datetime.strptime(cleaned.replace("-", " "), pattern).date()
            except ValueError:
                continue
    except ValueError:
        raise error from None
    raise error


# --- Templates -------------------------------------------------------------------------------


def template_csv(columns: Sequence[Column]) -> bytes:
    """A CSV template: the header row (each column's ``label``) and one example row, UTF-8
    with a byte order mark so that Excel reads ₹ and accents."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(c.label) for c in columns])
    writer.writerow([str(c.example) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(columns: Sequence[Column], *, title: str | None = None) -> bytes:
    """An XLSX template (openpyxl): a bold header row, one example row, every cell text
    (so a phone number keeps its digits and a date stays as written), columns wide enough.
    ``title`` names the sheet ("Import" by default)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(title or _("Import"))[:31]
    sheet.append([str(c.label) for c in columns])
    sheet.append([str(c.example) for c in columns])
    for index, column in enumerate(columns, start=1):
        header, example = sheet.cell(row=1, column=index), sheet.cell(row=2, column=index)
        header.font = Font(bold=True)
        example.number_format = "@"
        dimension = sheet.column_dimensions[header.column_letter]
        dimension.width = max(12, len(str(column.label)) + 2, len(str(column.example)) + 2)
        dimension.number_format = "@"  # rows typed in later are text too
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
