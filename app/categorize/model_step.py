"""The model step of the cascade: the merchants nothing local settled, asked in batches.

Up to the endpoint's capacity of requests are in flight, each on its own daemon thread;
each batch's results are written (and cached) as soon as it returns, so a crash or cancel
loses at most the batches in flight and a re-run asks only about what is still pending.
Loaded only when a model will be asked (see `pipeline`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from queue import Empty, SimpleQueue

from app.categorize.answer import ItemAnswer, ParsedAnswer, parse_answer
from app.categorize.batching import Batch, batch_of, make_batches
from app.categorize.cache_scope import CacheEntry, CacheScope
from app.categorize.endpoint_probe import EndpointStatus, effective_concurrency
from app.categorize.examples import relevant_corrections
from app.categorize.groups import Decision, MerchantGroup, undecided
from app.categorize.llm import ChatResult, EndpointClient, LLMError, SendHooks, safe_url
from app.categorize.prompt import AnswerShape, SystemPrompt, answer_budget, build_system_prompt
from app.categorize.run_limits import UNREADABLE_REPLIES, failure_kind
from app.categorize.run_state import RunState
from app.categorize.sent_text import KEPT_ON_THIS_MACHINE, may_be_only_a_name
from app.categorize.taxonomy import Taxonomy
from app.models import CategorySource

MAX_ASKS_PER_MERCHANT = 3
"""A merchant the model keeps leaving out (or answering unreadably) is given up after this many asks."""

MAX_SPLITS = 2
"""A batch is halved at most this often (to a quarter): a server that answers garbage to
every size would otherwise be asked about each merchant alone, 2n requests for n."""

MIN_SPLIT_ITEMS = 4
"""Fewer merchants than this are re-asked together rather than halved."""

SYSTEM_PROMPT_SHARE = 0.5
"""At most this share of the token budget goes to instructions; the rest carries the batch."""

RECENT_CORRECTIONS = 6
CORRECTION_POOL = 400
"""The user's latest corrections the prompt's examples are chosen from (nearest merchants first)."""

RESULT_POLL_S = 0.25
"""How often the run's loop looks up from waiting for answers (cancel, deadline)."""


@dataclass(frozen=True)
class _Outcome:
    """What a worker thread hands back: the batch, the reply or error, the parsed answer."""

    batch: Batch
    outcome: ChatResult | LLMError
    parsed: ParsedAnswer | None


