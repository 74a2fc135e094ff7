"""Reading an edited CSV export back as the user's corrections (`privfin import-categories`).

The export (`app/reports.transactions_csv`) has an `id` and a `category` column; a user
edits categories in a spreadsheet and hands the file back. Spreadsheets re-save files
their own way, so the reader takes UTF-8 (with or without a BOM) or Windows-1252, comma,
semicolon or tab delimiters, any column order and header case, and undoes the `'` the
export put before text a spreadsheet would evaluate. Every problem names the file and
its line, and a file with any problem changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from app.categorize.decisions import CategoryImport, DecisionError, import_categories, resolve_category
from app.cell_text import restore_formula_text
from app.errors import UserFacingError
from app.models import UNCATEGORIZED
from app.store import Store

MAX_PROBLEMS_SHOWN = 10


class CategoryFileError(UserFacingError, ValueError):
    """The file cannot be applied; `problems` are one line each, naming the file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:MAX_PROBLEMS_SHOWN])
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
        super().__init__("\n".join(shown))
        self.problems = shown


@dataclass(frozen=True)
class EditedRow:
    line: int  # in the file, the header being line 1
    id: str
    category: str | None  # None: the file says uncategorized (empty, or "Uncategorized")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # what Excel saves "CSV" as on Windows


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_edited_export(name: str, data: bytes) -> list[EditedRow]:
    """The (id, category) of every data row; a CategoryFileError for a file that is not an
    export with both columns."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except StopIteration:
        raise CategoryFileError([f"{name}: the file is empty"]) from None
    except csv.Error as error:
        raise CategoryFileError([f"{name} line 1: unreadable CSV ({error})"]) from None
    columns = {cell.strip().lstrip("\ufeff").casefold(): n for n, cell in enumerate(header)}
    missing = [column for column in ("id", "category") if column not in columns]
    if missing:
        raise CategoryFileError(
            [
                f"{name}: no {' or '.join(repr(m) for m in missing)} column; "
                "use a CSV written by `privfin export` (this version adds the id column)"
            ]
        )
    id_at, category_at = columns["id"], columns["category"]
    rows: list[EditedRow] = []
    problems: list[str] = []
    last_line = reader.line_num
    try:
        for record in reader:
            line, last_line = last_line + 1, reader.line_num  # where the record starts
            if not any(cell.strip() for cell in record):
                continue  # a blank line a spreadsheet left at the end
            if len(record) <= max(id_at, category_at):
                problems.append(f"{name} line {line}: the row has no id or category cell")
                continue
            tid = restore_formula_text(record[id_at].strip())
            category = restore_formula_text(" ".join(record[category_at].split()))
            if not tid:
                problems.append(f"{name} line {line}: the id cell is empty")
                continue
            empty = not category or category.casefold() == UNCATEGORIZED.casefold()
            rows.append(EditedRow(line, tid, None if empty else category))
    except csv.Error as error:
        problems.append(f"{name} line {last_line + 1}: unreadable CSV ({error})")
    if problems:
        raise CategoryFileError(problems)
    return rows


def check_edited_rows(store: Store, name: str, rows: Sequence[EditedRow]) -> dict[str, str | None]:
    """id -> category name as the taxonomy spells it; a CategoryFileError lists every line
    with an unknown id, an unknown category, or an id given twice with two categories."""
    problems: list[str] = []
    names: dict[str, str | None] = {}
    for text in {row.category for row in rows if row.category is not None}:
        try:
            names[text] = resolve_category(store, text)
        except DecisionError:
            names[text] = None
    known = {t.id for t in store.get_transactions([row.id for row in rows])} if rows else set()
    edited: dict[str, str | None] = {}
    first_line: dict[str, int] = {}
    for row in rows:
        if row.id not in known:
            problems.append(f"{name} line {row.line}: no transaction with id {row.id!r}")
            continue
        category = None if row.category is None else names[row.category]
        if row.category is not None and category is None:
            problems.append(f"{name} line {row.line}: {row.category!r} is not a category")
            continue
        if row.id in edited and edited[row.id] != category:
            problems.append(
                f"{name} line {row.line}: id {row.id!r} was given another category on line {first_line[row.id]}"
            )
            continue
        edited[row.id] = category
        first_line.setdefault(row.id, row.line)
    if problems:
        raise CategoryFileError(problems)
    return edited


def apply_edited_export(store: Store, name: str, data: bytes) -> CategoryImport:
    """Read, check every line, then apply the file's changed categories as the user's."""
    edited = check_edited_rows(store, name, read_edited_export(name, data))
    return import_categories(store, edited)
