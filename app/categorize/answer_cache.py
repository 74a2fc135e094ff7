"""Forgetting remembered model answers: all of them, or one model's.

The cache keeps every valid answer (see `pipeline`), so a model that answered badly
before the caching rules were strict, or one the user no longer trusts, is only asked
again once its answers are forgotten. Used by Settings and `privfin cache clear`.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store import Store


@dataclass(frozen=True)
class ClearedAnswers:
    model: str | None  # None: every model
    removed: int
    models_before: dict[str, int]  # model -> remembered answers, before clearing

    def message(self) -> str:
        if self.model is not None and self.model not in self.models_before:
            known = ", ".join(self.models_before) or "none"
            return f"no remembered answers from model {self.model!r} (models with answers: {known})"
        whose = "every model" if self.model is None else f"model {self.model!r}"
        noun = "answer" if self.removed == 1 else "answers"
        return (
            f"forgot {self.removed:,} remembered {noun} of {whose}; "
            "the next run asks the model again about those merchants"
        )


def clear_answers(store: Store, model: str | None = None) -> ClearedAnswers:
    before = store.cache_models()
    return ClearedAnswers(model=model, removed=store.cache_clear(model), models_before=before)


def remembered_answers(store: Store) -> dict[str, int]:
    """Remembered answers per model, most first (what Settings lists before forgetting any)."""
    return store.cache_models()
