"""What a categorization run reports: a progress snapshot while it runs, a report at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type only: an offline run never needs the endpoint client
    from app.categorize.endpoint_probe import EndpointStatus


@dataclass(frozen=True)
class Progress:
    """A snapshot for a progress bar; `batches_total` grows when a batch has to be split."""

    phase: str
    batches_done: int = 0
    batches_total: int = 0
    requests_sent: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    rows_written: int = 0


ProgressCallback = Callable[[Progress], None]


@dataclass
class CategorizeReport:
    endpoint: EndpointStatus | None = None
    model: str | None = None
    concurrency: int = 0
    transactions: int = 0  # rows considered (those not decided by the user)
    merchants: int = 0
    merchants_asked: int = 0  # merchant groups sent to the model
    batches: int = 0
    requests_sent: int = 0  # chat requests, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0  # merchant groups answered from the cache
    by_source: Counter[str] = field(default_factory=Counter)  # rows written, by source
    failures: Counter[str] = field(default_factory=Counter)  # reason -> merchant groups
    uncategorized: Counter[str] = field(default_factory=Counter)  # reason -> rows left NULL
    low_confidence_guesses: int = 0  # built-in guesses a model has not confirmed
    cancelled: bool = False
    stopped: str | None = None  # why the model step stopped early (a fatal endpoint error)
    elapsed_s: float = 0.0

    @property
    def needs_attention(self) -> int:
        return sum(self.uncategorized.values())

    @property
    def prompt_tokens_per_merchant(self) -> float:
        """Prompt tokens the endpoint counted per merchant asked: each request's system prompt
        is shared by the merchants of its batch; retries and re-asks included."""
        return self.prompt_tokens / self.merchants_asked if self.merchants_asked else 0.0

    @property
    def completion_tokens_per_merchant(self) -> float:
        """Answer tokens the endpoint counted per merchant asked (target: at most 8)."""
        return self.completion_tokens / self.merchants_asked if self.merchants_asked else 0.0
