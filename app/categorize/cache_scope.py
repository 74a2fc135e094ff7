"""The key a remembered model answer is stored under: merchant, taxonomy, model and prompt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.categorize.groups import MerchantGroup
from app.categorize.taxonomy import Taxonomy
from app.settings import Settings

if TYPE_CHECKING:  # the type only: a run that asks no model never loads the answer parser
    from app.categorize.answer import ItemAnswer

PROMPT_VERSION = "p3"
"""Part of every cache key: bump it whenever `prompt.py` changes what a model would answer.
Here, not in `prompt.py`, so that an offline run reads the cache without loading the prompt."""

CacheEntry = tuple[str, str, str, str, str, str, str | None, float | None]


@dataclass(frozen=True)
class CacheScope:
    """What a remembered answer depends on besides the merchant: taxonomy, model and prompt.

    Changing any of them (editing categories, switching models, a new prompt version,
    sending amounts) makes old answers miss, so the merchant is asked again.
    """

    taxonomy_version: str
    model: str
    prompt_version: str

    @classmethod
    def of(cls, taxonomy: Taxonomy, model: str, settings: Settings) -> CacheScope:
        return cls(taxonomy.version, model, PROMPT_VERSION + ("+amounts" if settings.send_amounts else ""))

    def key(self, merchant: str, direction: str) -> str:
        raw = "\x1f".join((merchant, direction, self.taxonomy_version, self.model, self.prompt_version))
        return hashlib.sha256(raw.encode()).hexdigest()[:40]

    def entry(self, group: MerchantGroup, answer: ItemAnswer) -> CacheEntry:
        return (
            self.key(group.merchant_key, group.direction),
            group.merchant_key,
            group.direction,
            self.taxonomy_version,
            self.model,
            self.prompt_version,
            answer.category,
            answer.confidence,
        )
