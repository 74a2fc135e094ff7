"""Transfers between the user's own accounts: which outflow and which inflow are one move.

A pair is an outflow in one account and an inflow of the same absolute amount, in the same
currency (never across currencies), in another account, at most `window_days` apart. Equal
amounts are common (rent, 50.00, a subscription price), so a pair also needs evidence:
words that name a transfer or a card payment on at least one side (`transfer_words.json`,
words as data). When only one side has them, the other must not name a shop of the merchant
catalog: "Transfer from Anna" is money from a person, and the same day's 50.00 at REWE is a
purchase, not its other side. A card or savings account in an account's name only helps choose between
candidates: a card's inflow alone is as likely a refund as a payment.

Each row is in at most one pair. When several rows could pair, the closest dates win, then
the stronger evidence (text on both sides, a card's "payment received", a savings account),
then the ids, so the result never depends on the order rows arrive in. Pairs the user undid
("Not a transfer") are never proposed again.

Pure: legs in, pairs out; `app.transfer_ledger` reads and writes the store.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

DEFAULT_WINDOW_DAYS: Final = 4
WORDS_FILE: Final = Path(__file__).with_name("transfer_words.json")


@dataclass(frozen=True, slots=True)
class Leg:
    """One stored row as the matcher sees it. `text`: description and payee together."""

    id: str
    account: str
    date: dt.date
    amount_minor: int  # minor units of `currency`; out is negative, 0 never pairs
    currency: str
    text: str


@dataclass(frozen=True)
class _Vocabulary:
    transfer_text: re.Pattern[str]
    card_accounts: re.Pattern[str]
    savings_accounts: re.Pattern[str]


_NOT_WORD = re.compile(r"[\W_]+")


def _folded(text: str) -> str:
    """Lower case, accents off, every run of non-alphanumerics one space: how words are compared."""
    lowered = text.casefold()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", lowered).strip()


def _phrases(words: Iterable[str]) -> re.Pattern[str]:
    folded = sorted({_folded(word) for word in words if _folded(word)}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(p) for p in folded) + r")(?![^\W_])")


@cache
def vocabulary(path: Path = WORDS_FILE) -> _Vocabulary:
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds = data["account_kinds"]
    return _Vocabulary(
        transfer_text=_phrases([*data["transfer"], *data["card_payment"]]),
        card_accounts=_phrases(kinds["card"]),
        savings_accounts=_phrases(kinds["savings"]),
    )


def mentions_transfer(text: str, words: _Vocabulary | None = None) -> bool:
    """Whether `text` names a transfer or a card payment ("Umbuchung", "Payment Thank You", ...)."""
    return bool((words or vocabulary()).transfer_text.search(_folded(text)))


def _account_evidence(account: str, inflow: bool, words: _Vocabulary) -> int:
    name = _folded(account)
    if words.savings_accounts.search(name):
        return 1
    return int(inflow and bool(words.card_accounts.search(name)))


def pair_key(first: str, second: str) -> tuple[str, str]:
    """The order-free key of a pair (how an undone pair is remembered)."""
    return (first, second) if first <= second else (second, first)


def _candidates(
    outflows: Sequence[Leg],
    inflows: Sequence[Leg],
    window: int,
    refused: Collection[tuple[str, str]],
    text_of: dict[str, int],
    words: _Vocabulary,
    names_a_shop: Callable[[str], bool],
) -> list[tuple[int, int, str, str]]:
    """(days apart, -evidence, outflow id, inflow id) of every allowed pairing in one amount group."""
    # Text on one side at least: an outflow without it only looks at inflows with it, which
    # keeps a busy amount (9.99, 50.00) from pairing every purchase with every inflow near it.
    every = sorted(inflows, key=lambda leg: leg.date)
    worded = [leg for leg in every if text_of[leg.id]]
    pools = {
        True: (every, [leg.date.toordinal() for leg in every]),
        False: (worded, [leg.date.toordinal() for leg in worded]),
    }
    hints: dict[tuple[str, bool], int] = {}
    found: list[tuple[int, int, str, str]] = []
    for out in outflows:
        pool, days = pools[bool(text_of[out.id])]
        day = out.date.toordinal()
        for inflow in pool[bisect.bisect_left(days, day - window) : bisect.bisect_right(days, day + window)]:
            if inflow.account == out.account or pair_key(out.id, inflow.id) in refused:
                continue
            if text_of[out.id] != text_of[inflow.id] and names_a_shop(
                (inflow if text_of[out.id] else out).text
            ):
                continue
            for key in ((out.account, False), (inflow.account, True)):
                if key not in hints:
                    hints[key] = _account_evidence(*key, words)
            evidence = (
                2 * (text_of[out.id] + text_of[inflow.id])
                + hints[out.account, False]
                + hints[inflow.account, True]
            )
            found.append((abs(inflow.date.toordinal() - day), -evidence, out.id, inflow.id))
    return found


def match_transfers(
    legs: Iterable[Leg],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    refused: Collection[tuple[str, str]] = frozenset(),
    words: _Vocabulary | None = None,
) -> dict[str, str]:
    """Each paired row's id -> the other side's id (both directions); unpaired rows are absent.

    `refused`: `pair_key`s the user said are not transfers.
    """
    if window_days < 0:
        raise ValueError(f"the transfer window must be 0 days or more, not {window_days}")
    words = words or vocabulary()
    outs: dict[tuple[str, int], list[Leg]] = {}
    ins: dict[tuple[str, int], list[Leg]] = {}
    for leg in legs:
        if leg.amount_minor < 0:
            outs.setdefault((leg.currency, -leg.amount_minor), []).append(leg)
        elif leg.amount_minor > 0:
            ins.setdefault((leg.currency, leg.amount_minor), []).append(leg)

    # Statement text repeats (a merchant's every row): each text is judged once per call.
    @cache
    def worded(text: str) -> int:
        return int(mentions_transfer(text, words))

    @cache
    def names_a_shop(text: str) -> bool:
        from app.categorize.builtin_rules import names_a_purchase  # the catalog loads only when asked

        return names_a_purchase(text)

    pairs: dict[str, str] = {}
    for key in outs.keys() & ins.keys():
        outflows, inflows = outs[key], ins[key]
        if len({leg.account for leg in outflows} | {leg.account for leg in inflows}) < 2:
            continue
        text_of = {leg.id: worded(leg.text) for group in (outflows, inflows) for leg in group}
        for _gap, _evidence, out_id, in_id in sorted(
            _candidates(outflows, inflows, window_days, refused, text_of, words, names_a_shop)
        ):
            if out_id not in pairs and in_id not in pairs:
                pairs[out_id] = in_id
                pairs[in_id] = out_id
    return pairs
