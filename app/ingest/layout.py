"""Find the table in a decoded export: the delimiter, the header row (or none) and the profile.

The header is looked for after any preamble (account number, date range, balance
summary), in this order: the columns an explicit mapping names; an issuer profile's
signature; a headerless issuer's row shape; the first header-like row whose width
the rows after it share; and finally a headerless table recognised by its dates and
amounts. The delimiter is the one under which that table is most consistent.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from app.ingest.amounts import AmountError, looks_like_amount, parse_amount
from app.ingest.dates import looks_like_date
from app.ingest.errors import IngestError
from app.ingest.mapping import ColumnMapping, normalize_header
from app.ingest.profiles import IssuerProfile, load_profiles
from app.ingest.reader import DELIMITERS, Records, is_blank, read_records, trimmed_width
from app.ingest.vocabulary import AMOUNT, BALANCE, CREDIT, DEBIT, POSTED_DATE, TRANSACTION_DATE, role_name

SAMPLE_RECORDS = 300
_SAMPLE_CHARS = 256 * 1024  # plenty for 300 records; keeps sniffing independent of file size
PREAMBLE_LIMIT = 60  # a header later than this many records is not a preamble any more
_CONSISTENCY_WINDOW = 100
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_DATA_PROBE = 20  # rows under a header candidate searched for one with a date and an amount


@dataclass
class Layout:
    records: Records
    header_index: int | None  # index into records.rows; None for a headerless file
    columns: list[str]  # unique column names (the header's, or "Column 1"... without one)
    profile: IssuerProfile | None = None
    weak_profile: bool = False
    evidence: list[str] = field(default_factory=list)  # why this delimiter and this header row
    header_rows: int = 1  # 2 for a header split over two lines ("Booking" over "Date")

    @property
    def data_start(self) -> int:
        return 0 if self.header_index is None else self.header_index + self.header_rows

    @property
    def header_line(self) -> int | None:
        return None if self.header_index is None else self.records.lines[self.header_index]

    def fingerprint(self) -> str:
        """Stable identity of the layout, the key under which a user's mapping is remembered."""
        if self.header_index is not None:
            basis = "header|" + "\x1f".join(normalize_header(c) for c in self.columns)
        else:
            basis = "headerless|" + headerless_shape(self.records.rows[self.data_start :], len(self.columns))
        return hashlib.sha256(basis.encode()).hexdigest()[:20]


def column_names(cells: list[str], width: int) -> list[str]:
    """Header cells made unique and non-empty, so a mapping can name every column."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for index in range(width):
        name = " ".join(cells[index].split()) if index < len(cells) else ""
        name = name or f"Column {index + 1}"
        seen[normalize_header(name)] += 1
        count = seen[normalize_header(name)]
        names.append(name if count == 1 else f"{name} ({count})")
    return names


def synthetic_names(width: int) -> list[str]:
    return [f"Column {index + 1}" for index in range(width)]


def headerless_shape(rows: list[list[str]], width: int) -> str:
    """Per column: d(ate), a(mount) or t(ext), from the first rows; e.g. 'daatt'."""
    sample = [row for row in rows[:50] if not is_blank(row)]
    shape = []
    for index in range(width):
        values = [row[index].strip() for row in sample if index < len(row) and row[index].strip()]
        if values and sum(looks_like_date(v) for v in values) >= 0.8 * len(values):
            shape.append("d")
        elif values and sum(looks_like_amount(v) for v in values) >= 0.8 * len(values):
            shape.append("a")
        else:
            shape.append("t")
    return f"{width}:{''.join(shape)}"


def parses_as_number(cell: str) -> bool:
    """A cell that reads as an amount in either notation. 'VWZ1' only looks like one ('VWZ' is no
    currency code): the shape test alone rejected GLS's header of VWZ1..VWZ14 columns."""
    for mark in (".", ","):
        try:
            if parse_amount(cell, mark) is not None:
                return True
        except AmountError:
            continue
    return False


