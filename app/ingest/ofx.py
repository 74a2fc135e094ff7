"""OFX 1.x (SGML), OFX 2.x (XML) and QFX statements to canonical transactions.

The markup is read by `ofx_markup` (one tolerant reader for SGML, XML and QFX); nothing
validates it against the spec: real bank files break the spec in ways that lose no
information (no header at all, blank lines or repeated fields before it, a BANKID longer
than 9 characters, a NAME longer than 32), and a validating reader refuses those whole.
The header is checked here, leniently but not blindly, and the transactions are read
from the tree.

Amounts are TRNAMT as the file signs them: the spec signs them from the account holder's
side for bank and card statements alike (a card purchase is negative). Dates keep the
calendar day the bank wrote: `20091224120000[-5:EST]` is 24 December, never shifted to
UTC. A transaction's id comes from its account and FITID, so an overlapping download
adds nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app import money
from app.ingest.amounts import amount_range_problem
from app.ingest.errors import IngestError
from app.ingest.records import RecordFile, RecordRow
from app.models import SkipKind

_OFX_START = re.compile(r"<OFX>", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"^[A-Z][A-Z0-9_]*:.*$")
# OFX 2 needs no line break between its declarations (or before <OFX>): one line may hold both
_PROCESSING = re.compile(r"^(?:<\?(?:xml|OFX)\b[^>]*\?>\s*)+$", re.IGNORECASE)
_SGML_VERSION = re.compile(r"^VERSION:\s*(\d+)\s*$", re.MULTILINE)
_XML_VERSION = re.compile(r"<\?OFX[^>]*\bVERSION=[\"'](\d+)[\"']", re.IGNORECASE)
_SGML_HEADER_FIELDS = frozenset(
    {
        "OFXHEADER",
        "DATA",
        "VERSION",
        "SECURITY",
        "ENCODING",
        "CHARSET",
        "COMPRESSION",
        "OLDFILEUID",
        "NEWFILEUID",
    }
)
# As the markup reader reads a start tag: anything but brackets may follow the name
# ("<STMTTRN\x00>" in a damaged download is still a transaction's start).
_TRANSACTION_TAG = re.compile(r"<STMTTRN(?![A-Za-z0-9._:-])[^<>/]*>")
_ISO = re.compile(r"[A-Z]{3}")
_LOWERCASE_TAG = re.compile(r"</?[a-z][a-z0-9._]*>")
_TAG_NAME = re.compile(r"(</?)([A-Za-z][A-Za-z0-9._]*)(?=>)")
_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})")
_STATEMENTS = {"STMTRS": False, "CCSTMTRS": True}  # tag -> is a card statement
_DEBIT_TYPES = frozenset({"DEBIT"})
_CREDIT_TYPES = frozenset({"CREDIT"})


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 when it is (OFX 2 must be); otherwise Windows-1252, what CHARSET:1252 files are."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


@dataclass(frozen=True)
class _Header:
    body_start: int  # offset of <OFX> in the text
    body_line: int  # its 1-based line
    version: str | None
    xml: bool


def _read_header(text: str, filename: str) -> _Header:
    """Where the body starts, and the version; a header line that is no header field is an error."""
    found = _OFX_START.search(text)
    if found is None:
        raise IngestError(filename, "this is not an OFX file: it has no <OFX> element")
    header = text[: found.start()]
    lines = header.split("\n")
    for number, line in enumerate(lines, start=1):
        cleaned = line.strip().lstrip("\ufeff")
        if not cleaned or _HEADER_FIELD.match(cleaned) or _PROCESSING.match(cleaned):
            continue
        raise IngestError(
            filename,
            f"the OFX header is broken: {cleaned[:60]!r} is not a header field (NAME:VALUE)",
            row=number,
        )
    xml = "<?xml" in header.lower() or "<?ofx" in header.lower()
    # csv2ofx writes only DATA and ENCODING: any of the OFX 1 header's fields makes it one
    fields = {line.split(":", 1)[0].strip().upper() for line in lines if ":" in line}
    if not xml and header.strip() and not fields & _SGML_HEADER_FIELDS:
        raise IngestError(filename, "the OFX header is broken: it has none of the OFX header fields", row=1)
    version_at = (_XML_VERSION if xml else _SGML_VERSION).search(header)
    return _Header(found.start(), header.count("\n") + 1, version_at.group(1) if version_at else None, xml)


def _tree(body: str, header: _Header, filename: str, notes: list[str]) -> ET.Element:
    """The body as an element tree; a markup error names the line it is on."""
    from app.ingest.ofx_markup import MarkupError, parse_markup  # only OFX imports load the reader

    try:
        markup = parse_markup(body)
    except MarkupError as exc:
        row = header.body_line + body.count("\n", 0, exc.offset)
        raise IngestError(filename, f"the OFX markup is broken ({exc.reason})", row=row) from None
    root, stray = markup.root, markup.stray_end_tags
    if root.tag != "OFX":
        raise IngestError(filename, "the OFX markup is broken (its root element is not <OFX>)")
    if stray:
        names = sorted(stray)
        listed = ", ".join(f"</{tag}>" for tag in names[:5]) + (
            f" and {len(names) - 5} more" if len(names) > 5 else ""
        )
        notes.append(
            f"{stray.total()} end tag(s) in the OFX markup close an element already closed "
            f"({listed}); they were passed over"
        )
    return root


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()


def ofx_date(text: str) -> dt.date | None:
    """The calendar day of an OFX datetime (`20230105`, `20091224120000.000[-5:EST]`), or None."""
    found = _DATE.match(text)
    if found is None:
        return None
    try:
        return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def ofx_amount(text: str) -> Decimal | None:
    """TRNAMT as a Decimal (`-12.50`, `+3`, and the decimal comma some banks write), or None."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def masked_account(acctid: str) -> str:
    """Only the last four characters of an account or card number are ever shown."""
    tail = re.sub(r"\s", "", acctid)[-4:]
    return f"…{tail}" if tail else ""


