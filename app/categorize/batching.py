"""Packing merchant groups into model requests, within the item cap and the token budget."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.categorize.groups import MerchantGroup
from app.categorize.prompt import (
    MESSAGE_OVERHEAD_TOKENS,
    AnswerShape,
    PromptItem,
    SystemPrompt,
    answer_budget,
    build_messages,
    item_prompt_tokens,
)
from app.categorize.sent_text import prompt_item, reads_like_instruction
from app.categorize.taxonomy import Taxonomy
from app.settings import Settings

BALANCE_EXTRA_REQUESTS = 0.05
"""At most this share of extra requests is spent on evening out the last wave of a run."""


@dataclass(eq=False)  # identity: the run tracks which batches are in flight
class Batch:
    groups: list[MerchantGroup]
    items: list[PromptItem]
    max_tokens: int
    splits: int = 0  # how often these merchants were already split off a larger batch

    def messages(self, system: SystemPrompt) -> list[dict[str, str]]:
        return build_messages(system, self.items)


def planned_batch_sizes(items: int, cap: int, concurrency: int) -> list[int]:
    """Batch sizes for `items` merchants: the fewest requests the cap allows, or up to 5 %
    more when that shortens the run.

    Requests run in waves of `concurrency`; 45 requests on 8 slots make a sixth wave of 5
    while 3 slots idle. Slightly smaller batches that fill the waves more evenly finish
    sooner for the same number of merchants. Sizes differ by at most one.
    """
    if items <= 0:
        return []
    fewest = math.ceil(items / cap)
    most = max(fewest, math.floor(fewest * (1 + BALANCE_EXTRA_REQUESTS)))
    count = min(
        range(fewest, most + 1),
        key=lambda n: (math.ceil(n / max(concurrency, 1)) * items / n, n),  # waves x average batch
    )
    base, larger = divmod(items, count)
    return [base + 1 if index < larger else base for index in range(count)]


def make_batches(
    groups: Sequence[MerchantGroup],
    system: SystemPrompt,
    taxonomy: Taxonomy,
    settings: Settings,
    concurrency: int = 1,
) -> list[Batch]:
    """Pack merchants into requests: at most `batch_max_items` each (evened out over the
    requests, see `planned_batch_sizes`), and prompt plus the answer's `max_tokens` within
    `batch_token_budget`. Text that reads like an instruction travels alone, so a crafted
    description can only ever affect its own row."""
    suspicious = [g for g in groups if reads_like_instruction(g)]
    ordinary = [g for g in groups if not reads_like_instruction(g)]
    plan = planned_batch_sizes(len(ordinary), settings.batch_max_items, concurrency)
    batches: list[Batch] = [batch_of([group], taxonomy, settings) for group in suspicious]
    current: list[MerchantGroup] = []
    current_tokens = 0
    fixed = system.tokens + MESSAGE_OVERHEAD_TOKENS
    for group in ordinary:
        # The widest id a batch can have stands in for this item's id when counting tokens.
        cost = item_prompt_tokens(prompt_item(group, str(settings.batch_max_items), settings))
        planned = len(batches) - len(suspicious)
        limit = plan[planned] if planned < len(plan) else settings.batch_max_items
        fits = (
            fixed + current_tokens + cost + answer_budget(len(current) + 1, taxonomy)
            <= settings.batch_token_budget
        )
        if current and (len(current) >= limit or not fits):
            batches.append(batch_of(current, taxonomy, settings))
            current, current_tokens = [], 0
        current.append(group)
        current_tokens += cost
    if current:
        batches.append(batch_of(current, taxonomy, settings))
    return batches


def batch_of(
    groups: list[MerchantGroup],
    taxonomy: Taxonomy,
    settings: Settings,
    splits: int = 0,
    shape: AnswerShape = "compact",
) -> Batch:
    items = [prompt_item(group, str(n), settings) for n, group in enumerate(groups, start=1)]
    return Batch(
        groups=groups, items=items, max_tokens=answer_budget(len(items), taxonomy, shape), splits=splits
    )
