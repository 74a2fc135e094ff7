"""Bytes to text to records: encoding detection and a real CSV parser with line numbers.

Record numbers: a record's number is the 1-based physical line on which it starts,
the number a text editor shows next to it. A record whose quoted field spans several
lines keeps the number of its first line, and the records after it count the lines
it used, so the numbers still match the editor.

Memory: an import holds the file's bytes, its text and every record at once, so the
records are built to be small. The csv module reads the text through short
`io.StringIO` windows (one over the whole text would copy it at 4 bytes a character),
and equal cells share one string object (a statement repeats its dates, types,
categories and many amounts and descriptions).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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


_LEGACY = "cp1252"  # what a line that is not UTF-8 is read as: the usual Windows export encoding
_UNDEFINED_AS_LATIN1 = "privfin-cp1252-undefined-as-latin1"
_READ_WINDOW = 1 << 18  # characters per io.StringIO window (which holds 4 bytes a character)
_DECODE_BLOCK = 1 << 16  # bytes per attempt when a file mixes UTF-8 and Windows-1252 lines
# A UTF-8 lead byte followed by a continuation byte, searched for among the non-ASCII bytes
# alone (10x faster than over the whole file): without one, no line can be UTF-8. Dropping
# the ASCII bytes can only create such pairs, never hide one.
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_ASCII_BYTES = bytes(range(128))
_MAX_LISTED_LINES = 20
# Equal cells are shared through a dict emptied past this many distinct cells: a file of
# distinct descriptions and amounts otherwise kept an entry per cell (3x a short-row file)
# for nothing, while repeats (dates, types, categories) come back within any window.
_SHARED_CELLS = 1 << 15


def _undefined_as_latin1(error: UnicodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep their Latin-1 code point.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_UNDEFINED_AS_LATIN1, _undefined_as_latin1)


@dataclass(frozen=True)
class DecodedText:
    """The decoded text, the encoding it was read in, and what decoding had to repair.

    `legacy_lines`: in a file that is otherwise UTF-8 ("utf-8" or "utf-8-sig"), the lines
    that were not and were read as Windows-1252 (a whole Windows-1252 file is "cp1252").
    `nul_lines`: physical lines NUL bytes were removed from (the first few).
    """

    text: str
    encoding: str
    legacy_lines: int = 0
    nul_lines: tuple[int, ...] = ()
    nul_line_count: int = 0


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
    """Text of a CSV export: UTF-8 (BOM or not), UTF-16 with or without BOM, else Windows-1252.

    UTF-8 is decided line by line: a line that is valid UTF-8 stays UTF-8 and a line that
    is not is read as Windows-1252, so a file mixing both (two exports concatenated, one
    row edited in another program) has no mojibake in either direction. No byte is ever
    replaced. Binary files, spreadsheets and saved web pages are refused with a message
    that says what they are; a stray NUL byte in a text file is removed and reported.
    """
    head = data[:_SNIFF_BYTES]
    if not data.strip(b" \t\r\n\x00") or data.strip() in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        raise IngestError(filename, "the file is empty")
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise IngestError(filename, f"this file {message}")
    utf16: str | None = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        utf16 = "utf-16"
    elif b"\x00" in head:
        utf16 = _utf16_without_bom(head)  # otherwise NULs in a text file: counted as binary below
    legacy_lines = 0
    if utf16 is not None:
        try:
            text, encoding = data.decode(utf16), utf16
        except UnicodeDecodeError:
            raise IngestError(filename, f"the file is not valid {utf16} text") from None
    else:
        bom = head.startswith(codecs.BOM_UTF8)
        text, legacy_lines, is_utf8 = _decode_utf8_by_line(data, len(codecs.BOM_UTF8) if bom else 0)
        encoding = ("utf-8-sig" if bom else "utf-8") if is_utf8 else _LEGACY
    # A BOM in the middle comes from concatenated exports (`cat a.csv b.csv`); it is never data.
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    # NUL padding after the last line (a download cut short, a disk image) is never data and
    # no sign of a binary file; NULs inside the text are counted as binary characters.
    _refuse_non_csv_text(text.rstrip("\x00"), filename)
    nul_lines: list[int] = []
    nul_count = 0
    if "\x00" in text:
        nul_lines, nul_count = _lines_holding(text, "\x00")
        text = text.replace("\x00", "")
    return DecodedText(text, encoding, legacy_lines, tuple(nul_lines), nul_count)


def _decode_utf8_by_line(data: bytes, start: int) -> tuple[str, int, bool]:
    """(text, lines read as Windows-1252 in an otherwise UTF-8 file, whether the file is UTF-8 at all).

    Whole-file decodes where they decide it: all UTF-8, or no UTF-8 sequence at all (a
    Windows-1252 export). Only a file that mixes both is decided line by line, in blocks,
    so a failed attempt never copies more than one block.
    """
    body = memoryview(data)[start:]
    try:
        return codecs.utf_8_decode(body, "strict", True)[0], 0, True
    except UnicodeDecodeError:
        pass
    if _UTF8_PAIR.search(data.translate(None, _ASCII_BYTES)[start:]) is None:  # start: skips the BOM
        return codecs.decode(body, _LEGACY, _UNDEFINED_AS_LATIN1), 0, False
    parts: list[str] = []
    legacy_lines = 0
    position = start
    while position < len(data):
        end = _block_end(data, position)
        block = data[position:end]
        try:
            parts.append(block.decode("utf-8"))
        except UnicodeDecodeError:
            for line in block.splitlines(keepends=True):  # bytes split only at \r, \n and \r\n
                try:
                    parts.append(line.decode("utf-8"))
                except UnicodeDecodeError:
                    parts.append(line.decode(_LEGACY, _UNDEFINED_AS_LATIN1))
                    legacy_lines += 1
        position = end
    return "".join(parts), legacy_lines, True


def _block_end(data: bytes, position: int) -> int:
    """End of the decoding block starting at `position`: just after a line break (never inside a character)."""
    target = position + _DECODE_BLOCK
    if target >= len(data):
        return len(data)
    ends = [found for found in (data.find(b"\n", target), data.find(b"\r", target)) if found >= 0]
    return min(ends) + 1 if ends else len(data)


def _lines_holding(text: str, char: str) -> tuple[list[int], int]:
    """The first physical lines (numbered as in `read_records`) holding `char`, and how many lines do."""
    lines: list[int] = []
    count = 0
    line, counted_to, last_line = 1, 0, 0
    position = text.find(char)
    while position >= 0:
        line += text.count("\n", counted_to, position) + text.count("\r", counted_to, position)
        line -= text.count("\r\n", counted_to, position)
        counted_to = position
        if line != last_line:
            count += 1
            if len(lines) < _MAX_LISTED_LINES:
                lines.append(line)
            last_line = line
        position = text.find(char, position + 1)
    return lines, count


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
    if control > max(3, len(sample) // 100):  # NULs count: one stray NUL is text, many are binary
        raise IngestError(filename, "this looks like a binary file, not a CSV text export")


def _windows(text: str) -> Iterator[str]:
    """The text's lines, read through `io.StringIO` windows of about `_READ_WINDOW` characters.

    Each window ends just after a line break, so no line (and no \\r\\n pair) is split.
    `chain` hands the csv module each window's lines directly (a generator re-yielding
    them cost 20% more).
    """
    # newline="" lets the csv module see \r\n, \r and \n line ends, including old-Mac CR files.
    return itertools.chain.from_iterable(io.StringIO(piece, newline="") for piece in _pieces(text))


def _pieces(text: str) -> Iterator[str]:
    size = len(text)
    start = 0
    while start < size:
        cut = text.find("\n", start + _READ_WINDOW)
        if cut < 0:
            cut = text.find("\r", start + _READ_WINDOW)  # old-Mac CR-only files
        end = size if cut < 0 else cut + 1
        yield text[start:end]
        start = end


def _reader(text: str, delimiter: str) -> Any:
    return csv.reader(_windows(text), delimiter=delimiter, quotechar='"', strict=False)


@dataclass
class Records:
    """Parsed records of a whole file and the line each one starts on.

    `broken` maps the index of a record the csv module could not read (a field over
    its size limit) to the reason; that record's cells are empty.
    """

    delimiter: str
    lines: Sequence[int]
    rows: list[list[str]]
    broken: dict[int, str] = field(default_factory=dict)


def _physical_lines(text: str) -> int:
    terminators = text.count("\n") + text.count("\r") - text.count("\r\n")
    return terminators + (1 if text and not text.endswith(("\n", "\r")) else 0)


def read_records(text: str, delimiter: str, filename: str, limit: int | None = None) -> Records:
    """Every record (or the first `limit`), parsed by the csv module so quoted newlines are safe.

    A record on one line with a field over the csv module's size limit becomes a broken
    record and the rest of the file is still read. A quote left open swallows the lines
    after it: when each of those is a whole record of its own, the line with the quote
    becomes a broken record and the lines after it are read again; otherwise the file
    is refused at the quote's line (a quoted field may span lines, one never closed may not).
    """
    shared: dict[str, str] = {}
    share = shared.setdefault
    if limit is None:
        # Fast path: when no quoted field spans lines, record k starts on line k + 1.
        try:
            parsed = []
            for cells in _reader(text, delimiter):
                if len(shared) > _SHARED_CELLS:
                    shared.clear()
                parsed.append(list(map(share, cells, cells)))
        except csv.Error:
            parsed = []  # the tracking loop below reports where
        if parsed and len(parsed) == _physical_lines(text):
            _repair_inner_quotes(parsed, text, delimiter)
            return Records(delimiter=delimiter, lines=range(1, len(parsed) + 1), rows=parsed)
        del parsed
    reader = _reader(text, delimiter)
    base = 0  # lines before the text the reader reads: it starts again after a quote left open
    line_ends: list[int] | None = None  # offsets just after each line break, when first needed
    lines: list[int] = []
    rows: list[list[str]] = []
    broken: dict[int, str] = {}
    previous = 0
    while limit is None or len(rows) < limit:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if base + reader.line_num != previous + 1:
                raise IngestError(
                    filename, f"the CSV structure is broken ({exc}); is a quote left open?", previous + 1
                ) from exc
            broken[len(rows)] = _unreadable_reason(exc)
            cells = []
        last_line = base + reader.line_num
        if last_line - previous > 1 and rows:  # a quoted field spans lines: is it a quote left open?
            if line_ends is None:
                line_ends = [found.end() for found in _LINE_END.finditer(text)]
            start = line_ends[previous - 1] if previous else 0
            end = line_ends[last_line - 1] if last_line <= len(line_ends) else len(text)
            if _swallows_records(text[start:end], len(rows[0]), delimiter):
                broken[len(rows)] = (
                    "a quote opened on this line is never closed, so the row was not read "
                    "(the lines after it are read as rows of their own)"
                )
                cells = []
                reader = _reader(text[line_ends[previous] :] if previous < len(line_ends) else "", delimiter)
                base = last_line = previous + 1
            elif end == len(text) and _quote_left_open(text[start:], delimiter):
                raise IngestError(
                    filename,
                    "the CSV structure is broken: a quote opened on this line is never closed",
                    previous + 1,
                )
        lines.append(previous + 1)
        if len(shared) > _SHARED_CELLS:
            shared.clear()
        rows.append(list(map(share, cells, cells)))
        previous = last_line
    return Records(delimiter=delimiter, lines=lines, rows=rows, broken=broken)


def _swallows_records(record: str, width: int, delimiter: str) -> bool:
    """Whether a record spanning lines is a quote left open on its first line: every later line
    is a whole record on its own (as many fields as the first record), not a field's next line."""
    following = [line for line in _LINE_END.split(record)[1:] if line.strip()]
    return bool(following) and all(
        len(next(csv.reader([line], delimiter=delimiter, quotechar='"', strict=False), [])) == width
        for line in following
    )


