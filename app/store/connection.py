"""The store's plumbing: its path, one short-lived connection per operation, the revisions.

A `Store` holds only a path and opens a short-lived connection per operation, so one
object can be shared by Streamlit sessions (each script run has its own thread).
Every multi-row write runs in one SQL transaction: it lands whole or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.datadir import ensure_private_dir, ensure_private_file, tighten_if_present
from app.store.schema import SIDE_FILES, migrate

STRUCTURE_KEY = "structure_revision"


def bump_structure(conn: sqlite3.Connection) -> None:
    """Record, inside the writer's transaction, that rows came or went or an account changed its name.

    Kept in `meta` so a cache of what depends only on that (the ledger summary, a pinned Review
    list) can key on `Store.structure_revision` instead of on every category edit.
    """
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (STRUCTURE_KEY,),
    )


class StoreBase:
    """What every part of `Store` stands on: `connect()` and the store's revisions."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        ensure_private_dir(self.path.parent)
        self._migrate()
        self._keeper = self._open_keeper()

    def _open_keeper(self) -> sqlite3.Connection:
        # SQLite checkpoints the WAL whenever the last connection to a file closes; with
        # one idle connection held for the Store's lifetime each short-lived operation
        # costs ~2 ms instead of ~25 ms. It never runs statements, so threads don't matter.
        keeper = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        keeper.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # connecting alone opens nothing
        return keeper

    def close(self) -> None:
        self._keeper.close()

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            with conn:  # commit on success, roll back on any exception
                yield conn
                if conn.total_changes:
                    conn.execute("UPDATE store_revision SET value = value + 1")
        finally:
            conn.close()

    def _migrate(self) -> None:
        """Bring the schema up to date; any number of processes may do this at once on a new file."""
        # SQLite gives the -wal and -shm files the database file's mode, so 0600 here covers all three.
        ensure_private_file(self.path)
        for suffix in SIDE_FILES:
            tighten_if_present(Path(f"{self.path}{suffix}"))
        migrate(self.path)

    def schema_version(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def revision(self) -> str:
        """Moves with every committed write, from any process: an exact, O(1) key for UI caches."""
        with self.connect() as conn:
            return str(conn.execute("SELECT value FROM store_revision").fetchone()[0])

    def structure_revision(self) -> str:
        """Moves when transactions are added or removed or an account is renamed, from any process."""
        return self.get_meta(STRUCTURE_KEY) or "0"

    def get_meta(self, key: str) -> str | None:
        with self.connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.connect() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- everything -------------------------------------------------------------------

    def delete_everything(self) -> None:
        """'Delete all my data': the database file and its WAL side files.

        The new, empty database carries both revisions on from the old one (never back to zero), so
        a cache keyed by either in any session cannot mistake the empty store for an old one.
        """
        last_revision = int(self.revision())
        last_structure = int(self.structure_revision())
        self._keeper.close()
        for suffix in ("", *SIDE_FILES):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._migrate()
        self._keeper = self._open_keeper()
        with self.connect() as conn:
            conn.execute("UPDATE store_revision SET value = ?", (last_revision + 1,))
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)", (STRUCTURE_KEY, str(last_structure + 1))
            )
