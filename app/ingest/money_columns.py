"""Which columns of an unknown table hold its money, and how their sign is read.

By name first (an exact amount word, a debit/credit pair, a contained amount word), then by
the whole file's values (`app.ingest.evidence`): a balance the amounts explain, two columns
that fill each other's gaps, the column that looks most like money. Then the sign rule: a
sign already in the cells, an indicator column, the running balance, payments against
purchases, and a card statement's all-positive purchases. A fee is taken off only when the
balance shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from app.ingest.amounts import infer_decimal_mark
from app.ingest.columns import Column, best_ranked, is_balance, is_original, rank
from app.ingest.errors import IngestError
from app.ingest.evidence import (
    BalanceFit,
    balance_fit,
    balance_sign,
    column_decimals,
    complementary,
    decimals,
    direction_pair,
    money_likeness,
    sign_evidence,
)
from app.ingest.mapping import SignRule
from app.ingest.vocabulary import AMOUNT, CREDIT, CREDIT_WORDS, DEBIT, DEBIT_WORDS, INDICATOR


@dataclass
class Amounts:
    single: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    balance: Column | None = None  # found by its values: the amounts explain its moves
    fit: BalanceFit | None = None
    evidence: list[str] = field(default_factory=list)
    by_values: bool = False  # chosen by the file's values, not by a column name

    @property
    def columns(self) -> list[Column]:
        return [c for c in (self.single, self.debit, self.credit) if c is not None]


def pick_amounts(
    profiled: list[Column],
    taken: set[int],
    reasons: list[str],
    filename: str,
    fallback: str,
    newest_first: bool | None,
) -> Amounts:
    """The amount column, or the debit/credit pair: by name first, then by the whole file's values.

    Order of trust: a column named exactly as an amount; a named debit/credit pair; a column whose
    name contains an amount word ('Transfer Amount'); then, by values alone, a pair of columns
    that fill each other's gaps, and a column a running balance moves by; then the column that
    looks most like money. Identifiers (account, card and check numbers) never win.
    """
    # A named column needs only half of its cells to look like amounts, so a few bad cells
    # become invalid rows instead of hiding the column; an unnamed one needs 80%.
    mostly_numeric = [
        c for c in profiled if c.index not in taken and (c.amount_share() >= 0.5 or not c.filled)
    ]
    candidates = [c for c in mostly_numeric if c.filled and not is_balance(c)]
    # "Original Amount" beside "Amount (EUR)" is the foreign spend, not the account's money.
    own = [c for c in candidates if not is_original(c)] or candidates
    single = best_ranked(own, AMOUNT, taken)
    debit = best_ranked(mostly_numeric, DEBIT, taken)
    credit = best_ranked([c for c in mostly_numeric if c is not debit], CREDIT, taken)
    exact = single is not None and single.role in AMOUNT
    pair = debit is not None and credit is not None and bool(debit.filled or credit.filled)
    if single is not None and (exact or not pair):
        taken.add(single.index)
        return Amounts(single=single)
    if pair and debit is not None and credit is not None:
        taken.update((debit.index, credit.index))
        return Amounts(debit=debit, credit=credit)
    named = {c.index for c in (debit, credit) if c is not None}
    unnamed = [
        c
        for c in profiled
        if c.index not in taken
        and c.index not in named
        and c.filled
        and c.amount_share() >= 0.8
        and not is_original(c)
    ]
    found = _amounts_by_values(unnamed, fallback, newest_first)
    if found is None:
        raise IngestError(
            filename, "no column of amounts found (looked for Amount, Betrag, Debit/Credit... and numbers)"
        )
    found.by_values = True
    for column in found.columns:
        taken.add(column.index)
        if column.role and (found.fit is not None or found.debit is not None):
            reasons.append(f"column '{column.name}' was taken as the amount by its values, not its name")
        elif column.role:
            reasons.append(
                f"column '{column.name}' was taken as the amount because it looks most like money; "
                "nothing else in the file confirms it"
            )
    if found.balance is not None:
        taken.add(found.balance.index)
    return found


def _amounts_by_values(unnamed: list[Column], fallback: str, newest_first: bool | None) -> Amounts | None:
    money = {c.index: score for c in unnamed if (score := money_likeness(c.values)) is not None}
    numbers = [c for c in unnamed if c.index in money]
    parsed = {c.index: column_decimals(c.values, fallback) for c in unnamed}
    plain = [c for c in numbers if not is_balance(c)]
    # Two columns that fill each other's gaps are a pair before either is an amount on its own
    # (a withdrawals column alone also moves a balance, on the rows it fills). Whole numbers as
    # long as identifiers (yen: 250000) do not look like money, but a running balance they
    # explain outranks the look: such a pair counts when a balance confirms it.
    flows = [c for c in unnamed if not is_balance(c)]
    for first_at, first in enumerate(flows):
        for second in flows[first_at + 1 :]:
            if not complementary(first.values, second.values):
                continue
            found = _pair_by_values(first, second, unnamed, parsed, newest_first)
            if (first.index in money and second.index in money) or found.fit is not None:
                return found
    # A running balance the amounts explain decides which column is the amount (and the sign):
    # the column it explains on the most rows (PayPal's Net, not its Gross, when a fee differs);
    # any column may be that amount, looking like money or not.
    balances = [c for c in unnamed if is_balance(c) or c.index not in money] + numbers
    fits = [
        (fit, amount, balance)
        for amount in numbers + [c for c in flows if c.index not in money and _varies(parsed[c.index])]
        for balance in balances
        if balance is not amount
        and (amount.index in money or _varies(parsed[balance.index]))
        and (fit := balance_fit(parsed[amount.index], parsed[balance.index], newest_first)) is not None
    ]
    if fits:
        fit, amount, balance = max(fits, key=lambda f: (f[0].hits, money.get(f[1].index, -1.0), -f[1].index))
        return Amounts(
            single=amount,
            balance=balance,
            fit=fit,
            evidence=[f"'{amount.name}' is the amount: {fit.describe()} in '{balance.name}'"],
        )
    if not plain:
        return None
    best = max(plain, key=lambda c: (money[c.index], -c.index))
    return Amounts(single=best)


def _varies(values: list[Decimal | None]) -> bool:
    """Whether a column holds two different non-zero numbers: a constant or zeros explain no balance."""
    return len({v for v in values if v}) >= 2


def _pair_by_values(
    first: Column,
    second: Column,
    unnamed: list[Column],
    parsed: dict[int, list[Decimal | None]],
    newest_first: bool | None,
) -> Amounts:
    """Two columns that fill each other's gaps: which is money out is the balance's to say.

    Without a balance the first is taken as money out (withdrawals before deposits, as most
    headerless bank exports have them), and the reading is not confident.
    """
    values_first, values_second = parsed[first.index], parsed[second.index]
    flows = [
        (a or Decimal(0)) - (b or Decimal(0)) if a is not None or b is not None else None
        for a, b in zip(values_second, values_first, strict=True)
    ]
    for balance in unnamed:
        if balance in (first, second):
            continue
        fit = balance_fit(flows, parsed[balance.index], newest_first)
        if fit is not None:
            debit, credit = (first, second) if fit.sign == 1 else (second, first)
            return Amounts(
                debit=debit,
                credit=credit,
                balance=balance,
                fit=fit,
                evidence=[
                    f"'{debit.name}' and '{credit.name}' fill each other's gaps: a debit/credit pair; "
                    f"{fit.describe()} in '{balance.name}' with '{debit.name}' as money out"
                ],
            )
    return Amounts(
        debit=first,
        credit=second,
        evidence=[
            f"'{first.name}' and '{second.name}' fill each other's gaps: a debit/credit pair, "
            f"'{first.name}' taken as money out"
        ],
    )


def decide_decimal(columns: list[Column], *, fallback: str, reasons: list[str]) -> Literal[".", ","]:
    """Each amount column decides its own mark; one mapping needs them to agree."""
    guesses = [infer_decimal_mark(c.values, column=c.name, fallback=fallback) for c in columns]
    decisive = [g for g in guesses if g.decisive]
    if len({g.decimal for g in decisive}) > 1:
        names = " and ".join(f"'{c.name}'" for c in columns)
        reasons.append(f"the amount columns {names} use different decimal marks")
    reasons.extend(g.reason for g in (decisive or guesses) if g.reason and not g.confident)
    chosen = decisive[0].decimal if decisive else fallback
    return "," if chosen == "," else "."


def pick_sign(
    amounts: Amounts, profiled: list[Column], taken: set[int], decimal: str
) -> tuple[SignRule, Column | None, list[str], list[str]]:
    # A sign already in the cells ('$-25.00', '(12.00)', '5-') is kept, never applied twice.
    if amounts.debit is not None:
        negative = any(v is not None and v < 0 for c in amounts.columns for v in decimals(c.values, decimal))
        return (SignRule.DEBIT_CREDIT_ABS if negative else SignRule.DEBIT_CREDIT_UNSIGNED), None, [], []
    assert amounts.single is not None
    if any(v is not None and v < 0 for v in decimals(amounts.single.values, decimal)):
        return SignRule.SIGNED, None, [], []
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v.strip().casefold() for v in column.values if v.strip()}
        pair = direction_pair(observed)
        if pair is not None and pair not in (("d", "k"), ("-", "+")):
            # The whole vocabulary, not just the words seen, so a remembered mapping fits the next file too.
            taken.add(column.index)
            return SignRule.UNSIGNED_PLUS_INDICATOR, column, sorted(DEBIT_WORDS), sorted(CREDIT_WORDS)
        if pair is not None:
            taken.add(column.index)
            return SignRule.UNSIGNED_PLUS_INDICATOR, column, [pair[0]], [pair[1]]
        if not observed or len(observed) > 4 or not observed <= (DEBIT_WORDS | CREDIT_WORDS):
            continue
        if rank(column, INDICATOR) is None and not observed & {"debit", "credit", "af", "bij", "dr", "cr"}:
            continue
        taken.add(column.index)
        return SignRule.UNSIGNED_PLUS_INDICATOR, column, sorted(DEBIT_WORDS), sorted(CREDIT_WORDS)
    return SignRule.SIGNED, None, [], []


def infer_card_sign(
    amounts: Amounts,
    description: list[Column],
    balance: Column | None,
    decimal: str,
    reasons: list[str],
    notes: list[str],
    newest_first: bool | None,
    card: str | None,
) -> SignRule:
    assert amounts.single is not None
    values = decimals(amounts.single.values, decimal)
    if balance is not None:
        moves = (
            amounts.fit.sign
            if amounts.fit
            else balance_sign(values, decimals(balance.values, decimal), newest_first)
        )
        if moves == 1:
            return SignRule.SIGNED
        if moves == -1:
            notes.append(
                f"sign convention inferred from the running balance in '{balance.name}': "
                "amounts were flipped so money out is negative"
            )
            return SignRule.SIGNED_INVERTED
    texts = [" ".join(c.values[i] for c in description) for i in range(len(values))]
    evidence = sign_evidence(texts, values)
    if evidence == "inverted":
        notes.append(
            "sign convention inferred from the data: payments and refunds are negative and purchases "
            "positive (a card export), so amounts were flipped to make money out negative"
        )
        return SignRule.SIGNED_INVERTED
    if evidence is None and values and all(v is None or v >= 0 for v in values) and any(values):
        if card is not None:
            notes.append(
                f"every amount is positive in a card statement ({card}): they were taken as purchases"
            )
            reasons.append(
                "every amount is positive, so money in and money out cannot be told apart; as the file is "
                "a card's, they were taken as purchases (money out) - pick the sign rule if that is wrong"
            )
            return SignRule.SIGNED_INVERTED
        # Never flipped on a guess: a file of deposits or invoices is all positive too.
        reasons.append(
            "every amount is positive, so money in and money out cannot be told apart; "
            "they were kept as the file gives them (money in) - pick the sign rule if they are card purchases"
        )
    return SignRule.SIGNED


_CARD_NAME = re.compile(r"\b(card|visa|master\s*card|amex|credit\s*card|kreditkarte|carte)\b", re.IGNORECASE)
# A card holder's column, not a payment processor's (Stripe's 'card_id' is the payer's card).
_CARD_COLUMN = re.compile(r"\bcard\s*(used|number|no|member|ending|holder)\b|\bcardmember\b")
_MASKED_CARD = re.compile(r"^[*xX•]{4}[\s-]?(?:[*xX•]{4}[\s-]?)*\d{4}$")


def card_evidence(profiled: list[Column], filename: str) -> str | None:
    """What says the file is a card's statement (a masked card number column, a card header, its name)."""
    for column in profiled:
        filled = [v for v in column.values if v]
        if filled and all(_MASKED_CARD.match(v) for v in filled):
            return f"'{column.name}' holds masked card numbers"
    for column in profiled:
        if column.role and _CARD_COLUMN.search(column.role):
            return f"column '{column.name}'"
    stem = re.sub(r"[^A-Za-z]+", " ", Path(filename).stem)
    if _CARD_NAME.search(stem) or re.search(r"(?i)(mastercard|creditcard|visa)", Path(filename).stem):
        return f"the file name '{filename}'"
    return None


