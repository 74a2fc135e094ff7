"""Imports you can manage: the imported-files list, removing one import, the sample data, accounts.

Plain functions over a `Store`, returning values; the Import and Settings pages and
`privfin imports` only show them. How rows belong to imports: see `app.store.accounts_v10`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app import periods
from app.errors import UserFacingError
from app.models import CategorySource
from app.run_lock import RunInProgress, no_categorization_running
from app.store import Store, bump_structure
from app.transfer_ledger import refresh_in, unpair_orphans

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"


class RunningJob(Protocol):
    """What removal needs of `app.jobs.CategorizationJob`: whether a run is in progress."""

    def snapshot(self) -> Any: ...


class ImportNotFound(UserFacingError, LookupError):
    def __init__(self, import_id: int) -> None:
        super().__init__(f"there is no import {import_id} (see `privfin imports` for the list)")


class CategorizationRunning(UserFacingError, RuntimeError):
    """Removing rows while a run writes categories is refused: the user waits or stops the run.
    Any process's run counts: the dashboard's job, `privfin categorize` (`app.run_lock`)."""

    def __init__(self) -> None:
        super().__init__(
            "a categorization run is in progress; nothing was removed. Wait for it to finish "
            "(or stop it), then remove the import again"
        )


@dataclass(frozen=True)
class ImportedFile:
    """One import as the list shows it. `rows`: stored transactions this file holds (its own
    plus those another import had stored first)."""

    id: int
    file: str
    layout: str | None
    accounts: tuple[str, ...]
    rows: int
    new_rows: int
    duplicate_rows: int
    skipped_rows: int
    rows_read: int
    first_date: dt.date | None
    last_date: dt.date | None
    imported_at: dt.datetime
    sample: bool

    @property
    def account(self) -> str | None:
        return ", ".join(self.accounts) if self.accounts else None

    def record(self) -> dict[str, Any]:
        """The JSON object of `privfin imports --json`."""
        return {
            "id": self.id,
            "file": self.file,
            "layout": self.layout,
            "account": self.account,
            "accounts": list(self.accounts),
            "rows": self.rows,
            "new_rows": self.new_rows,
            "duplicate_rows": self.duplicate_rows,
            "skipped_rows": self.skipped_rows,
            "rows_read": self.rows_read,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "imported_at": self.imported_at.isoformat(),
            "sample": self.sample,
        }


@dataclass(frozen=True)
class RemovalPreview:
    """What removing an import takes away, before anything is removed."""

    import_id: int
    file: str
    removed_rows: int  # rows no other import holds: deleted
    kept_rows: int  # rows another import also holds: stay, handed to that import
    hand_set: int  # removed rows whose category the user set by hand
    untracked: tuple[str, ...]  # earlier imports whose overlap predates tracking (may hold some rows)

    def message(self) -> str:
        text = (
            f"Removes {self.removed_rows:,} transaction{'s' if self.removed_rows != 1 else ''} of {self.file}"
        )
        if self.hand_set:
            text += f", {self.hand_set:,} of them with a category you set by hand"
        if self.kept_rows:
            text += f"; {self.kept_rows:,} also in another import stay"
        return text + "."


@dataclass(frozen=True)
class RemovalOutcome:
    import_id: int
    file: str
    removed_rows: int
    kept_rows: int
    hand_set: int


def sample_hashes(sample_dir: Path = SAMPLE_DIR) -> frozenset[str]:
    """The SHA-256 of every sample statement shipped with privfin: how sample imports are known."""
    return frozenset(hashlib.sha256(path.read_bytes()).hexdigest() for path in sample_dir.glob("*.csv"))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def imported_files(store: Store, samples: frozenset[str] | None = None) -> list[ImportedFile]:
    """Every import, newest first, with the rows, accounts and date range it holds."""
    samples = sample_hashes() if samples is None else samples
    held: dict[int, list[Any]] = defaultdict(lambda: [0, None, None])
    accounts: dict[int, set[str]] = defaultdict(set)
    with store.connect() as conn:
        imports = conn.execute(
            "SELECT id, file_sha256, file_name, profile, account, imported_at, rows_read, rows_imported, "
            "rows_duplicate, rows_skipped FROM imports ORDER BY id DESC"
        ).fetchall()
        facts = conn.execute(
            "SELECT import_id, account, COUNT(*), MIN(date), MAX(date) FROM ("
            "SELECT import_id, account, date FROM transactions UNION ALL "
            "SELECT d.import_id, t.account, t.date FROM import_duplicates d "
            "JOIN transactions t ON t.id = d.transaction_id) GROUP BY import_id, account"
        ).fetchall()
    for import_id, account, count, first, last in facts:
        entry = held[import_id]
        entry[0] += count
        entry[1] = first if entry[1] is None else min(entry[1], first)
        entry[2] = last if entry[2] is None else max(entry[2], last)
        accounts[import_id].add(account)
    files = []
    for iid, sha, name, layout, account, at, read, new, dup, skipped in imports:
        count, first, last = held.get(iid, [0, None, None])
        names = tuple(sorted(accounts.get(iid) or ({account} if account else set())))
        files.append(
            ImportedFile(
                id=iid,
                file=name,
                layout=layout,
                accounts=names,
                rows=count,
                new_rows=new,
                duplicate_rows=dup,
                skipped_rows=skipped,
                rows_read=read,
                first_date=_date(first),
                last_date=_date(last),
                imported_at=dt.datetime.fromisoformat(at),
                sample=sha in samples,
            )
        )
    return files


def moment_text(moment: dt.datetime) -> str:
    """`01 Dec 2026, 20:15 UTC`: when something was imported, for people (never raw ISO)."""
    utc = moment.astimezone(dt.UTC)
    return f"{periods.day_text(utc.date())}, {utc:%H:%M} UTC"


def range_text(item: ImportedFile) -> str:
    if item.first_date is None or item.last_date is None:
        return "no rows"
    return periods.period_text(item.first_date, item.last_date)


def _import_row(conn: sqlite3.Connection, import_id: int) -> tuple[str, str]:
    row = conn.execute("SELECT file_name, file_sha256 FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise ImportNotFound(import_id)
    return str(row[0]), str(row[1])


_SHARED = (
    "EXISTS (SELECT 1 FROM import_duplicates d WHERE d.transaction_id = transactions.id "
    "AND d.import_id != :iid)"
)


def _preview(conn: sqlite3.Connection, import_id: int) -> RemovalPreview:
    name, _sha = _import_row(conn, import_id)
    params = {"iid": import_id, "user": CategorySource.USER.value}
    removed, kept, hand_set = conn.execute(
        f"SELECT COALESCE(SUM(NOT {_SHARED}), 0), COALESCE(SUM({_SHARED}), 0), "
        f"COALESCE(SUM(NOT {_SHARED} AND category_source = :user), 0) "
        "FROM transactions WHERE import_id = :iid",
        params,
    ).fetchone()
    untracked = conn.execute(
        "SELECT file_name FROM imports i WHERE id > :iid AND rows_duplicate > "
        "(SELECT COUNT(*) FROM import_duplicates d WHERE d.import_id = i.id) ORDER BY id",
        params,
    ).fetchall()
    return RemovalPreview(
        import_id, name, int(removed), int(kept), int(hand_set), tuple(r[0] for r in untracked)
    )


def removal_preview(store: Store, import_id: int) -> RemovalPreview:
    with store.connect() as conn:
        return _preview(conn, import_id)


def _refuse_while_running(job: RunningJob | None) -> None:
    if job is not None and job.snapshot().running:
        raise CategorizationRunning()


def _log(conn: sqlite3.Connection, action: str, detail: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO change_log (ts, action, detail_json) VALUES (?,?,?)",
        (
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            action,
            json.dumps(detail, ensure_ascii=False),
        ),
    )


def _remove(conn: sqlite3.Connection, import_id: int) -> RemovalOutcome:
    preview = _preview(conn, import_id)
    params = {"iid": import_id}
    # Shared rows go to the earliest other import that holds them, with that file's row number.
    conn.execute(
        "CREATE TEMP TABLE heirs AS SELECT d.transaction_id AS tid, d.import_id AS heir, d.source_row AS row, "
        "i.file_sha256 AS sha FROM import_duplicates d JOIN imports i ON i.id = d.import_id "
        "JOIN transactions t ON t.id = d.transaction_id AND t.import_id = :iid "
        "WHERE d.import_id = (SELECT MIN(e.import_id) FROM import_duplicates e "
        "WHERE e.transaction_id = d.transaction_id AND e.import_id != :iid)",
        params,
    )
    conn.execute(
        "UPDATE transactions SET import_id = h.heir, source_sha256 = h.sha, source_row = h.row "
        "FROM heirs h WHERE transactions.id = h.tid"
    )
    conn.execute(
        "UPDATE imports SET rows_imported = rows_imported + n, rows_duplicate = rows_duplicate - n "
        "FROM (SELECT heir, COUNT(*) AS n FROM heirs GROUP BY heir) AS moved WHERE imports.id = moved.heir"
    )
    conn.execute(
        "DELETE FROM import_duplicates WHERE (import_id, transaction_id) IN (SELECT heir, tid FROM heirs)"
    )
    conn.execute("DROP TABLE heirs")
    conn.execute("DELETE FROM transactions WHERE import_id = :iid", params)
    bump_structure(conn)
    conn.execute("DELETE FROM import_duplicates WHERE import_id = :iid", params)
    conn.execute("DELETE FROM imports WHERE id = :iid", params)
    outcome = RemovalOutcome(
        import_id, preview.file, preview.removed_rows, preview.kept_rows, preview.hand_set
    )
    _log(
        conn,
        "import removed",
        {
            "import_id": import_id,
            "file": preview.file,
            "removed_rows": preview.removed_rows,
            "kept_rows": preview.kept_rows,
            "hand_set": preview.hand_set,
        },
    )
    return outcome


def remove_imports(
    store: Store, import_ids: Iterable[int], *, job: RunningJob | None = None
) -> list[RemovalOutcome]:
    """Remove these imports and the rows only they hold, all in one SQL transaction.

    Refused (`CategorizationRunning`, nothing removed) while `job` runs; an id that does not
    exist raises `ImportNotFound` and nothing is removed.
    """
    _refuse_while_running(job)
    try:
        with no_categorization_running(store.path), store.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            outcomes = [_remove(conn, import_id) for import_id in import_ids]
            if unpair_orphans(conn):  # the partners of removed rows may pair with another row now
                refresh_in(conn)
            return outcomes
    except RunInProgress:
        raise CategorizationRunning() from None


def remove_import(store: Store, import_id: int, *, job: RunningJob | None = None) -> RemovalOutcome:
    return remove_imports(store, [import_id], job=job)[0]


def sample_import_ids(store: Store, samples: frozenset[str] | None = None) -> list[int]:
    samples = sample_hashes() if samples is None else samples
    with store.connect() as conn:
        return [
            int(r[0])
            for r in conn.execute("SELECT id, file_sha256 FROM imports ORDER BY id")
            if r[1] in samples
        ]


def remove_sample_data(
    store: Store, *, job: RunningJob | None = None, samples: frozenset[str] | None = None
) -> list[RemovalOutcome]:
    """Remove every import of the shipped sample statements, and nothing of the user's own files."""
    return remove_imports(store, sample_import_ids(store, samples), job=job)


def change_log(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The latest local changes (imports removed, accounts renamed), newest first."""
    with store.connect() as conn:
        return [
            {"ts": ts, "action": action} | json.loads(detail)
            for ts, action, detail in conn.execute(
                "SELECT ts, action, detail_json FROM change_log ORDER BY id DESC LIMIT ?", (limit,)
            )
        ]