def _is_header_like(cells: list[str]) -> bool:
    width = trimmed_width(cells)
    names = [cell.strip() for cell in cells[:width]]
    filled = [name for name in names if name]
    if len(filled) < 2 or width - len(filled) > max(1, width // 4):
        return False
    if any(len(name) > 80 or looks_like_date(name) or parses_as_number(name) for name in filled):
        return False
    return len({normalize_header(n) for n in filled}) >= len(filled) - 1


def _consistent(cells: list[str], width: int) -> bool:
    return trimmed_width(cells) <= width and len(cells) >= width - 1


def _table_score(rows: list[list[str]], start: int, width: int) -> tuple[int, int]:
    """(score, inconsistent) over the non-blank rows after `start`.

    A row of the header's width scores 3; a wider one (a ragged export whose free text spills
    into a few extra fields) or a shorter one (trailing fields left out) scores 1, so it is
    aligned to the header instead of hiding the table, while a short preamble line above the
    real header still loses to it.
    """
    good = bad = seen = 0
    for cells in rows[start + 1 :]:
        if is_blank(cells):
            continue
        seen += 1
        if _consistent(cells, width):
            good += 3
        elif width < len(cells) <= 2 * width or width / 2 <= len(cells) < width:
            good += 1  # ragged: aligned to the header by position, the missing fields empty
        else:
            bad += 1
        if seen >= _CONSISTENCY_WINDOW:
            break
    return good, bad


# A decimal comma split by a ',' delimiter: "-5,99;EUR" read as "-5" and "99;EUR".
_SPLIT_DECIMAL_COMMA = re.compile(r"(?:^|[;\s])[-+]?\d+,\d{1,2}(?:;|\s*$)")


def _splits_decimal_commas(sample: Records) -> bool:
    """A ',' reading of a ';' file with decimal commas: most rows hold ';' and a 'n,nn' amount."""
    rows = [r for r in sample.rows[:_CONSISTENCY_WINDOW] if not is_blank(r)]
    if not rows:
        return False
    hits = 0
    for cells in rows:
        line = ",".join(cells)
        hits += ";" in line and _SPLIT_DECIMAL_COMMA.search(line) is not None
    return hits >= 0.5 * len(rows)


def _looks_like_data_row(cells: list[str]) -> bool:
    values = [c.strip() for c in cells if c.strip()]
    return any(looks_like_date(v) for v in values) and any(
        looks_like_amount(v) and not looks_like_date(v) for v in values
    )


_Found = tuple[str, int | None, IssuerProfile | None, bool]


def locate_table(text: str, filename: str, *, mapping: ColumnMapping | None = None) -> Layout:
    head = text[:_SAMPLE_CHARS]
    samples = {d: read_records(head, d, filename, limit=SAMPLE_RECORDS) for d in DELIMITERS}
    split_commas = _splits_decimal_commas(samples[","])
    if split_commas:
        del samples[","]  # the delimiter that splits decimal commas is not this file's
    found: _Found | None = None
    how = ""
    if mapping is not None:
        found, how = _locate_for_mapping(samples, mapping, filename), "the columns your mapping names"
    else:
        finders: list[tuple[Callable[[], _Found | None], str]] = [
            (lambda: _locate_by_profile(samples, filename), "an issuer profile's header signature"),
            (lambda: _locate_headerless_profile(samples), "an issuer profile's row shape"),
            (
                lambda: _locate_generic_header(samples, require_data=True),
                "a row of names whose cells do not read as dates or amounts, over rows that share its width",
            ),
            (lambda: _locate_headerless(samples), "the first rows hold a date and an amount"),
            # A header over no date-and-amount rows: detection then says what is missing.
            (lambda: _locate_generic_header(samples, require_data=False), "a header-like row"),
        ]
        for finder, why in finders:
            found = finder()
            if found is not None:
                how = why
                break
    if found is None:
        raise IngestError(
            filename,
            "no table of transactions found: no header row and no rows with a date and an amount",
        )
    delimiter, header_index, profile, weak = found
    records = read_records(text, delimiter, filename)
    layout = _layout(records, header_index, profile, weak, mapping)
    named = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    where = f"header on line {layout.header_line}" if layout.header_line is not None else "no header row"
    layout.evidence = [
        f"delimiter {named}" + (" (',' would split its decimal commas)" if split_commas else ""),
        f"{where}: {how}",
    ]
    aligned = _align_short_rows(layout)
    if aligned:
        layout.evidence.append(aligned)
    return layout


def _role_of(name: str) -> str | None:
    role = role_name(name)
    if role in TRANSACTION_DATE or role in POSTED_DATE:
        return "date"
    if role in AMOUNT or role in DEBIT or role in CREDIT or role in BALANCE:
        return "amount"
    return None


def _align_short_rows(layout: Layout) -> str | None:
    """Rows that are all k fields shorter than the header (three header columns written as one
    quoted field): the k missing fields go where the header's date and amount columns then
    hold dates and amounts, instead of at the end. Returns the evidence line, or None."""
    if layout.header_index is None:
        return None
    width = len(layout.columns)
    rows = layout.records.rows
    data = [r for r in rows[layout.data_start : layout.data_start + SAMPLE_RECORDS] if not is_blank(r)]
    if len(data) < 2:
        return None
    if sum(len(r) < width for r in data) < 0.8 * len(data):
        return None  # the rows have the header's fields, some trailing ones merely empty
    common, count = Counter(trimmed_width(r) for r in data).most_common(1)[0]
    if count < 0.8 * len(data) or not width / 2 <= common < width:
        return None
    gap = width - common
    roles = [(j, role) for j, name in enumerate(layout.columns) if (role := _role_of(name))]

    def fit(at: int) -> int:
        score = 0
        for j, role in roles:
            if at <= j < at + gap:
                continue
            source = j if j < at else j - gap
            values = [r[source].strip() for r in data if trimmed_width(r) == common and r[source].strip()]
            test = looks_like_date if role == "date" else looks_like_amount
            score += bool(values) and sum(map(test, values)) >= 0.8 * len(values)
        return score

    best = max(range(common + 1), key=lambda at: (fit(at), at))
    if best == common or fit(best) <= fit(common):
        return None
    for position in range(layout.data_start, len(rows)):
        cells = rows[position]
        if trimmed_width(cells) == common:
            rows[position] = cells[:best] + [""] * gap + cells[best:common]
    skipped = ", ".join(f"'{name}'" for name in layout.columns[best : best + gap])
    return f"rows are {gap} field(s) shorter than the header: aligned with {skipped} left empty"


def _layout(
    records: Records,
    header_index: int | None,
    profile: IssuerProfile | None,
    weak: bool,
    mapping: ColumnMapping | None,
) -> Layout:
    rows = records.rows
    header_rows = 1
    if header_index is not None:
        header = rows[header_index]
        second = _second_header_line(rows, header_index) if profile is None and mapping is None else None
        if second is not None:
            header = [" ".join(f"{a} {b}".split()) for a, b in zip(header, second, strict=False)]
            header_rows = 2
        columns = column_names(header, trimmed_width(header))
    else:
        named = mapping.columns if mapping is not None else profile.mapping.columns if profile else []
        if named:
            columns = list(named)
        else:
            widths = Counter(len(r) for r in rows[:SAMPLE_RECORDS] if not is_blank(r))
            columns = synthetic_names(widths.most_common(1)[0][0] if widths else 0)
    return Layout(
        records=records,
        header_index=header_index,
        columns=columns,
        profile=profile,
        weak_profile=weak,
        header_rows=header_rows,
    )


def _second_header_line(rows: list[list[str]], header_index: int) -> list[str] | None:
    """The second line of a two-line header ('Booking,Value,,Amount' over 'Date,Date,Text,EUR'):
    a row of names of the header's width right under it, followed by data."""
    header = rows[header_index]
    below = rows[header_index + 1 : header_index + 3]
    if len(below) < 2 or len(below[0]) != len(header) or not _is_header_like(below[0]):
        return None
    if not _looks_like_data_row(below[1]):
        return None
    return below[0]


def _locate_for_mapping(samples: dict[str, Records], mapping: ColumnMapping, filename: str) -> _Found:
    if not mapping.has_header:
        width = len(mapping.columns)
        for delimiter, sample in samples.items():
            rows = [r for r in sample.rows if not is_blank(r)]
            if rows and sum(_consistent(r, width) for r in rows) >= 0.8 * len(rows):
                return delimiter, None, None, False
        raise IngestError(filename, f"no rows of {width} columns, as the mapping describes, were found")
    needed = {normalize_header(c) for c in mapping.required_columns()}
    for delimiter, sample in samples.items():
        for index, cells in enumerate(sample.rows[:PREAMBLE_LIMIT]):
            if needed <= {normalize_header(c) for c in cells}:
                return delimiter, index, None, False
    raise IngestError(
        filename,
        "the mapping names columns that are not in any header row of this file: "
        + ", ".join(sorted(mapping.required_columns())),
    )


def _locate_by_profile(samples: dict[str, Records], filename: str) -> _Found | None:
    best: tuple[tuple[int, int, int], _Found] | None = None
    profiles = [p for p in load_profiles() if p.signatures]
    for order, (delimiter, sample) in enumerate(samples.items()):
        for index, cells in enumerate(sample.rows[:PREAMBLE_LIMIT]):
            if trimmed_width(cells) < 2:
                continue
            present = frozenset(normalize_header(c) for c in cells if c.strip())
            for profile in profiles:
                score, weak = profile.header_score(present)
                if not score:
                    continue
                if weak and profile.filename_matches(filename):
                    weak = False
                key = (score, -order, -index)
                if best is None or key > best[0]:
                    best = (key, (delimiter, index, profile, weak))
    return best[1] if best else None


def _locate_headerless_profile(samples: dict[str, Records]) -> _Found | None:
    profiles = [p for p in load_profiles() if p.headerless is not None]
    for delimiter, sample in samples.items():
        rows = [r for r in sample.rows if not is_blank(r)][:50]
        if not rows:
            continue
        for profile in profiles:
            assert profile.headerless is not None
            hits = sum(profile.headerless.matches(r) for r in rows)
            if profile.headerless.matches(rows[0]) and hits >= 0.8 * len(rows):
                return delimiter, None, profile, False
    return None


def _locate_generic_header(samples: dict[str, Records], *, require_data: bool) -> _Found | None:
    best: tuple[tuple[bool, int, int, int], _Found] | None = None
    for order, (delimiter, sample) in enumerate(samples.items()):
        rows = sample.rows
        candidate: tuple[tuple[bool, int, int], int] | None = None  # ((has data, score, width), index)
        for index, cells in enumerate(rows[:PREAMBLE_LIMIT]):
            if not _is_header_like(cells):
                continue
            good, bad = _table_score(rows, index, trimmed_width(cells))
            if good == 0 and any(not is_blank(r) for r in rows[index + 1 :]):
                continue
            # The table starts right under its header: a preamble line has more preamble below it.
            below = [r for r in rows[index + 1 : index + 1 + _DATA_PROBE] if not is_blank(r)][:3]
            # A table under this delimiter holds a date beside an amount somewhere; one that does
            # not still wins when no delimiter gives one, so the error names what is missing.
            has_data = not below or any(map(_looks_like_data_row, below))
            score = good - 3 * bad
            key_here = (has_data, score, trimmed_width(cells))
            if candidate is None or key_here > candidate[0]:
                candidate = (key_here, index)
        if candidate is None:
            continue
        (has_data, score, width), index = candidate
        if require_data and not has_data:
            continue
        key = (has_data, score, width, -order)
        if best is None or key > best[0]:
            best = (key, (delimiter, index, None, False))
    return best[1] if best else None


def _locate_headerless(samples: dict[str, Records]) -> _Found | None:
    best: tuple[tuple[int, int, int], _Found] | None = None
    for order, (delimiter, sample) in enumerate(samples.items()):
        rows = [r for r in sample.rows if not is_blank(r)]
        if not rows or not _looks_like_data_row(rows[0]):
            continue
        width = Counter(len(r) for r in rows).most_common(1)[0][0]
        if width < 2:
            continue
        good = sum(_consistent(r, width) and _looks_like_data_row(r) for r in rows)
        if good < 0.8 * len(rows):
            continue
        key = (good, width, -order)
        if best is None or key > best[0]:
            best = (key, (delimiter, None, None, False))
    return best[1] if best else None
