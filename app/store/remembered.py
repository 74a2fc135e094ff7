"""What the store remembers beside the ledger: answer cache, rules, mappings, account
currencies, the audit log of what left the machine, the taxonomy and dismissed series."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from app.store.connection import StoreBase
from app.store.records import AuditEntry, CachedCategory, Rule, TaxonomyRow
from app.store.sql_helpers import chunked, utc_now


class Remembered(StoreBase):
    # -- LLM cache --------------------------------------------------------------------

    def cache_get(self, keys: Sequence[str]) -> dict[str, CachedCategory]:
        found: dict[str, CachedCategory] = {}
        with self.connect() as conn:
            for chunk in chunked(list(keys)):
                marks = ",".join("?" * len(chunk))
                for key, category, confidence in conn.execute(
                    f"SELECT cache_key, category, confidence FROM llm_cache WHERE cache_key IN ({marks})",
                    chunk,
                ):
                    found[key] = CachedCategory(category, confidence)
        return found

    def cache_put(
        self,
        entries: Iterable[tuple[str, str, str, str, str, str, str | None, float | None]],
    ) -> None:
        """Entries: (cache_key, merchant_key, direction, taxonomy_version, model, prompt_version,
        category, confidence)."""
        now = utc_now()
        with self.connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO llm_cache (cache_key, merchant_key, direction, taxonomy_version, "
                "model, prompt_version, category, confidence, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                ((*entry, now) for entry in entries),
            )

    def cache_size(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM llm_cache").fetchone()[0])

    def cache_models(self) -> dict[str, int]:
        """Remembered answers per model, most first."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT model, COUNT(*) AS n FROM llm_cache GROUP BY model ORDER BY n DESC, model"
            ).fetchall()
        return {str(model): int(count) for model, count in rows}

    def cache_clear(self, model: str | None = None) -> int:
        """Forget remembered model answers (all, or one model's); returns how many.

        Categories already written stay; the next run asks the model again about every
        merchant these answers would have decided.
        """
        with self.connect() as conn:
            if model is None:
                return conn.execute("DELETE FROM llm_cache").rowcount
            return conn.execute("DELETE FROM llm_cache WHERE model = ?", (model,)).rowcount

    # -- user rules -------------------------------------------------------------------

    def add_rule(self, merchant_key: str, category: str, direction: str | None = None) -> Rule:
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO rules (merchant_key, direction, category, created_at) VALUES (?,?,?,?) "
                "ON CONFLICT (merchant_key, direction) DO UPDATE SET category = excluded.category",
                (merchant_key, direction, category, utc_now()),
            )
        return next(r for r in self.rules() if r.merchant_key == merchant_key and r.direction == direction)

    def rules(self) -> list[Rule]:
        with self.connect() as conn:
            return [
                Rule(*row)
                for row in conn.execute(
                    "SELECT id, merchant_key, direction, category, created_at FROM rules ORDER BY merchant_key"
                )
            ]

    def delete_rule(self, rule_id: int) -> None:
        with self.connect() as conn:
            conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))

    # -- remembered column mappings ---------------------------------------------------

    def get_mapping(self, fingerprint: str) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT mapping_json FROM mappings WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put_mapping(self, fingerprint: str, mapping: dict[str, Any]) -> None:
        with self.connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO mappings (fingerprint, mapping_json, updated_at) VALUES (?,?,?)",
                (fingerprint, json.dumps(mapping), utc_now()),
            )

    # -- the currency remembered for each account ----------------------------------------

    def account_currency(self, account: str) -> str | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT currency FROM account_currencies WHERE account = ?", (account,)
            ).fetchone()
        return str(row[0]) if row else None

    def remember_account_currencies(self, currencies: dict[str, str], *, replace: bool) -> None:
        """Keep each account's currency; an account's first one stays unless `replace` (the user's choice)."""
        if not currencies:
            return
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        now = utc_now()
        with self.connect() as conn:
            conn.executemany(
                f"{verb} INTO account_currencies (account, currency, updated_at) VALUES (?,?,?)",
                [(account, code, now) for account, code in currencies.items()],
            )

    # -- audit log: what left this machine --------------------------------------------

    def audit(self, endpoint: str, request_body: dict[str, Any], outcome: str | None, items: int) -> int:
        with self.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO audit_log (ts, endpoint, request_json, outcome, items) VALUES (?,?,?,?,?)",
                (utc_now(), endpoint, json.dumps(request_body, ensure_ascii=False), outcome, items),
            )
            return int(cursor.lastrowid or 0)

    def set_audit_outcome(self, entry_id: int, outcome: str) -> None:
        with self.connect() as conn:
            conn.execute("UPDATE audit_log SET outcome = ? WHERE id = ?", (outcome, entry_id))

    def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        with self.connect() as conn:
            return [
                AuditEntry(*row)
                for row in conn.execute(
                    "SELECT id, ts, endpoint, request_json, outcome, items FROM audit_log "
                    "ORDER BY id DESC LIMIT ?",
                    (limit,),
                )
            ]

    def audit_count(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])

    # -- taxonomy ---------------------------------------------------------------------

    def get_taxonomy(self) -> list[TaxonomyRow]:
        with self.connect() as conn:
            return [
                TaxonomyRow(name, description, kind, tuple(json.loads(aliases)))
                for name, description, kind, aliases in conn.execute(
                    "SELECT name, description, kind, aliases FROM taxonomy ORDER BY position"
                )
            ]

    def put_taxonomy(self, rows: Sequence[TaxonomyRow]) -> None:
        with self.connect() as conn:
            conn.execute("DELETE FROM taxonomy")
            conn.executemany(
                "INSERT INTO taxonomy (name, description, kind, position, aliases) VALUES (?,?,?,?,?)",
                (
                    (r.name, r.description, r.kind, n, json.dumps(list(r.aliases), ensure_ascii=False))
                    for n, r in enumerate(rows)
                ),
            )

    def dismissed_recurring(self) -> set[str]:
        with self.connect() as conn:
            return {str(r[0]) for r in conn.execute("SELECT series_key FROM recurring_dismissed")}

    def dismiss_recurring(self, series_key: str, merchant_key: str) -> None:
        """Remember that a detected series is not a subscription."""
        with self.connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO recurring_dismissed (series_key, merchant_key, dismissed_at) "
                "VALUES (?,?,?)",
                (series_key, merchant_key, utc_now()),
            )

    def restore_recurring(self, series_key: str) -> bool:
        with self.connect() as conn:
            return bool(
                conn.execute("DELETE FROM recurring_dismissed WHERE series_key = ?", (series_key,)).rowcount
            )
