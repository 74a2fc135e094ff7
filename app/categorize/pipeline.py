"""The categorization cascade: user rules → the user's own history → confident built-in rules and
the learned model → cache → the built-in rules' weaker guesses → model.

Transactions are grouped by (merchant key, direction) and each group is decided once.
The first step that can decide a group wins, and every row is written with its
`source` and `confidence`; rows nothing could decide stay uncategorized (category NULL)
with the reason in `category_reason`. Where the learned model (`learned`, trained on the
user's own categories) and a built-in rule or the model disagree, the row keeps the
stronger answer and the other one in `second_opinion`, which puts it in the review queue.

The model step (`model_step`, loaded only when a model can be asked) packs many merchants
into one request (`batching`), keeps up to the endpoint's capacity of requests in flight,
and writes each batch's results to the store (and the cache) as soon as it returns.
Without a usable endpoint the built-in rules are the default and the report says which
rows still need a model or the user. The groups (`groups`) carry their own decisions;
`run_state` holds the writes and tallies the steps share.

What the cache remembers: every valid answer the model gave, an explicit null ("not
sure") included, keyed by merchant, direction, taxonomy version, model and prompt
version. At temperature 0 the same model with the same prompt gives the same null again,
so asking again is waste, and a re-run of the same statement must send nothing; a better
model, prompt or taxonomy changes the key and asks again. Failures (timeouts, errors,
unreadable or missing answers, a name outside the taxonomy) are never cached: those rows
stay pending and are retried by the next run. A run stops early at its deadline, its
request budget or its circuit breaker (see `run_limits`); what it did not reach is
retried by the next run too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.categorize.cache_scope import CacheScope
from app.categorize.endpoint_probe import EndpointStatus, model_identity, probe_endpoint
from app.categorize.groups import (
    Decision,
    MerchantGroup,
    best_builtin,
    builtin_decision,
    pending_groups,
    undecided,
)
from app.categorize.review_need import BUILTIN_TRUSTED_CONFIDENCE
from app.categorize.run_report import CategorizeReport, Progress, ProgressCallback
from app.categorize.run_state import RunState
from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import INCOME, Taxonomy, load_taxonomy
from app.models import CategorySource
from app.run_lock import categorization_run
from app.settings import Settings
from app.store import Store

if TYPE_CHECKING:  # imported where used: numpy loads only once the user has labeled something
    from app.categorize.learned import LearnedGuess

__all__ = ["CategorizeReport", "Progress", "ProgressCallback", "categorize_pending", "wait_until_ready"]

HISTORY_CONFIDENCE = 0.95
NAMES_NO_MERCHANT = "names no merchant (only booking words), nothing to ask the model; needs you"


class _Cascade:
    def __init__(self, state: RunState) -> None:
        self.state = state
        self.store = state.store
        self.settings = state.settings
        self.report = state.report

    def run(self, status: EndpointStatus | None) -> CategorizeReport:
        state = self.state
        state.emit("preparing")
        fill_merchant_keys(self.store)
        taxonomy = load_taxonomy(self.store)
        groups = pending_groups(self.store)
        self.report.merchants = len(groups)
        self.report.transactions = sum(g.rows for g in groups)
        if not groups:
            return self.finish(status)

        self._apply_user_decisions(groups)
        remaining = _unsettled(groups)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="privfin-probe") as background:
            # The endpoint check is two or three requests, each a round trip to a cluster that
            # may be a continent away; it waits on the network while the local rules run here
            # (no store access, no shared state but the progress callback's lock).
            probing = background.submit(self._endpoint_status) if remaining and status is None else None
            for group in remaining:
                group.builtin = best_builtin(group, taxonomy)
            self._apply_builtin_and_learned(remaining, taxonomy)
            remaining = _unsettled(remaining)
            if probing is not None:
                status = probing.result()  # bounded: the probe's own deadline and retry budget
        model = model_identity(self.settings, status)
        self.report.model = model
        scope = CacheScope.of(taxonomy, model, self.settings)
        self._apply_cache(remaining, taxonomy, scope)
        remaining = _unsettled(remaining)

        for group in groups:
            if group.decision is not None:
                state.defer(group, group.decision)
                state.settle(group, group.decision)
        for group in remaining:
            if group.builtin is not None:
                group.guess = builtin_decision(group.builtin)
        state.leave_unsettled(
            [g for g in remaining if g.names_no_merchant()], NAMES_NO_MERCHANT, then="defer"
        )
        to_ask = _unsettled(remaining)

        if (
            to_ask
            and status is not None
            and status.ready
            and not self.settings.offline
            and not state.cancel.is_set()
        ):
            # Here, not at the top: the prompt, the redaction gate and the answer parser are
            # loaded only by a run that will ask a model. The person-name check is there too:
            # it guards only what would leave the machine, so a run that sends nothing skips
            # it (a third of an offline run on a long-tail ledger) and the next one asks.
            from app.categorize.model_step import ModelStep

            ModelStep(state, taxonomy, status, model, scope).run(to_ask)
            return self.finish(status)
        for group in to_ask:
            if group.guess is not None:
                state.defer(group, group.guess)
        state.flush_local()
        state.leave_unsettled(to_ask, self._no_model_reason(status))
        return self.finish(status)

    def finish(self, status: EndpointStatus | None) -> CategorizeReport:
        report, counters = self.report, self.state.counters
        report.endpoint = status
        report.requests_sent = counters.requests
        report.prompt_tokens = counters.prompt_tokens
        report.completion_tokens = counters.completion_tokens
        report.cancelled = self.state.cancel.is_set()
        report.elapsed_s = time.monotonic() - self.state.started
        self.state.emit("cancelled" if report.cancelled else "done")
        return report

    def _endpoint_status(self) -> EndpointStatus:
        self.state.emit("checking the endpoint")
        return wait_until_ready(self.settings, self.state.cancel)

    def _no_model_reason(self, status: EndpointStatus | None) -> str:
        if self.settings.offline:
            return "needs a model or you: offline mode is on"
        if self.state.cancel.is_set():
            return "not categorized yet: the run was cancelled"
        if status is None:
            return "needs a model or you: no endpoint configured"
        return f"needs a model or you: {status.reason or 'the endpoint is not ready'}"

    def _apply_user_decisions(self, groups: Sequence[MerchantGroup]) -> None:
        rules = {(r.merchant_key, r.direction): r.category for r in self.store.rules()}
        history = self.store.user_history()
        for group in groups:
            category = rules.get((group.merchant_key, group.direction)) or rules.get(
                (group.merchant_key, None)
            )
            if category is not None:
                group.decision = Decision(category, CategorySource.RULE, 1.0, reason="your rule")
                continue
            remembered = history.get((group.merchant_key, group.direction))
            if remembered is not None:
                group.decision = Decision(
                    remembered,
                    CategorySource.HISTORY,
                    HISTORY_CONFIDENCE,
                    reason="as you categorized this merchant before",
                )

    def _apply_builtin_and_learned(self, groups: Sequence[MerchantGroup], taxonomy: Taxonomy) -> None:
        """A confident built-in match is final; otherwise the learned model's earned answer is.

        The learned model is trained here, on whatever the ledger holds now, so every import
        and every correction since the last run counts. When the two disagree the row keeps
        the stronger answer and goes to review with the other as its second opinion.
        """
        for group, guess in zip(groups, _learned_guesses(self.store, groups, taxonomy), strict=True):
            builtin = group.builtin
            if builtin is not None and builtin.confidence >= BUILTIN_TRUSTED_CONFIDENCE:
                decision = builtin_decision(builtin)
                if guess is not None and guess.category != builtin.category:
                    decision.second_opinion = f"learned from your categories: {guess.category}"
                group.decision = decision
            elif guess is not None:
                group.decision = Decision(
                    guess.category,
                    CategorySource.LEARNED,
                    guess.confidence,
                    reason=guess.reason,
                    second_opinion=f"built-in rule: {builtin.category}"
                    if builtin is not None and builtin.category != guess.category
                    else None,
                )

    def _apply_cache(self, groups: Sequence[MerchantGroup], taxonomy: Taxonomy, scope: CacheScope) -> None:
        keys = [scope.key(g.merchant_key, g.direction) for g in groups]
        found = self.store.cache_get(keys)
        for group, key in zip(groups, keys, strict=True):
            hit = found.get(key)
            if hit is None:
                continue
            self.report.cache_hits += 1
            if hit.category is not None and hit.category in taxonomy.names:
                group.decision = Decision(
                    hit.category,
                    CategorySource.CACHE,
                    hit.confidence,
                    reason="remembered model answer",
                    model=scope.model,
                )
            elif hit.category is None:
                # The model already said it is unsure; asking again with the same prompt is waste.
                builtin = group.builtin
                group.decision = (
                    Decision(
                        builtin.category,
                        CategorySource.BUILTIN,
                        builtin.confidence,
                        reason=f"built-in rule: {builtin.rule} (the model was unsure)",
                    )
                    if builtin is not None
                    else undecided("the model was unsure; needs you")
                )


def _unsettled(groups: Sequence[MerchantGroup]) -> list[MerchantGroup]:
    return [g for g in groups if g.decision is None]


def _learned_guesses(
    store: Store, groups: Sequence[MerchantGroup], taxonomy: Taxonomy
) -> list[LearnedGuess | None]:
    """The learned model's earned answer for each merchant (none while it has too few labels)."""
    nothing: list[LearnedGuess | None] = [None] * len(groups)
    labels = store.labeled_rows() if groups else []
    if not labels:
        return nothing
    # Here, not at the top: numpy is loaded only once the user has labeled something.
    from app.categorize.learned import LearnedModel

    model = LearnedModel(labels)
    if not model.answers:
        return nothing
    guesses = model.guess_many([g.learned_example() for g in groups])
    return [
        guess
        if guess is not None
        and guess.category in taxonomy.names
        and not (guess.category == INCOME and group.direction == "out")  # as the model's answers
        else None
        for group, guess in zip(groups, guesses, strict=True)
    ]


def wait_until_ready(settings: Settings, cancel: threading.Event | None = None) -> EndpointStatus:
    """Probe; while a reachable cluster is still warming up, poll again with backoff."""
    status = probe_endpoint(settings)
    for attempt in range(settings.max_retries):
        if status.ready or not status.reachable or status.kind != "parallax" or status.offline:
            return status
        delay = min(settings.backoff_max_s, settings.backoff_base_s * (2**attempt))
        if cancel is not None and cancel.wait(delay):
            return status
        if cancel is None:
            time.sleep(delay)
        status = probe_endpoint(settings)
    return status


def categorize_pending(
    store: Store,
    settings: Settings,
    *,
    cancel: threading.Event | None = None,
    progress: ProgressCallback | None = None,
    status: EndpointStatus | None = None,
) -> CategorizeReport:
    """Categorize every transaction not decided by the user; safe to call again to resume.

    `status` skips the endpoint probe (the caller already has one). Runs in the calling
    thread (the dashboard runs it in a background thread and polls `progress`); `cancel`
    stops it between batches.
    """
    with categorization_run(store.path):  # an import is never removed under a run (app.run_lock)
        return _Cascade(RunState(store, settings, cancel or threading.Event(), progress)).run(status)
