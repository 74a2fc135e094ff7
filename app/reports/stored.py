"""An export of the stored transactions as a file: which rows, which period, written atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import insights, periods
from app.errors import UserFacingError
from app.reports.html import html_report
from app.reports.table import transactions_csv
from app.reports.workbook import workbook_xlsx

if TYPE_CHECKING:
    import pandas as pd

    from app.store import Store


class ExportError(UserFacingError):
    """A problem the user can fix; the message says which."""


class UnknownAccountError(ExportError):
    """An account asked for that the store does not hold."""


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory, so a failed write
    never leaves half a report behind (nor destroys an earlier one)."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o600)  # a report is personal financial data
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def period_text(date_from: dt.date | None, date_to: dt.date | None, frame: pd.DataFrame) -> str:
    span = periods.data_period(frame)
    start = date_from or (span[0] if span else None)
    end = date_to or (span[1] if span else None)
    if start is None or end is None:
        return "no transactions"
    return f"{start.isoformat()} to {end.isoformat()}"


@dataclass(frozen=True)
class StoredReport:
    """One export of the stored transactions: the file's bytes and what it holds."""

    data: bytes
    rows: int
    period: str


def stored_report(
    store: Store,
    report_format: str,
    *,
    accounts: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> StoredReport:
    """The stored transactions of `accounts` (all when empty) between the dates, as CSV, XLSX or HTML."""
    from app.categorize.taxonomy import load_taxonomy
    from app.ledger_query import ledger_query
    from app.store import TransactionFilter

    accounts = list(accounts)
    unknown = sorted(set(accounts) - set(store.accounts()))
    if unknown:
        known = ", ".join(store.accounts()) or "none yet"
        raise UnknownAccountError(f"unknown account(s): {', '.join(unknown)} (known: {known})")

    # The dates as given (either may be open); the period to compare with follows from the rows.
    frame = store.transactions_frame(
        TransactionFilter(accounts=accounts, date_from=date_from, date_to=date_to)
    )
    # The user's own categories decide what is spending, income or a transfer.
    taxonomy = load_taxonomy(store)
    kinds, order = insights.taxonomy_kinds(taxonomy), taxonomy.names
    if report_format == "csv":
        data = transactions_csv(frame)
    elif report_format == "xlsx":
        data = workbook_xlsx(frame, kinds=kinds, order=order)
    else:
        span = periods.data_period(frame)
        start = date_from or (span[0] if span else None)
        end = date_to or (span[1] if span else None)
        period = (start, end) if start and end else None
        before = ledger_query(accounts, (), period).previous
        previous = store.transactions_frame(before) if before is not None else None
        scope = ", ".join(accounts) if accounts else "all accounts"
        data = html_report(
            frame,
            title="privfin report",
            period_label=f"{period_text(date_from, date_to, frame)} · {scope}",
            previous_frame=previous,
            period=period,
            kinds=kinds,
            order=order,
        )
    return StoredReport(data=data, rows=len(frame), period=period_text(date_from, date_to, frame))