def _account_name(org: str, acct_type: str, acctid: str, card: bool) -> str:
    kind = "card" if card else (acct_type.lower() or "account")
    parts = [org or "OFX", kind, masked_account(acctid)]
    return " ".join(p for p in parts if p)


def _fields(transaction: ET.Element) -> dict[str, str]:
    """A transaction's values by tag, read once (an empty SGML element may nest the next ones)."""
    fields: dict[str, str] = {}
    for element in transaction.iter():
        if element.text and element.tag not in fields:
            fields[element.tag] = element.text.strip()  # escapes were undone by the markup reader
    currency = next(transaction.iter("CURRENCY"), None)  # the amount's own currency; ORIGCURRENCY is not
    fields["CURRENCY"] = _text(currency, "CURSYM").upper() if currency is not None else ""
    original = next(transaction.iter("ORIGCURRENCY"), None)
    fields["ORIGCURRENCY"] = _text(original, "CURSYM").upper() if original is not None else ""
    fields["ORIGCURRATE"] = _text(original, "CURRATE") if original is not None else ""
    return fields


def original_spend(
    amount: Decimal, fields: dict[str, str], currency: str | None
) -> tuple[Decimal, str] | None:
    """Foreign spend from ORIGCURRENCY: TRNAMT is in CURDEF, and CURRATE is CURDEF per unit of
    CURSYM (OFX 5.2), so the original amount is TRNAMT / CURRATE, in CURSYM's cents."""
    code, rate = fields["ORIGCURRENCY"], ofx_amount(fields["ORIGCURRATE"])
    if not _ISO.fullmatch(code) or code == currency or rate is None or rate <= 0 or not amount:
        return None
    try:
        original = money.round_to_cents(amount / rate)
    except ArithmeticError:
        return None
    return (original, code) if original and amount_range_problem(original) is None else None


def _description(fields: dict[str, str]) -> str:
    name, memo = fields.get("NAME", ""), fields.get("MEMO", "")
    if memo.startswith(name):  # NAME is often MEMO cut to the spec's 32 characters
        text = memo
    elif name.startswith(memo):
        text = name
    else:
        text = f"{name} {memo}"
    check = fields.get("CHECKNUM", "")
    if check.strip("0") and check not in text:
        text = f"{text} CHECK {check}".strip()
    # No text at all (an ATM withdrawal often has none): the type the bank gave it, not nothing
    return text or fields.get("TRNTYPE", "")


def _inverted(types: list[str], amounts: list[Decimal | None]) -> bool:
    """Every typed debit positive and every typed credit negative: signed from the bank's side."""
    against = along = 0
    for kind, amount in zip(types, amounts, strict=True):
        if amount is None or not amount:
            continue
        if kind in _DEBIT_TYPES:
            against += amount > 0
            along += amount < 0
        elif kind in _CREDIT_TYPES:
            against += amount < 0
            along += amount > 0
    return against >= 2 and along == 0


@dataclass(frozen=True)
class _Positions:
    """Where each <STMTTRN> starts in the body, for the line and the text a skipped row shows."""

    body: str
    starts: list[int]
    lines: list[int]
    order: dict[int, int]  # id(element) -> its index among the file's STMTTRN, in file order

    @classmethod
    def of(cls, body: str, first_line: int, root: ET.Element) -> _Positions:
        starts = [m.start() for m in _TRANSACTION_TAG.finditer(body)]
        lines: list[int] = []
        line, previous = first_line, 0
        for start in starts:  # counted between neighbours: linear in the file, not quadratic
            line += body.count("\n", previous, start)
            previous = start
            lines.append(line)
        order = {id(element): index for index, element in enumerate(root.iter("STMTTRN"))}
        return cls(body, starts, lines, order)

    def line(self, element: ET.Element) -> int:
        index = self.order.get(id(element), len(self.lines))
        return self.lines[index] if index < len(self.lines) else 0

    def raw(self, element: ET.Element) -> str:
        index = self.order.get(id(element), len(self.starts))
        if index >= len(self.starts):
            return ""
        start = self.starts[index]
        end = self.body.find("</STMTTRN>", start)
        return self.body[start : end + len("</STMTTRN>") if 0 <= end < start + 1000 else start + 300]