def fee_if_the_balance_says_so(
    fee: Column | None,
    amounts: Amounts,
    balance: Column | None,
    sign: SignRule,
    decimal: str,
    notes: list[str],
    reasons: list[str],
    newest_first: bool | None,
) -> Column | None:
    """A fee column is taken off the amount only when a running balance shows the net moved it.

    Otherwise the amount stands as the file gives it: UTrade's and Wise's amounts already include
    their fees, Stripe's gross is what its exports book.
    """
    if fee is None:
        return None
    single = amounts.single
    if balance is not None and single is not None and sign in (SignRule.SIGNED, SignRule.SIGNED_INVERTED):
        flip = -1 if sign is SignRule.SIGNED_INVERTED else 1
        gross = [v * flip if v is not None else None for v in decimals(single.values, decimal)]
        fees = decimals(fee.values, decimal)
        net = [g - (f or 0) if g is not None else None for g, f in zip(gross, fees, strict=True)]
        moves = decimals(balance.values, decimal)
        net_fit, gross_fit = balance_fit(net, moves, newest_first), balance_fit(gross, moves, newest_first)
        if net_fit is not None and (gross_fit is None or net_fit.hits > gross_fit.hits):
            notes.append(
                f"'{fee.name}' is taken off '{single.name}': the running balance in '{balance.name}' "
                "moves by the amount less the fee"
            )
            return fee
        if gross_fit is not None:
            notes.append(
                f"'{fee.name}' is already in '{single.name}': the running balance in '{balance.name}' "
                "moves by the amount itself"
            )
            return None
    reasons.append(
        f"nothing in the file shows whether '{fee.name}' is already in the amount; the amount was kept "
        "as the file gives it - map the fee column if it must be taken off"
    )
    return None
