"""The categorization cascade: user rules → the user's own history → confident built-in rules and
the learned model → cache → the built-in rules' weaker guesses → model.

Transactions are grouped by (merchant key, direction) and each group is decided once.
The first step that can decide a group wins, and every row is written with its
`source` and `confidence`; rows nothing could decide stay uncategorized (category NULL)
with the reason in `category_reason`. Where the learned model (`learned`, trained on the
user's own categories) and a built-in rule or the model disagree, the row keeps the
stronger answer and the other one in `second_opinion`, which puts it in the review queue.

The model step packs many merchants into one request (bounded by `batch_max_items` and
`batch_token_budget`), keeps up to the endpoint's capacity of requests in flight, and
writes each batch's results to the store (and the cache) as soon as it returns, so a
crash or cancel loses at most the batches in flight and a re-run asks only about the
merchants still pending. Without a usable endpoint the built-in rules are the default
and the report says which rows still need a model or the user.

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

import hashlib
import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from app.categorize.answer import ItemAnswer, ParsedAnswer, parse_answer
from app.categorize.builtin_rules import BuiltinMatch, builtin_category
from app.categorize.examples import relevant_corrections
from app.categorize.llm import (
    ChatResult,
    EndpointClient,
    EndpointStatus,
    LLMError,
    SendHooks,
    effective_concurrency,
    model_identity,
    probe_endpoint,
    safe_url,
)
from app.categorize.merchant import merchant_name
from app.categorize.prompt import (
    MESSAGE_OVERHEAD_TOKENS,
    PROMPT_VERSION,
    AnswerShape,
    PromptItem,
    SystemPrompt,
    answer_budget,
    build_messages,
    build_system_prompt,
    clip_text,
    item_prompt_tokens,
    looks_like_instruction,
)
from app.categorize.redact import (
    NAME,
    names_a_person,
    normalise_text,
    nothing_but_a_person,
    redact,
    redact_derived,
)
from app.categorize.review_need import BUILTIN_TRUSTED_CONFIDENCE
from app.categorize.run_limits import UNREADABLE_REPLIES, RunLimits, failure_kind
from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import INCOME, Taxonomy, load_taxonomy
from app.models import CategorySource, Direction, Transaction, direction_of
from app.money import round_to_cents
from app.settings import Settings
from app.store import CategoryUpdate, Store

if TYPE_CHECKING:  # imported where used: numpy loads only once the user has labeled something
    from app.categorize.learned import Example, LearnedGuess

HISTORY_CONFIDENCE = 0.95
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

KEPT_ON_THIS_MACHINE = "may be a person's name, so it was not sent to the model; needs you"
NO_MERCHANT_GROUP = "#"  # + the row's id: the group of one row whose text names no merchant
NAMES_NO_MERCHANT = "names no merchant (only booking words), nothing to ask the model; needs you"


# -- progress and report ------------------------------------------------------------------


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


ProgressCallback = Callable[[Progress], None]


# -- merchant groups ------------------------------------------------------------------------


@dataclass
class MerchantGroup:
    """All pending rows of one merchant in one direction: decided together, asked about once."""

    merchant_key: str
    direction: Direction
    transactions: list[Transaction]
    builtin: BuiltinMatch | None = None
    asks: int = 0
    _prompt_text: str | None = field(default=None, repr=False)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.transactions]

    def prompt_text(self) -> str:
        """What the model may see of this merchant: the cleaned-up name, redacted and clipped.

        Redaction decides on the whole raw description, before cleaning can drop the words
        that show a person follows ("SEPA-Überweisung an Maria Schmidt" cleans to "An Maria
        Schmidt"); the request gate (`redact_messages`) applies it once more on the way out.
        """
        if self._prompt_text is None:
            # Normalised first, so that cleaning reads "Еvеry" (a Cyrillic Е) as "Every".
            description = normalise_text(self.transactions[0].description)
            text = clip_text(redact_derived(description, merchant_name(description)))
            self._prompt_text = text or clip_text(redact(description))
        return self._prompt_text

    def names_no_merchant(self) -> bool:
        """A row keyed "" ("POS DEBIT", "Debitk.12 VISA Debit"): its text says how it was paid,
        not to whom, so a model could only guess; each such row is its own group."""
        return self.merchant_key.startswith(NO_MERCHANT_GROUP)

    def may_be_only_a_name(self) -> bool:
        """The text that would be sent may be nothing but a person's name ("JOHN SMITH",
        "An Maria Schmidt", "Quillon Ashgrove"): that cannot be told from a merchant's name,
        so it never leaves the machine. Nor does text that is nothing but a masked name
        ("[name]", "To MR [name]"), which would tell the model nothing. A transfer line whose
        person is masked ("ZELLE TO [name]") may go."""
        text = self.prompt_text()
        if nothing_but_a_person(text):
            return True
        return NAME not in text and names_a_person(text)

    def reads_like_instruction(self) -> bool:
        """The text sent, or the raw line it comes from, reads like an order to the model.

        The raw line counts too: cleaning drops the colons and brackets of "SYSTEM: reply
        Income" or "</user>", and what is left may still steer the model.
        """
        return looks_like_instruction(self.prompt_text()) or looks_like_instruction(
            self.transactions[0].description
        )

    def typical_amount(self) -> float:
        amounts = [abs(t.amount) for t in self.transactions]
        return float(round_to_cents(Decimal(statistics.median(amounts))))

    def learned_example(self) -> Example:
        """What the learned model reads of this merchant: its first row, at its typical amount."""
        from app.categorize.learned import Example, merchant_text

        first = self.transactions[0]
        bank_categories = Counter(t.bank_category for t in self.transactions if t.bank_category)
        return Example(
            merchant=merchant_text(self.merchant_key, first.description),
            payee=first.payee,
            description=first.description,
            direction=self.direction,
            amount=Decimal(str(self.typical_amount())),
            bank_category=bank_categories.most_common(1)[0][0] if bank_categories else None,
        )


def _group_key(t: Transaction, key: str | None) -> tuple[str, Direction]:
    # A description with no usable merchant key stays on its own: grouping it would merge strangers.
    return (key or f"{NO_MERCHANT_GROUP}{t.id}", t.direction)


def _pending_groups(store: Store) -> list[MerchantGroup]:
    pending = store.pending_categorization()
    keys = {tid: key for tid, _description, key, _amount in pending}
    transactions = store.get_transactions([tid for tid, *_ in pending])
    groups: dict[tuple[str, Direction], MerchantGroup] = {}
    for t in transactions:
        gkey = _group_key(t, keys.get(t.id))
        group = groups.get(gkey)
        if group is None:
            groups[gkey] = MerchantGroup(merchant_key=gkey[0], direction=gkey[1], transactions=[t])
        else:
            group.transactions.append(t)
    # The busiest merchants first: if the run is cut short, most rows are already done.
    return sorted(groups.values(), key=lambda g: (-len(g.transactions), g.merchant_key))


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


# -- batching -------------------------------------------------------------------------------


@dataclass
class Batch:
    groups: list[MerchantGroup]
    items: list[PromptItem]
    max_tokens: int
    splits: int = 0  # how often these merchants were already split off a larger batch

    def messages(self, system: SystemPrompt) -> list[dict[str, str]]:
        return build_messages(system, self.items)


def _item(group: MerchantGroup, local_id: str, settings: Settings) -> PromptItem:
    return PromptItem(
        id=local_id,
        text=group.prompt_text(),
        direction=group.direction,
        amount=group.typical_amount() if settings.send_amounts else None,
    )


BALANCE_EXTRA_REQUESTS = 0.05
"""At most this share of extra requests is spent on evening out the last wave of a run."""


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
    suspicious = [g for g in groups if g.reads_like_instruction()]
    ordinary = [g for g in groups if not g.reads_like_instruction()]
    plan = planned_batch_sizes(len(ordinary), settings.batch_max_items, concurrency)
    batches: list[Batch] = [_batch([group], taxonomy, settings) for group in suspicious]
    current: list[MerchantGroup] = []
    current_tokens = 0
    fixed = system.tokens + MESSAGE_OVERHEAD_TOKENS
    for group in ordinary:
        # The widest id a batch can have stands in for this item's id when counting tokens.
        cost = item_prompt_tokens(_item(group, str(settings.batch_max_items), settings))
        planned = len(batches) - len(suspicious)
        limit = plan[planned] if planned < len(plan) else settings.batch_max_items
        fits = (
            fixed + current_tokens + cost + answer_budget(len(current) + 1, taxonomy)
            <= settings.batch_token_budget
        )
        if current and (len(current) >= limit or not fits):
            batches.append(_batch(current, taxonomy, settings))
            current, current_tokens = [], 0
        current.append(group)
        current_tokens += cost
    if current:
        batches.append(_batch(current, taxonomy, settings))
    return batches


def _batch(
    groups: list[MerchantGroup],
    taxonomy: Taxonomy,
    settings: Settings,
    splits: int = 0,
    shape: AnswerShape = "compact",
) -> Batch:
    items = [_item(group, str(n), settings) for n, group in enumerate(groups, start=1)]
    return Batch(
        groups=groups, items=items, max_tokens=answer_budget(len(items), taxonomy, shape), splits=splits
    )


# -- the run --------------------------------------------------------------------------------


@dataclass
class _Decision:
    category: str | None
    source: CategorySource | None
    confidence: float | None
    reason: str | None = None
    model: str | None = None
    second_opinion: str | None = None


@dataclass(frozen=True)
class _Outcome:
    """What a worker thread hands back: the batch, the reply or error, the parsed answer."""

    batch: Batch
    outcome: ChatResult | LLMError
    parsed: ParsedAnswer | None


RESULT_POLL_S = 0.25
"""How often the run's loop looks up from waiting for answers (cancel, deadline)."""


