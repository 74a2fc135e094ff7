"""Bytes to text to records: encoding detection and a real CSV parser with line numbers.

Record numbers: a record's number is the 1-based physical line on which it starts,
the number a text editor shows next to it. A record whose quoted field spans several
lines keeps the number of its first line, and the records after it count the lines
it used, so the numbers still match the editor.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass
from typing import Any

from app.ingest.errors import IngestError

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 8192
_MAGIC = (
    (b"PK\x03\x04", "is a zip archive or an Excel workbook (.xlsx); export the statement as CSV"),
    (b"\xd0\xcf\x11\xe0", "is an old Excel workbook (.xls); export the statement as CSV"),
    (b"%PDF", "is a PDF; privfin reads CSV exports"),
    (b"\x89PNG", "is a PNG image, not a CSV export"),
    (b"\xff\xd8\xff", "is a JPEG image, not a CSV export"),
    (b"GIF8", "is a GIF image, not a CSV export"),
    (b"\x1f\x8b", "is gzip-compressed; unpack it first"),
    (b"OFXHEADER", "is an OFX file; privfin reads CSV exports"),
)
_MARKUP_STARTS = ("<!doctype html", "<html", "<?xml", "<head", "<body", "<table", "<!--")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def _utf16_without_bom(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, filename: str) -> DecodedText:
    """Text of a CSV export: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252, else latin-1.

    Every decoder runs strict, so no byte is ever silently replaced. Binary files,
    spreadsheets and saved web pages are refused with a message that says what they are.
    """
    head = data[:_SNIFF_BYTES]
    if not data.strip(b" \t\r\n\x00") or data.strip() in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        raise IngestError(filename, "the file is empty")
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise IngestError(filename, f"this file {message}")
    encoding: str | None = None
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        encoding = _utf16_without_bom(head)
        if encoding is None:
            raise IngestError(filename, "this looks like a binary file, not a CSV text export")
    candidates = [encoding] if encoding else ["utf-8", "cp1252", "latin-1"]
    text: str | None = None
    for candidate in candidates:
        try:
            text = data.decode(candidate)
            encoding = candidate
            break
        except UnicodeDecodeError:
            continue
    if text is None or encoding is None:
        raise IngestError(filename, f"the file is not valid {candidates[0]} text")
    # A BOM in the middle comes from concatenated exports (`cat a.csv b.csv`); it is never data.
    text = text.replace("\ufeff", "")
    _refuse_non_csv_text(text, filename)
    return DecodedText(text=text, encoding=encoding)


def _refuse_non_csv_text(text: str, filename: str) -> None:
    start = text[:2048].lstrip().casefold()
    if start.startswith(_MARKUP_STARTS) or "<html" in start[:512]:
        raise IngestError(
            filename,
            "this is an HTML or XML page, not a CSV export (was the download page saved instead of the file?)",
        )
    if start.startswith("{") or start.startswith("[{"):
        raise IngestError(filename, "this is JSON, not a CSV export")
    sample = text[:_SNIFF_BYTES]
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if "\x00" in text or control > max(3, len(sample) // 100):
        raise IngestError(filename, "this looks like a binary file, not a CSV text export")


def _reader(text: str, delimiter: str) -> Any:
    # newline="" lets the csv module see \r\n, \r and \n line ends, including old-Mac CR files.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)


@dataclass
class Records:
    """Parsed records of a whole file and the line each one starts on."""

    delimiter: str
    lines: list[int]
    rows: list[list[str]]


def _physical_lines(text: str) -> int:
    terminators = text.count("\n") + text.count("\r") - text.count("\r\n")
    return terminators + (1 if text and not text.endswith(("\n", "\r")) else 0)


def read_records(text: str, delimiter: str, filename: str, limit: int | None = None) -> Records:
    """Every record (or the first `limit`), parsed by the csv module so quoted newlines are safe."""
    if limit is None:
        # Fast path: when no quoted field spans lines, record k starts on line k + 1.
        try:
            parsed: list[list[str]] = list(_reader(text, delimiter))
        except csv.Error:
            parsed = []  # the tracking loop below reports where
        if parsed and len(parsed) == _physical_lines(text):
            return Records(delimiter=delimiter, lines=list(range(1, len(parsed) + 1)), rows=parsed)
    reader = _reader(text, delimiter)
    lines: list[int] = []
    rows: list[list[str]] = []
    append_line, append_row = lines.append, rows.append
    previous = 0
    source = reader if limit is None else itertools.islice(reader, limit)
    try:
        for cells in source:
            append_line(previous + 1)
            append_row(cells)
            previous = reader.line_num
    except csv.Error as exc:
        raise IngestError(
            filename, f"the CSV structure is broken ({exc}); is a quote left open?", previous + 1
        ) from exc
    return Records(delimiter=delimiter, lines=lines, rows=rows)


def is_blank(cells: list[str]) -> bool:
    """Blank lines, whitespace-only lines and separator lines like `,,,`."""
    return not any(cell.strip() for cell in cells)


def trimmed_width(cells: list[str]) -> int:
    """Number of cells once trailing empty ones (a trailing delimiter) are dropped."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width