class ModelStep:
    def __init__(
        self, state: RunState, taxonomy: Taxonomy, status: EndpointStatus, model: str, scope: CacheScope
    ) -> None:
        self.state = state
        self.settings = state.settings
        self.report = state.report
        self.limits = state.limits
        self.taxonomy = taxonomy
        self.status = status
        self.model = model
        self.scope = scope
        # The shape the answers' room is sized for: compact, as asked, until the model is
        # seen answering in the long shape, which needs twice the room (see `_size_for_answers`).
        self.answer_shape: AnswerShape = "compact"

    def run(self, groups: Sequence[MerchantGroup]) -> None:
        """Ask about `groups`, except those whose text may be nothing but a person's name:
        those never leave the machine and wait for the user."""
        state = self.state
        held = [g for g in groups if may_be_only_a_name(g)]
        state.leave_unsettled(held, KEPT_ON_THIS_MACHINE, then="defer")
        to_ask = [g for g in groups if g.decision is None]
        for group in to_ask:
            if group.guess is not None:
                state.defer(group, group.guess)
        if to_ask:
            self._ask(to_ask)
        state.flush_local()

    def _ask(self, groups: list[MerchantGroup]) -> None:
        state, settings = self.state, self.settings
        corrections = relevant_corrections(
            state.store.recent_corrections(CORRECTION_POOL),
            [(g.merchant_key, g.rows) for g in groups],
            RECENT_CORRECTIONS,
        )
        system = build_system_prompt(
            self.taxonomy,
            corrections,
            send_amounts=settings.send_amounts,
            max_tokens=int(settings.batch_token_budget * SYSTEM_PROMPT_SHARE),
        )
        concurrency = effective_concurrency(settings, self.status)
        batches = make_batches(groups, system, self.taxonomy, settings, concurrency)
        self.report.merchants_asked = len(groups)
        state.batches_total = len(batches)
        self.report.concurrency = concurrency
        self.limits.set_budget(len(batches), settings.max_retries)
        client = EndpointClient(settings, self.status)
        endpoint = safe_url(settings.endpoint_url) + "/chat/completions"
        hooks = SendHooks(
            on_send=lambda body: self._on_send(endpoint, body),
            on_outcome=state.store.set_audit_outcome,
            on_error=lambda error: self.limits.failure(failure_kind(error)),
        )
        queue: list[Batch] = list(batches)
        in_flight: set[Batch] = set()
        results: SimpleQueue[_Outcome] = SimpleQueue()
        state.emit("asking the model")
        while queue or in_flight:
            while queue and len(in_flight) < concurrency and not self._halted():
                batch = queue.pop(0)
                self._size_for_answers(batch)
                for group in batch.groups:
                    group.asks += 1
                in_flight.add(batch)
                self._start_worker(client, system, batch, hooks, results)
            state.flush_local()
            if not in_flight or self._halted():
                break
            try:
                done = results.get(timeout=max(0.01, min(RESULT_POLL_S, self.limits.seconds_left())))
            except Empty:
                continue
            queue.extend(self._take(done, in_flight))
        while in_flight and not state.cancel.is_set():
            try:  # answers that arrived while the run stopped are kept, not waited for
                done = results.get_nowait()
            except Empty:
                break
            queue.extend(self._take(done, in_flight))
        if in_flight:
            # Abandoned: their daemon threads end with the request's own deadline, and any
            # answer they still get is dropped, so the rows stay pending for the next run.
            self.limits.halt.set()
        else:
            client.close()
        self.report.stopped = self.limits.stopped
        unfinished = [g for batch in queue for g in batch.groups]
        unfinished.extend(g for batch in in_flight for g in batch.groups)
        if unfinished:
            reason = (
                f"not categorized yet: {self.report.stopped}; retried on the next run"
                if self.report.stopped
                else "not categorized yet: the run was cancelled"
            )
            state.leave_unsettled(unfinished, reason, then="keep" if state.cancel.is_set() else "write")

    def _take(self, done: _Outcome, in_flight: set[Batch]) -> list[Batch]:
        """One finished batch off the in-flight set: written, and its follow-ups returned."""
        in_flight.discard(done.batch)
        follow_ups = self._handle(done.batch, done.outcome, done.parsed)
        self.state.batches_done += 1
        self.state.emit("asking the model")
        return follow_ups

    def _size_for_answers(self, batch: Batch) -> None:
        """Give a batch the room of the shape this model answers in: a model that ignores the
        compact shape would otherwise be cut off by our own `max_tokens` on every batch."""
        needed = answer_budget(len(batch.items), self.taxonomy, self.answer_shape)
        batch.max_tokens = max(batch.max_tokens, needed)

    def _halted(self) -> bool:
        """The user cancelled, or a limit stopped the run (see `RunLimits`)."""
        if self.state.cancel.is_set():
            self.limits.halt.set()
        else:
            self.limits.check_deadline()
        return self.limits.halt.is_set()

    def _start_worker(
        self,
        client: EndpointClient,
        system: SystemPrompt,
        batch: Batch,
        hooks: SendHooks,
        results: SimpleQueue[_Outcome],
    ) -> None:
        """A daemon thread per batch: one stuck on a silent server can be abandoned at the
        deadline without holding up the run, or the process at exit."""

        def work() -> None:
            outcome, parsed = self._send(client, system, batch, hooks)
            results.put(_Outcome(batch, outcome, parsed))

        threading.Thread(target=work, name="privfin-llm", daemon=True).start()

    def _on_send(self, endpoint: str, body: dict[str, object]) -> int:
        self.limits.admit_request()
        counters = self.state.counters
        with counters.lock:
            counters.requests += 1
        messages = body.get("messages")
        items = 0
        if isinstance(messages, list) and messages:
            last = messages[-1]
            content = last.get("content") if isinstance(last, dict) else None
            items = content.count('"id":') if isinstance(content, str) else 0
        return self.state.store.audit(endpoint, dict(body), "sent", items)

    def _send(
        self, client: EndpointClient, system: SystemPrompt, batch: Batch, hooks: SendHooks
    ) -> tuple[ChatResult | LLMError, ParsedAnswer | None]:
        """Worker thread: one batch, retries included; the answer is parsed here too."""
        try:
            result = client.chat(
                batch.messages(system), batch.max_tokens, cancel=self.limits.halt, hooks=hooks
            )
        except LLMError as error:
            return error, None
        except Exception as error:  # a bug or an unexpected library error must not kill the run
            return LLMError("failed", f"unexpected error ({type(error).__name__})"), None
        counters = self.state.counters
        with counters.lock:
            counters.prompt_tokens += result.prompt_tokens
            counters.completion_tokens += result.completion_tokens
        parsed = parse_answer(result.content, batch.items, self.taxonomy)
        if parsed.answers:
            self.limits.success()
        else:
            self.limits.failure(UNREADABLE_REPLIES)
        return result, parsed

    def _handle(
        self, batch: Batch, outcome: ChatResult | LLMError, parsed: ParsedAnswer | None
    ) -> list[Batch]:
        """Write what this batch settled; return the follow-up batches (splits, re-asks)."""
        self.report.batches += 1
        if isinstance(outcome, LLMError):
            return self._handle_error(batch, outcome)
        assert parsed is not None
        if parsed.shape == "long":
            self.answer_shape = "long"
        by_local_id = {item.id: group for item, group in zip(batch.items, batch.groups, strict=True)}
        decided: list[tuple[MerchantGroup, Decision]] = []
        cache_entries: list[CacheEntry] = []
        invalid: dict[str, list[MerchantGroup]] = {}
        for local_id, answer in parsed.answers.items():
            group = by_local_id[local_id]
            if answer.note is not None:
                # A name outside the taxonomy (or Income for money going out) is no answer:
                # remembering it would keep a good server from ever being asked again.
                invalid.setdefault(answer.note, []).append(group)
                continue
            decided.append((group, self._model_decision(group, answer)))
            cache_entries.append(self.scope.entry(group, answer))
        self.state.write(decided)
        if cache_entries:
            self.state.store.cache_put(cache_entries)
        for group, decision in decided:
            self.state.settle(group, decision)
        for note, failed in invalid.items():
            self._give_up(failed, note)

        missing = [by_local_id[local_id] for local_id in parsed.missing]
        if not missing:
            return []
        problem = parsed.problem or "the answer left items out"
        cut_off = outcome.finish_reason == "length" or parsed.truncated
        unreadable = not parsed.answers
        if (cut_off or unreadable) and len(missing) >= MIN_SPLIT_ITEMS and batch.splits < MAX_SPLITS:
            return self._split(missing, batch.splits)
        retry = [g for g in missing if g.asks < MAX_ASKS_PER_MERCHANT]
        self._give_up([g for g in missing if g.asks >= MAX_ASKS_PER_MERCHANT], problem)
        if not retry:
            return []
        self.state.batches_total += 1
        return [batch_of(retry, self.taxonomy, self.settings, batch.splits, self.answer_shape)]

    def _handle_error(self, batch: Batch, error: LLMError) -> list[Batch]:
        if error.kind == "cancelled":
            return [batch]  # reported as unfinished
        if error.kind == "too_long" and len(batch.groups) > 1 and batch.splits < MAX_SPLITS:
            return self._split(batch.groups, batch.splits)
        if error.kind == "fatal":
            self.limits.stop(error.message)
        self._give_up(batch.groups, error.message)
        return []

    def _split(self, groups: list[MerchantGroup], splits: int) -> list[Batch]:
        middle = (len(groups) + 1) // 2
        halves = [groups[:middle], groups[middle:]]
        batches = [
            batch_of(half, self.taxonomy, self.settings, splits + 1, self.answer_shape)
            for half in halves
            if half
        ]
        self.state.batches_total += len(batches)
        return batches

    def _give_up(self, groups: Sequence[MerchantGroup], problem: str) -> None:
        """Failed merchants keep their guess or stay NULL with the reason; retried next run."""
        if not groups:
            return
        self.report.failures[problem] += len(groups)
        self.state.leave_unsettled(groups, f"model request failed: {problem}; retried on the next run")

    def _model_decision(self, group: MerchantGroup, answer: ItemAnswer) -> Decision:
        guess = group.guess
        if answer.category is not None:
            differs = guess is not None and guess.category is not None and guess.category != answer.category
            return Decision(
                answer.category,
                CategorySource.MODEL,
                answer.confidence,
                model=self.model,
                second_opinion=f"built-in rule: {guess.category}" if differs and guess else None,
            )
        if guess is not None:
            return Decision(
                guess.category,
                guess.source,
                guess.confidence,
                reason=f"{guess.reason} (the model was unsure)",
            )
        return undecided("the model was unsure; needs you", self.model)