def _quote_left_open(rest: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter, quotechar='"', strict=True):
            pass
    except csv.Error:
        return True
    return False


_LINE_END = re.compile(r"\r\n|\r|\n")


def _repair_inner_quotes(rows: list[list[str]], text: str, delimiter: str) -> None:
    """Re-split one-line records whose quoted fields hold unescaped quotes (`"UAB "Rilolam""`).

    The csv module ends the field at the inner quote and glues the rest on (`UAB Rilolam""`);
    such a record is read again with quotes closing a field only before a delimiter or the
    line end. Only rows with a quote left in a cell are looked at, so clean files pay nothing.
    """
    if '"' not in text:
        return
    suspects = [i for i, cells in enumerate(rows) if any('"' in cell for cell in cells)]
    if not suspects:
        return
    lines = _LINE_END.split(text)
    for index in suspects:
        if index < len(lines) and _malformed(lines[index], delimiter):
            rows[index] = _split_tolerantly(lines[index], delimiter)


def _malformed(line: str, delimiter: str) -> bool:
    """A line strict CSV refuses: a closing quote followed by more text (escaped `""` are fine)."""
    try:
        next(csv.reader([line], delimiter=delimiter, quotechar='"', strict=True), None)
    except csv.Error:
        return True
    return False


def _split_tolerantly(line: str, delimiter: str) -> list[str]:
    cells: list[str] = []
    size = len(line)
    position = 0
    while True:
        if position < size and line[position] == '"':
            position += 1
            parts: list[str] = []
            while position < size:
                char = line[position]
                following = line[position + 1] if position + 1 < size else delimiter
                if char != '"':
                    parts.append(char)
                    position += 1
                elif following == delimiter:
                    position += 1
                    break
                elif following == '"':
                    after = line[position + 2] if position + 2 < size else delimiter
                    parts.append('"')
                    position += 2
                    if after == delimiter:
                        break
                else:
                    parts.append('"')  # an unescaped quote inside the field is the field's text
                    position += 1
            cells.append("".join(parts))
        else:
            end = line.find(delimiter, position)
            end = size if end < 0 else end
            cells.append(line[position:end])
            position = end
        if position >= size:
            return cells
        position += 1  # the delimiter
        if position == size:
            cells.append("")
            return cells


def _unreadable_reason(error: csv.Error) -> str:
    if "field limit" in str(error):
        return (
            f"a field is longer than {csv.field_size_limit():,} characters, far beyond any statement field; "
            "the row was not read"
        )
    return f"the row could not be read as CSV ({error})"


def is_blank(cells: list[str]) -> bool:
    """Blank lines, whitespace-only lines and separator lines like `,,,`."""
    return not any(cell.strip() for cell in cells)


def trimmed_width(cells: list[str]) -> int:
    """Number of cells once trailing empty ones (a trailing delimiter) are dropped."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width