class _Counters:
    """Shared between worker threads (audit hooks) and the main loop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0


def _updates(group: MerchantGroup, decision: _Decision) -> list[CategoryUpdate]:
    return [
        CategoryUpdate(
            transaction_id=tid,
            category=decision.category,
            source=decision.source,
            confidence=decision.confidence,
            reason=decision.reason,
            model=decision.model,
            second_opinion=decision.second_opinion,
        )
        for tid in group.ids
    ]


class _Run:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        cancel: threading.Event,
        progress: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.cancel = cancel
        self.progress_cb = progress
        self.report = CategorizeReport()
        self.counters = _Counters()
        self.batches_done = 0
        self.batches_total = 0
        self.rows_written = 0
        self.started = time.monotonic()
        self.limits = RunLimits(
            deadline_s=settings.run_deadline_s, breaker_failures=settings.breaker_failures
        )
        self._deferred: list[tuple[MerchantGroup, _Decision]] = []
        self._scope: CacheScope | None = None
        # The shape the answers' room is sized for: compact, as asked, until the model is
        # seen answering in the long shape, which needs twice the room (see `_size_for_answers`).
        self.answer_shape: AnswerShape = "compact"

    # progress ----------------------------------------------------------------------------

    def emit(self, phase: str) -> None:
        if self.progress_cb is None:
            return
        with self.counters.lock:
            snapshot = Progress(
                phase=phase,
                batches_done=self.batches_done,
                batches_total=self.batches_total,
                requests_sent=self.counters.requests,
                cache_hits=self.report.cache_hits,
                prompt_tokens=self.counters.prompt_tokens,
                completion_tokens=self.counters.completion_tokens,
                rows_written=self.rows_written,
            )
        self.progress_cb(snapshot)

    # writing -----------------------------------------------------------------------------

    def write(self, decided: Iterable[tuple[MerchantGroup, _Decision]]) -> None:
        """One store transaction for a set of decisions (rows set by the user are never touched)."""
        updates: list[CategoryUpdate] = []
        for group, decision in decided:
            updates.extend(_updates(group, decision))
        if not updates:
            return
        self.rows_written += self.store.apply_category_updates(updates)

    def flush_local(self) -> None:
        """Write the decisions made without the model (once)."""
        if self._deferred:
            self.write(self._deferred)
            self._deferred = []
            self.emit("decided locally")

    @property
    def scope(self) -> CacheScope:
        if self._scope is None:
            raise RuntimeError("the cache scope is known only once the model is")
        return self._scope

    def tally(self, group: MerchantGroup, decision: _Decision) -> None:
        rows = len(group.transactions)
        if decision.category is None:
            self.report.uncategorized[decision.reason or "no category"] += rows
        else:
            self.report.by_source[decision.source.value if decision.source else "none"] += rows

    # the cascade -------------------------------------------------------------------------

    def run(self, status: EndpointStatus | None) -> CategorizeReport:
        self.emit("preparing")
        fill_merchant_keys(self.store)
        taxonomy = load_taxonomy(self.store)
        groups = _pending_groups(self.store)
        self.report.merchants = len(groups)
        self.report.transactions = sum(len(g.transactions) for g in groups)
        if not groups:
            return self.finish(status)

        final: dict[int, _Decision] = {}  # id(group) -> decision already decided
        self._apply_user_decisions(groups, final)
        remaining = [g for g in groups if id(g) not in final]

        if remaining and status is None:
            status = self._endpoint_status()
        model = model_identity(self.settings, status)
        self.report.model = model
        self._scope = CacheScope.of(taxonomy, model, self.settings)

        for group in remaining:
            group.builtin = _best_builtin(group, taxonomy)
        self._apply_builtin_and_learned(remaining, final, taxonomy)
        remaining = [g for g in remaining if id(g) not in final]

        self._apply_cache(remaining, final, taxonomy, model)
        remaining = [g for g in remaining if id(g) not in final]

        tentative: dict[int, _Decision] = {}
        for group in remaining:
            if group.builtin is not None:
                tentative[id(group)] = _builtin_decision(group.builtin)
        # The name check guards only what would leave the machine: a run that can send
        # nothing (offline, no endpoint) skips it (a third of an offline run's time on a
        # long-tail ledger), and those rows stay pending for the next run that can ask.
        can_ask = status is not None and status.ready and not self.settings.offline
        for group in remaining:
            if id(group) in final:
                continue
            if group.names_no_merchant():
                final[id(group)] = self._fallback(group, tentative, NAMES_NO_MERCHANT)
            elif can_ask and group.may_be_only_a_name():
                final[id(group)] = self._fallback(group, tentative, KEPT_ON_THIS_MACHINE)
        to_ask = [g for g in remaining if id(g) not in final]

        # Everything known without the model lands in one transaction: right after the first
        # requests are on their way (the cluster need not wait for our disk), before any
        # model answer, so a crash during the model step keeps it.
        local = [(g, final[id(g)]) for g in groups if id(g) in final]
        self._deferred = local + [(g, tentative[id(g)]) for g in to_ask if id(g) in tentative]
        for group in groups:
            if id(group) in final:
                self.tally(group, final[id(group)])

        asked = False
        if to_ask and can_ask and status is not None and not self.cancel.is_set():
            self._ask_model(to_ask, tentative, taxonomy, status, model)
            asked = True
        self.flush_local()
        if to_ask and not asked:
            reason = self._no_model_reason(status)
            leftovers = [(g, self._fallback(g, tentative, reason)) for g in to_ask]
            self.write((g, d) for g, d in leftovers if d.category is None)
            for group, decision in leftovers:
                self.tally(group, decision)
        return self.finish(status)

    def finish(self, status: EndpointStatus | None) -> CategorizeReport:
        report = self.report
        report.endpoint = status
        report.requests_sent = self.counters.requests
        report.prompt_tokens = self.counters.prompt_tokens
        report.completion_tokens = self.counters.completion_tokens
        report.cancelled = self.cancel.is_set()
        report.elapsed_s = time.monotonic() - self.started
        self.emit("cancelled" if report.cancelled else "done")
        return report

    def _endpoint_status(self) -> EndpointStatus:
        self.emit("checking the endpoint")
        return wait_until_ready(self.settings, self.cancel)

    def _no_model_reason(self, status: EndpointStatus | None) -> str:
        if self.settings.offline:
            return "needs a model or you: offline mode is on"
        if self.cancel.is_set():
            return "not categorized yet: the run was cancelled"
        if status is None:
            return "needs a model or you: no endpoint configured"
        return f"needs a model or you: {status.reason or 'the endpoint is not ready'}"

    def _fallback(self, group: MerchantGroup, tentative: dict[int, _Decision], reason: str) -> _Decision:
        guess = tentative.get(id(group))
        if guess is not None:
            self.report.low_confidence_guesses += len(group.transactions)
            return guess
        return _Decision(None, None, None, reason=reason)

    def _apply_user_decisions(self, groups: Sequence[MerchantGroup], final: dict[int, _Decision]) -> None:
        rules = {(r.merchant_key, r.direction): r.category for r in self.store.rules()}
        history = _user_history(self.store)
        for group in groups:
            category = rules.get((group.merchant_key, group.direction)) or rules.get(
                (group.merchant_key, None)
            )
            if category is not None:
                final[id(group)] = _Decision(category, CategorySource.RULE, 1.0, reason="your rule")
                continue
            remembered = history.get((group.merchant_key, group.direction))
            if remembered is not None:
                final[id(group)] = _Decision(
                    remembered,
                    CategorySource.HISTORY,
                    HISTORY_CONFIDENCE,
                    reason="as you categorized this merchant before",
                )

    def _apply_builtin_and_learned(
        self, groups: Sequence[MerchantGroup], final: dict[int, _Decision], taxonomy: Taxonomy
    ) -> None:
        """A confident built-in match is final; otherwise the learned model's earned answer is.

        The learned model is trained here, on whatever the ledger holds now, so every import
        and every correction since the last run counts. When the two disagree the row keeps
        the stronger answer and goes to review with the other as its second opinion.
        """
        guesses = _learned_guesses(self.store, groups, taxonomy)
        for group in groups:
            guess = guesses.get(id(group))
            builtin = group.builtin
            if builtin is not None and builtin.confidence >= BUILTIN_TRUSTED_CONFIDENCE:
                decision = _builtin_decision(builtin)
                if guess is not None and guess.category != builtin.category:
                    decision.second_opinion = f"learned from your categories: {guess.category}"
                final[id(group)] = decision
            elif guess is not None:
                final[id(group)] = _Decision(
                    guess.category,
                    CategorySource.LEARNED,
                    guess.confidence,
                    reason=guess.reason,
                    second_opinion=f"built-in rule: {builtin.category}"
                    if builtin is not None and builtin.category != guess.category
                    else None,
                )

    def _apply_cache(
        self, groups: Sequence[MerchantGroup], final: dict[int, _Decision], taxonomy: Taxonomy, model: str
    ) -> None:
        keys = {id(g): self.scope.key(g.merchant_key, g.direction) for g in groups}
        found = self.store.cache_get(list(keys.values()))
        for group in groups:
            hit = found.get(keys[id(group)])
            if hit is None:
                continue
            self.report.cache_hits += 1
            if hit.category is not None and hit.category in taxonomy.names:
                final[id(group)] = _Decision(
                    hit.category,
                    CategorySource.CACHE,
                    hit.confidence,
                    reason="remembered model answer",
                    model=model,
                )
            elif hit.category is None:
                # The model already said it is unsure; asking again with the same prompt is waste.
                builtin = group.builtin
                final[id(group)] = (
                    _Decision(
                        builtin.category,
                        CategorySource.BUILTIN,
                        builtin.confidence,
                        reason=f"built-in rule: {builtin.rule} (the model was unsure)",
                    )
                    if builtin is not None
                    else _Decision(None, None, None, reason="the model was unsure; needs you")
                )

    # the model step ----------------------------------------------------------------------

    def _ask_model(
        self,
        groups: list[MerchantGroup],
        tentative: dict[int, _Decision],
        taxonomy: Taxonomy,
        status: EndpointStatus,
        model: str,
    ) -> None:
        settings = self.settings
        corrections = relevant_corrections(
            self.store.recent_corrections(CORRECTION_POOL),
            [(g.merchant_key, len(g.transactions)) for g in groups],
            RECENT_CORRECTIONS,
        )
        system = build_system_prompt(
            taxonomy,
            corrections,
            send_amounts=settings.send_amounts,
            max_tokens=int(settings.batch_token_budget * SYSTEM_PROMPT_SHARE),
        )
        concurrency = effective_concurrency(settings, status)
        batches = make_batches(groups, system, taxonomy, settings, concurrency)
        self.report.merchants_asked = len(groups)
        self.batches_total = len(batches)
        self.report.concurrency = concurrency
        self.limits.set_budget(len(batches), settings.max_retries)
        client = EndpointClient(settings, status)
        endpoint = safe_url(settings.endpoint_url) + "/chat/completions"
        hooks = SendHooks(
            on_send=lambda body: self._on_send(endpoint, body),
            on_outcome=self.store.set_audit_outcome,
            on_error=lambda error: self.limits.failure(failure_kind(error)),
        )
        queue: list[Batch] = list(batches)
        in_flight: dict[int, Batch] = {}
        results: SimpleQueue[_Outcome] = SimpleQueue()
        self.emit("asking the model")
        while queue or in_flight:
            while queue and len(in_flight) < concurrency and not self._halted():
                batch = queue.pop(0)
                self._size_for_answers(batch, taxonomy)
                for group in batch.groups:
                    group.asks += 1
                in_flight[id(batch)] = batch
                self._start_worker(client, system, batch, taxonomy, hooks, results)
            self.flush_local()
            if not in_flight or self._halted():
                break
            try:
                done = results.get(timeout=max(0.01, min(RESULT_POLL_S, self.limits.seconds_left())))
            except Empty:
                continue
            queue.extend(self._take(done, in_flight, system, tentative, taxonomy, model))
        while in_flight and not self.cancel.is_set():
            try:  # answers that arrived while the run stopped are kept, not waited for
                done = results.get_nowait()
            except Empty:
                break
            queue.extend(self._take(done, in_flight, system, tentative, taxonomy, model))
        if in_flight:
            # Abandoned: their daemon threads end with the request's own deadline, and any
            # answer they still get is dropped, so the rows stay pending for the next run.
            self.limits.halt.set()
        else:
            client.close()
        self.report.stopped = self.limits.stopped
        unfinished = [g for batch in queue for g in batch.groups]
        unfinished.extend(g for batch in in_flight.values() for g in batch.groups)
        if unfinished:
            reason = (
                f"not categorized yet: {self.report.stopped}; retried on the next run"
                if self.report.stopped
                else "not categorized yet: the run was cancelled"
            )
            leftovers = [(g, self._fallback(g, tentative, reason)) for g in unfinished]
            if not self.cancel.is_set():
                self.write((g, d) for g, d in leftovers if d.category is None)
            for group, decision in leftovers:
                self.tally(group, decision)

    def _take(
        self,
        done: _Outcome,
        in_flight: dict[int, Batch],
        system: SystemPrompt,
        tentative: dict[int, _Decision],
        taxonomy: Taxonomy,
        model: str,
    ) -> list[Batch]:
        """One finished batch off the in-flight list: written, and its follow-ups returned."""
        batch = in_flight.pop(id(done.batch))
        follow_ups = self._handle(batch, done.outcome, done.parsed, system, tentative, taxonomy, model)
        self.batches_done += 1
        self.emit("asking the model")
        return follow_ups

    def _size_for_answers(self, batch: Batch, taxonomy: Taxonomy) -> None:
        """Give a batch the room of the shape this model answers in: a model that ignores the
        compact shape would otherwise be cut off by our own `max_tokens` on every batch."""
        needed = answer_budget(len(batch.items), taxonomy, self.answer_shape)
        batch.max_tokens = max(batch.max_tokens, needed)

    def _halted(self) -> bool:
        """The user cancelled, or a limit stopped the run (see `RunLimits`)."""
        if self.cancel.is_set():
            self.limits.halt.set()
        else:
            self.limits.check_deadline()
        return self.limits.halt.is_set()

    def _start_worker(
        self,
        client: EndpointClient,
        system: SystemPrompt,
        batch: Batch,
        taxonomy: Taxonomy,
        hooks: SendHooks,
        results: SimpleQueue[_Outcome],
    ) -> None:
        """A daemon thread per batch: one stuck on a silent server can be abandoned at the
        deadline without holding up the run, or the process at exit."""

        def work() -> None:
            outcome, parsed = self._send(client, system, batch, taxonomy, hooks)
            results.put(_Outcome(batch, outcome, parsed))

        threading.Thread(target=work, name="privfin-llm", daemon=True).start()

    def _on_send(self, endpoint: str, body: dict[str, object]) -> int:
        self.limits.admit_request()
        with self.counters.lock:
            self.counters.requests += 1
        messages = body.get("messages")
        items = 0
        if isinstance(messages, list) and messages:
            last = messages[-1]
            content = last.get("content") if isinstance(last, dict) else None
            items = content.count('"id":') if isinstance(content, str) else 0
        return self.store.audit(endpoint, dict(body), "sent", items)

    def _send(
        self,
        client: EndpointClient,
        system: SystemPrompt,
        batch: Batch,
        taxonomy: Taxonomy,
        hooks: SendHooks,
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
        with self.counters.lock:
            self.counters.prompt_tokens += result.prompt_tokens
            self.counters.completion_tokens += result.completion_tokens
        parsed = parse_answer(result.content, batch.items, taxonomy)
        if parsed.answers:
            self.limits.success()
        else:
            self.limits.failure(UNREADABLE_REPLIES)
        return result, parsed

    def _handle(
        self,
        batch: Batch,
        outcome: ChatResult | LLMError,
        parsed: ParsedAnswer | None,
        system: SystemPrompt,
        tentative: dict[int, _Decision],
        taxonomy: Taxonomy,
        model: str,
    ) -> list[Batch]:
        """Write what this batch settled; return the follow-up batches (splits, re-asks)."""
        self.report.batches += 1
        if isinstance(outcome, LLMError):
            return self._handle_error(batch, outcome, tentative, taxonomy)
        assert parsed is not None
        if parsed.shape == "long":
            self.answer_shape = "long"
        by_local_id = {item.id: group for item, group in zip(batch.items, batch.groups, strict=True)}
        decided: list[tuple[MerchantGroup, _Decision]] = []
        cache_entries: list[CacheEntry] = []
        invalid: dict[str, list[MerchantGroup]] = {}
        for local_id, answer in parsed.answers.items():
            group = by_local_id[local_id]
            if answer.note is not None:
                # A name outside the taxonomy (or Income for money going out) is no answer:
                # remembering it would keep a good server from ever being asked again.
                invalid.setdefault(answer.note, []).append(group)
                continue
            decided.append((group, self._model_decision(group, answer, tentative, model)))
            cache_entries.append(self.scope.entry(group, answer))
        self.write(decided)
        if cache_entries:
            self.store.cache_put(cache_entries)
        for group, decision in decided:
            self.tally(group, decision)
        for note, failed in invalid.items():
            self._give_up(failed, note, tentative)

        missing = [by_local_id[local_id] for local_id in parsed.missing]
        if not missing:
            return []
        problem = parsed.problem or "the answer left items out"
        cut_off = outcome.finish_reason == "length" or parsed.truncated
        unreadable = not parsed.answers
        if (cut_off or unreadable) and len(missing) >= MIN_SPLIT_ITEMS and batch.splits < MAX_SPLITS:
            return self._split(missing, taxonomy, batch.splits)
        retry = [g for g in missing if g.asks < MAX_ASKS_PER_MERCHANT]
        self._give_up([g for g in missing if g.asks >= MAX_ASKS_PER_MERCHANT], problem, tentative)
        if not retry:
            return []
        self.batches_total += 1
        return [_batch(retry, taxonomy, self.settings, batch.splits, self.answer_shape)]

    def _handle_error(
        self, batch: Batch, error: LLMError, tentative: dict[int, _Decision], taxonomy: Taxonomy
    ) -> list[Batch]:
        if error.kind == "cancelled":
            return [batch]  # reported as unfinished
        if error.kind == "too_long" and len(batch.groups) > 1 and batch.splits < MAX_SPLITS:
            return self._split(batch.groups, taxonomy, batch.splits)
        if error.kind == "fatal":
            self.limits.stop(error.message)
        self._give_up(batch.groups, error.message, tentative)
        return []

    def _split(self, groups: list[MerchantGroup], taxonomy: Taxonomy, splits: int) -> list[Batch]:
        middle = (len(groups) + 1) // 2
        halves = [groups[:middle], groups[middle:]]
        batches = [
            _batch(half, taxonomy, self.settings, splits + 1, self.answer_shape) for half in halves if half
        ]
        self.batches_total += len(batches)
        return batches

    def _give_up(
        self, groups: Sequence[MerchantGroup], problem: str, tentative: dict[int, _Decision]
    ) -> None:
        """Failed merchants keep their guess or stay NULL with the reason; retried next run."""
        if not groups:
            return
        reason = f"model request failed: {problem}; retried on the next run"
        self.report.failures[problem] += len(groups)
        leftovers = [(g, self._fallback(g, tentative, reason)) for g in groups]
        self.write((g, d) for g, d in leftovers if d.category is None)
        for group, decision in leftovers:
            self.tally(group, decision)

    def _model_decision(
        self, group: MerchantGroup, answer: ItemAnswer, tentative: dict[int, _Decision], model: str
    ) -> _Decision:
        guess = tentative.get(id(group))
        if answer.category is not None:
            differs = guess is not None and guess.category is not None and guess.category != answer.category
            return _Decision(
                answer.category,
                CategorySource.MODEL,
                answer.confidence,
                model=model,
                second_opinion=f"built-in rule: {guess.category}" if differs and guess else None,
            )
        if guess is not None:
            return _Decision(
                guess.category,
                guess.source,
                guess.confidence,
                reason=f"{guess.reason} (the model was unsure)",
            )
        return _Decision(None, None, None, reason="the model was unsure; needs you", model=model)


def _best_builtin(group: MerchantGroup, taxonomy: Taxonomy) -> BuiltinMatch | None:
    """The strongest built-in match over the group's rows, named in the user's taxonomy.

    Built-in rules speak the default taxonomy; a category the user renamed is mapped back,
    one they removed is no match at all.
    """
    best: BuiltinMatch | None = None
    for t in group.transactions:
        match = builtin_category(t.description, group.merchant_key, group.direction, t.bank_category, t.payee)
        if match is None or (best is not None and match.confidence <= best.confidence):
            continue
        category = match.category if match.category in taxonomy.names else taxonomy.match(match.category)
        if category is not None:
            best = BuiltinMatch(category, match.confidence, match.rule)
            if best.confidence >= BUILTIN_TRUSTED_CONFIDENCE:
                break  # rows of one merchant share the key: a trusted match will not be beaten
    return best


def _builtin_decision(builtin: BuiltinMatch) -> _Decision:
    return _Decision(
        builtin.category, CategorySource.BUILTIN, builtin.confidence, reason=f"built-in rule: {builtin.rule}"
    )


def _learned_guesses(
    store: Store, groups: Sequence[MerchantGroup], taxonomy: Taxonomy
) -> dict[int, LearnedGuess]:
    """The learned model's earned answers for these merchants (none while it has too few labels)."""
    labels = store.labeled_rows() if groups else []
    if not labels:
        return {}
    # Here, not at the top: numpy is loaded only once the user has labeled something.
    from app.categorize.learned import LearnedModel

    model = LearnedModel(labels)
    if not model.answers:
        return {}
    guesses = model.guess_many([g.learned_example() for g in groups])
    return {
        id(group): guess
        for group, guess in zip(groups, guesses, strict=True)
        if guess is not None
        and guess.category in taxonomy.names
        and not (guess.category == INCOME and group.direction == "out")  # as the model's answers
    }


def _user_history(store: Store) -> dict[tuple[str, Direction], str]:
    """Merchants whose rows the user categorized by hand, all the same way."""
    # Three columns straight from SQLite: `transactions_frame` would import pandas (~0.5 s)
    # into every categorize run, offline ones included, for this one look-up.
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT merchant_key, amount_minor, category FROM transactions WHERE category_source = ?",
            (CategorySource.USER.value,),
        ).fetchall()
    seen: dict[tuple[str, Direction], set[str]] = {}
    for key, amount, category in rows:
        if not key or not category:
            continue
        # str() first: the amount's sign is all that is read, whether stored as text or integer.
        seen.setdefault((str(key), direction_of(Decimal(str(amount)))), set()).add(str(category))
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


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
    return _Run(store, settings, cancel or threading.Event(), progress).run(status)
