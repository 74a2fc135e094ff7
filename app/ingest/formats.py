"""Which kind of export a file is (CSV, OFX/QFX, QIF), decided from its content first.

A bank's "Quicken/Money" download is often saved as `.txt`, and a CSV may be named
`.ofx` by mistake: the first bytes decide. The extension only decides for a file whose
start names no kind but looks like that kind (markup in a `.ofx`, a `^` record end in a
`.qif`), so a damaged OFX gets the OFX reader's message rather than the CSV reader's.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePath

from app.ingest.currency import CurrencyContext
from app.ingest.errors import IngestError, over_upload_limit
from app.ingest.statement import ParsedStatement

_SNIFF_BYTES = 8192
_OFX_SUFFIXES = frozenset({".ofx", ".qfx"})
_QIF_SUFFIXES = frozenset({".qif"})
UPLOAD_TYPES = ("csv", "txt", "ofx", "qfx", "qif")  # what the dashboard's uploader accepts


_OFX_ROOT = re.compile(r"<OFX>", re.IGNORECASE)


class FileKind(StrEnum):
    CSV = "csv"
    OFX = "ofx"
    QIF = "qif"


def looks_like_ofx(head: str) -> bool:
    """Whether the start of a file (decoded loosely) is OFX: its header or its root element."""
    start = head.lstrip("\ufeff \t\r\n")
    return (
        start.upper().startswith(("OFXHEADER", "<OFX>"))
        or (start.startswith("<?xml") and "<?OFX" in start[:1024].upper())
        or _OFX_ROOT.search(head[:4096]) is not None
    )


def looks_like_qif(head: str) -> bool:
    """A QIF file starts with a header line (`!Type:Bank`, `!Account`, `!Option:AutoSwitch`)."""
    lines = (line.strip().lower() for line in head.lstrip("\ufeff").splitlines())
    first = next((line for line in lines if line and not line.startswith("#")), "")
    return first.startswith(("!type:", "!account", "!option:", "!clear:"))


# The sniffers live here, not beside their readers: telling a CSV from the others must not
# load the OFX and QIF readers (and xml.etree), ~10 ms of every CSV import.
def file_kind(data: bytes, filename: str) -> FileKind:
    head = data[:_SNIFF_BYTES].decode("latin-1")
    if looks_like_qif(head):
        return FileKind.QIF
    if looks_like_ofx(head):
        return FileKind.OFX
    # Content that names no kind: a damaged .ofx with markup gets the OFX reader's message; a
    # CSV saved as .ofx (no markup at all) is still read as the CSV it is.
    suffix = PurePath(filename).suffix.lower()
    if suffix in _OFX_SUFFIXES and ("<" in head or "OFXHEADER" in head.upper()):
        return FileKind.OFX
    if suffix in _QIF_SUFFIXES and any(line.strip() == "^" for line in head.splitlines()):
        return FileKind.QIF
    return FileKind.CSV


def read_record_file(
    kind: FileKind,
    data: bytes,
    filename: str,
    *,
    account: str | None,
    max_bytes: int | None,
    currency: CurrencyContext | str | None = None,
) -> ParsedStatement:
    """An OFX, QFX or QIF file as a `ParsedStatement`; whole-file problems raise `IngestError`.

    `currency` decides the amounts the file names no currency for (a QIF never does; an OFX
    does in CURDEF), as for a CSV: `CurrencyUnknown` when nothing says it. A plain code is
    the user's choice (`privfin import --currency`).
    """
    from app.ingest.records import to_statement

    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(filename, over_upload_limit(len(data), max_bytes))
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise IngestError(filename, "the file is empty")
    if kind is FileKind.OFX:
        from app.ingest.ofx import read_ofx

        read = read_ofx(data, filename)
    elif kind is FileKind.QIF:
        from app.ingest.qif import read_qif

        read = read_qif(data, filename)
    else:
        raise ValueError(f"{kind} is read by parse_statement")
    context = currency if isinstance(currency, CurrencyContext) else CurrencyContext(chosen=currency)
    return to_statement(data, filename, read, account=account, currency=context)