def read_ofx(data: bytes, filename: str) -> RecordFile:
    """Every bank and card statement in an OFX or QFX file; investment statements are noted, not read."""
    text, encoding = _decode(data)
    header = _read_header(text, filename)
    body = text[header.body_start :]
    if _LOWERCASE_TAG.search(body):  # some exporters write <stmttrn>: OFX tags are upper case
        body = _TAG_NAME.sub(lambda m: m.group(1) + m.group(2).upper(), body)
    markup_notes: list[str] = []
    root = _tree(body, header, filename, markup_notes)
    quicken = filename.lower().endswith(".qfx") or "<INTU." in text[: header.body_start + 4096].upper()
    syntax = "XML" if header.xml else "SGML"
    version = f" {header.version[0]}.{header.version[1:]}" if header.version else ""
    name = f"QFX (Quicken, OFX{version} {syntax})" if quicken else f"OFX{version} ({syntax})"
    read = RecordFile(layout_name=name, encoding=encoding, notes=markup_notes)
    positions = _Positions.of(body, header.body_line, root)
    org = _text(root, "SIGNONMSGSRSV1/SONRS/FI/ORG")
    statements = [(e, _STATEMENTS[e.tag]) for e in root.iter() if e.tag in _STATEMENTS]
    if not statements:
        raise IngestError(filename, _no_statement_reason(root))
    if any(True for _ in root.iter("INVSTMTRS")):
        read.notes.append("the file also holds an investment statement, which privfin does not import")
    for statement, card in statements:
        _read_statement(statement, card, org, read, positions)
    return read


def _no_statement_reason(root: ET.Element) -> str:
    status = _text(root, "SIGNONMSGSRSV1/SONRS/STATUS/CODE")
    message = _text(root, "SIGNONMSGSRSV1/SONRS/STATUS/MESSAGE")
    if status and status != "0":
        return f"the bank's server sent an error instead of a statement (code {status}{': ' + message if message else ''})"
    if any(True for _ in root.iter("INVSTMTRS")):
        return "the file holds only investment statements, which privfin does not import"
    return "the OFX file holds no bank or credit-card statement"


def _read_statement(
    statement: ET.Element,
    card: bool,
    org: str,
    read: RecordFile,
    positions: _Positions,
) -> None:
    # Searched anywhere below the statement, not by the spec's path: an SGML element left empty
    # (`<CURDEF>` with no value) swallows its next siblings as children.
    account_from = next(statement.iter("CCACCTFROM" if card else "BANKACCTFROM"), None)
    acctid = _text(account_from, "ACCTID")
    bankid = _text(account_from, "BANKID")
    account = _account_name(org, _text(account_from, "ACCTTYPE"), acctid, card)
    named = (next(statement.iter("CURDEF"), ET.Element("CURDEF")).text or "").strip().upper()
    curdef = named if _ISO.fullmatch(named) else None
    transactions = list(statement.iter("STMTTRN"))
    values = [_fields(t) for t in transactions]
    types = [v.get("TRNTYPE", "").upper() for v in values]
    amounts = [ofx_amount(v.get("TRNAMT", "")) for v in values]
    flip = _inverted(types, amounts)
    if flip:
        read.notes.append(
            f"{account}: every DEBIT is positive and every CREDIT negative (signed from the bank's side); "
            "the signs were turned to the account holder's side"
        )
    for transaction, fields, amount in zip(transactions, values, amounts, strict=True):
        read.records_read += 1
        line, raw = positions.line(transaction), functools.partial(positions.raw, transaction)
        posted = ofx_date(fields.get("DTPOSTED", ""))
        user = ofx_date(fields.get("DTUSER", ""))
        day = user if user is not None else posted  # the day of the purchase, as a CSV's date column
        if amount is None:
            written = fields.get("TRNAMT", "")
            why = f"amount {written!r} is not a number" if written else "the transaction has no TRNAMT"
            read.skip(line, why, raw())
            continue
        if day is None:
            written = fields.get("DTPOSTED", "")
            why = f"date {written!r} is not an OFX date" if written else "the transaction has no DTPOSTED"
            read.skip(line, why, raw())
            continue
        description = _description(fields)
        if not amount and not description:
            read.skip(line, "zero amount and no text", raw(), SkipKind.FILTERED)
            continue
        fitid = fields.get("FITID", "")
        own = fields["CURRENCY"]
        currency = own if _ISO.fullmatch(own) else curdef  # None: decided as for a CSV naming none
        signed = -amount if flip else amount
        original = original_spend(signed, fields, currency)
        read.keep(
            RecordRow(
                line=line,
                account=account,
                date=day,
                posted_date=posted if user is not None and posted != user else None,
                description=description,
                payee=" ".join(fields.get("NAME", "").split()) or None,
                amount=signed,
                currency=currency,
                original_amount=original[0] if original else None,
                original_currency=original[1] if original else None,
                stable_key=f"ofx|{bankid}|{acctid}|{fitid}" if fitid else None,
            ),
            raw,
        )
