"""Column roles for an export no profile knows: from header words in several languages and value shapes.

Produces a `ColumnMapping` plus whether the guess is confident and, if not, why.
Date order is decided from the whole column, the decimal mark per amount column, and
an unknown sign convention from the data (balance arithmetic, then payments and
refunds against purchases); anything inferred is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from app.ingest.amounts import infer_decimal_mark, looks_like_amount, safe_amount_parser
from app.ingest.dates import fold_accents, infer_date_format, looks_like_date
from app.ingest.errors import IngestError
from app.ingest.mapping import ColumnMapping, SignRule


def role_name(header: str) -> str:
    """Header reduced to plain words: 'Betrag (€)' -> 'betrag', 'Trans. Date' -> 'trans date'."""
    without_units = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", header)
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", fold_accents(without_units)).split())


def _words(*groups: str) -> tuple[str, ...]:
    return tuple(word.strip() for group in groups for word in group.split(",") if word.strip())


# Synonyms in rough priority order (earlier wins), as `role_name` renders them.
TRANSACTION_DATE = _words(
    "transaction date, trans date, date, datum, fecha, date operation, date de l operation, fecha operacion,",
    "fecha de operacion, transactiedatum, booking date, buchungsdatum, buchungstag, started date, data,",
    "date transaction, fecha transaccion, belegdatum, umsatzdatum, transaction time, dateop, date op,",
    "operation date, fecha de transaccion",
)
POSTED_DATE = _words(
    "post date, posted date, posting date, clearing date, completed date, settlement date, value date,",
    "valuta, valutadatum, wertstellung, date de valeur, fecha valor, rentedatum, boekdatum, date valeur,",
    "dateval, date val",
)
AMOUNT = _words(
    "amount, betrag, bedrag, montant, importe, umsatz, transaction amount, amt, value, valor, importo,",
    "kwota, belopp, summe, net amount, montant eur, betrag eur, paid amount, total",
)
DEBIT = _words(
    "debit, debits, debit amount, withdrawal, withdrawals, withdrawal amount, money out, paid out, out,",
    "outflow, soll, ausgang, ausgabe, lastschrift, af, debe, cargo, cargos, retrait, retraits, sortie,",
    "afschrijving, charges, spent",
)
CREDIT = _words(
    "credit, credits, credit amount, deposit, deposits, deposit amount, money in, paid in, in, inflow,",
    "haben, eingang, einnahme, gutschrift, bij, haber, abono, abonos, depot, bijschrijving, entree,",
    "received",
)
INDICATOR = _words(
    "af bij, debit credit, credit debit, dr cr, cr dr, soll haben, umsatztyp, transaction type, type,",
    "details, direction, richtung, sens, tipo, debit credit indicator, cd, s h",
)
FEE = _words("fee, fees, gebuhr, gebuhren, entgelt, kosten, frais, comision, commission, transaction fee")
TEXT = _words(
    "description, transaction description, details, transaction details, narrative, memo, beschreibung,",
    "verwendungszweck, buchungstext, omschrijving, mededelingen, libelle, libelle operation, intitule,",
    "concepto, descripcion, detalle, text, buchungsinformation, remittance information, purpose, reference text,",
    "label, libelle simplifie, wording",
)
PAYEE = _words(
    "payee, name, merchant, merchant name, counterparty, counter party, payee name, beneficiary,",
    "auftraggeber begunstigter, begunstigter zahlungspflichtiger, beguenstigter zahlungspflichtiger,",
    "zahlungsempfanger in, zahlungsempfanger, empfanger, auftraggeber, naam omschrijving, naam,",
    "tegenpartij, beneficiaire, beneficiario, contrapartida",
)
CATEGORY = _words("category, kategorie, categorie, categoria, rubrik, rubrique, bank category")
CURRENCY = _words("currency, wahrung, devise, moneda, ccy, currency code, waehrung, munt")
ACCOUNT = _words(
    "account, account name, account number, account #, card, card no, card number, card member, accountnum,",
    "account num, auftragskonto",
)
STATUS = _words("status, state, transaction status, zustand, estado, statut, buchungsstatus")
BALANCE = _words(
    "balance, running bal, running balance, saldo, kontostand, solde, saldo na mutatie, balance after,",
    "available balance, new balance, accountbalance, account balance",
)
NON_ENGLISH = frozenset(
    _words(
        "datum, fecha, betrag, bedrag, montant, importe, umsatz, soll, haben, af bij, af, bij, debe, haber,",
        "verwendungszweck, omschrijving, mededelingen, libelle, concepto, buchungstag, buchungsdatum,",
        "wertstellung, valuta, kategorie, categorie, saldo, kontostand, solde, waehrung, wahrung, devise,",
        "naam omschrijving, date operation, fecha operacion, beschreibung, buchungstext",
    )
)

DEBIT_WORDS = frozenset(
    _words(
        "debit, dr, d, af, s, soll, ausgang, out, outflow, withdrawal, debet, cargo, debito, db, -, charge"
    )
)
CREDIT_WORDS = frozenset(
    _words("credit, cr, c, bij, h, haben, eingang, in, inflow, deposit, abono, credito, +")
)
PENDING_WORDS = _words(
    "pending, vorgemerkt, reverted, declined, failed, cancelled, canceled, rejected, in behandeling,",
    "en attente, pendiente, authorised, authorized, on hold, hold, offen, storniert, abgelehnt",
)
BALANCE_LINE_PATTERNS = (
    r"^\s*(beginning|opening|starting|closing|ending|previous|new)\s+balance\b",
    r"^\s*(anfangssaldo|endsaldo|kontostand|saldo\s+(anterior|inicial|final|vortrag))\b",
    r"^\s*(solde\s+(initial|final|precedent|pr[eé]c[eé]dent|au))\b",
    r"^\s*(beginsaldo|eindsaldo)\b",
)
_PAYMENT_TEXT = re.compile(
    r"thank\s*you|payment\s+received|auto\s*-?pay|online\s+payment|mobile\s+payment|internet\s+payment|"
    r"e-?payment|payment\s*-|refund|return|statement\s+credit|cash\s*back|reversal|gutschrift|erstattung|"
    r"terugbetaling|remboursement|reembolso|devoluci",
    re.IGNORECASE,
)
_PENDING_TEXT = re.compile(r"\b(" + "|".join(re.escape(w) for w in PENDING_WORDS) + r")\b", re.IGNORECASE)
_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_ORIGINAL = re.compile(r"\b(orig\w*|foreign|local|ursprung\w*|fremd\w*|oorspronkelijk\w*)\b")
_ISO_HINT = re.compile(
    r"\b(USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|INR|MXN|BRL|ZAR|SGD|HKD)\b"
)


@dataclass
class Detection:
    mapping: ColumnMapping
    confident: bool
    uncertain_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Column:
    index: int
    name: str
    role: str
    values: list[str]
    filled: int
    dates: int
    amounts: int

    def date_share(self) -> float:
        return self.dates / self.filled if self.filled else 0.0

    def amount_share(self) -> float:
        return self.amounts / self.filled if self.filled else 0.0


def _profile_columns(columns: Sequence[str], rows: Sequence[list[str]]) -> list[_Column]:
    profiled = []
    sample = rows[:5000]
    for index, name in enumerate(columns):
        values = [row[index].strip() if index < len(row) else "" for row in rows]
        shown = [v for v in (values[: len(sample)]) if v]
        dates = sum(1 for v in shown if looks_like_date(v))
        amounts = sum(1 for v in shown if looks_like_amount(v) and not looks_like_date(v))
        profiled.append(_Column(index, name, role_name(name), values, len(shown), dates, amounts))
    return profiled


def _rank(column: _Column, synonyms: Sequence[str]) -> int | None:
    """Position of the column's name in a synonym list (exact first, then as a contained phrase)."""
    if column.role in synonyms:
        return synonyms.index(column.role)
    padded = f" {column.role} "
    for position, word in enumerate(synonyms):
        if len(word) > 3 and f" {word} " in padded:
            return len(synonyms) + position
    return None


def _best(columns: Sequence[_Column], synonyms: Sequence[str], taken: set[int]) -> _Column | None:
    ranked = [
        (rank, c.index, c)
        for c in columns
        if c.index not in taken and (rank := _rank(c, synonyms)) is not None
    ]
    return min(ranked, key=lambda item: (item[0], item[1]))[2] if ranked else None


def _is_balance(column: _Column) -> bool:
    return _rank(column, BALANCE) is not None


def detect_mapping(
    columns: Sequence[str],
    rows: Sequence[list[str]],
    *,
    filename: str,
    delimiter: str,
    has_header: bool,
) -> Detection:
    """Guess a mapping for an unknown layout; IngestError if no date or amount column exists."""
    reasons: list[str] = []
    notes: list[str] = []
    profiled = _profile_columns(columns, rows)
    if not has_header:
        reasons.append("the file has no header row; its columns were recognised by their values alone")
        for column in profiled:
            column.role = ""
    european = delimiter == ";" or any(c.role in NON_ENGLISH for c in profiled)
    taken: set[int] = set()

    date_col, posted_col = _pick_dates(profiled, taken, reasons, filename)
    date_values = date_col.values + (posted_col.values if posted_col else [])
    guess = infer_date_format(date_values, column=date_col.name, day_first_hint=european)
    if guess is None:
        raise IngestError(
            filename, f"column '{date_col.name}' does not hold dates in any format privfin knows"
        )
    if not guess.confident and guess.reason:
        reasons.append(guess.reason)
    if guess.valid_fraction < 1:
        notes.append(f"some values in column '{date_col.name}' are not dates in {guess.format}")

    amounts = _pick_amounts(profiled, taken, reasons, filename)
    amount_values = [v for c in amounts.columns for v in c.values]
    decimal = _decide_decimal(amounts.columns, fallback="," if european else ".", reasons=reasons)

    description = _pick_description(profiled, taken, reasons, filename)
    fee = _best([c for c in profiled if c.amount_share() >= 0.8 or not c.filled], FEE, taken)
    if fee is not None:
        taken.add(fee.index)
    category = _best(profiled, CATEGORY, taken)
    currency_col = _pick_currency_column(profiled, taken, amounts.columns)
    account = _best(profiled, ACCOUNT, taken) if has_header else None
    status, pending_values = _pick_status(profiled, taken)
    balance = next(
        (c for c in profiled if c.index not in taken and _is_balance(c) and c.amount_share() >= 0.8), None
    )

    sign, indicator, debit_values, credit_values = _pick_sign(amounts, profiled, taken, decimal)
    if sign is SignRule.SIGNED and amounts.single is not None:
        sign = _infer_card_sign(amounts.single, description, balance, decimal, reasons, notes)

    currency: str | None
    if currency_col is not None:
        codes = [v for v in currency_col.values if v]
        currency = max(set(codes), key=codes.count)
    else:
        currency = _guess_currency(profiled, amounts.columns, amount_values)
    notes.extend(_original_amount_notes(profiled, amounts.columns, currency))
    original_amount, original_currency = _pick_original(profiled, taken)
    mapping = ColumnMapping(
        has_header=has_header,
        columns=list(columns) if not has_header else [],
        date=date_col.name,
        posted_date=posted_col.name if posted_col else None,
        date_format=guess.format,
        description=[c.name for c in description],
        amount=amounts.single.name if amounts.single else None,
        debit=amounts.debit.name if amounts.debit else None,
        credit=amounts.credit.name if amounts.credit else None,
        indicator=indicator.name if indicator else None,
        debit_values=debit_values,
        credit_values=credit_values,
        fee=fee.name if fee else None,
        decimal=decimal,
        sign=sign,
        currency=currency,
        currency_column=currency_col.name if currency_col else None,
        original_amount=original_amount.name if original_amount else None,
        original_currency=original_currency.name if original_currency else None,
        category=category.name if category else None,
        account=[account.name] if account else [],
        balance=balance.name if balance else None,
        skip_values={status.name: pending_values} if status else {},
        skip_description_patterns=list(BALANCE_LINE_PATTERNS),
    )
    return Detection(mapping=mapping, confident=not reasons, uncertain_reasons=reasons, notes=notes)


def _pick_dates(
    profiled: list[_Column], taken: set[int], reasons: list[str], filename: str
) -> tuple[_Column, _Column | None]:
    candidates = [c for c in profiled if c.filled and c.date_share() >= 0.8]
    transaction_dates = [c for c in candidates if c.role not in POSTED_DATE]
    date_col = _best(transaction_dates, TRANSACTION_DATE, taken) or _best(candidates, POSTED_DATE, taken)
    if date_col is None:
        if not candidates:
            raise IngestError(
                filename, "no column of dates found (looked for Date, Datum, Fecha... and date values)"
            )
        date_col = candidates[0]
        if date_col.role:
            reasons.append(f"column '{date_col.name}' was taken as the date by its values, not its name")
    taken.add(date_col.index)
    posted_col = _best(candidates, POSTED_DATE, taken)
    if posted_col is not None:
        taken.add(posted_col.index)
    return date_col, posted_col


@dataclass
class _Amounts:
    single: _Column | None = None
    debit: _Column | None = None
    credit: _Column | None = None

    @property
    def columns(self) -> list[_Column]:
        return [c for c in (self.single, self.debit, self.credit) if c is not None]


def _pick_amounts(profiled: list[_Column], taken: set[int], reasons: list[str], filename: str) -> _Amounts:
    # A named column needs only half of its cells to look like amounts, so a few bad cells
    # become invalid rows instead of hiding the column; an unnamed one needs 80%.
    mostly_numeric = [
        c for c in profiled if c.index not in taken and (c.amount_share() >= 0.5 or not c.filled)
    ]
    candidates = [c for c in mostly_numeric if c.filled and not _is_balance(c)]
    # "Original Amount" beside "Amount (EUR)" is the foreign spend, not the account's money.
    single = _best([c for c in candidates if not _is_original(c)] or candidates, AMOUNT, taken)
    debit = _best(mostly_numeric, DEBIT, taken)
    credit = _best([c for c in mostly_numeric if c is not debit], CREDIT, taken)
    if single is not None:
        taken.add(single.index)
        return _Amounts(single=single)
    if debit is not None and credit is not None and (debit.filled or credit.filled):
        taken.update((debit.index, credit.index))
        return _Amounts(debit=debit, credit=credit)
    named = {c.index for c in (debit, credit) if c is not None}
    unnamed = [
        c
        for c in profiled
        if c.index not in taken and c.index not in named and c.filled and c.amount_share() >= 0.8
    ]
    unnamed = [c for c in unnamed if not _is_balance(c)]
    if not unnamed:
        raise IngestError(
            filename, "no column of amounts found (looked for Amount, Betrag, Debit/Credit... and numbers)"
        )
    single = unnamed[0]
    taken.add(single.index)
    if single.role:
        reasons.append(f"column '{single.name}' was taken as the amount by its values, not its name")
    return _Amounts(single=single)


def _decide_decimal(columns: list[_Column], *, fallback: str, reasons: list[str]) -> Literal[".", ","]:
    """Each amount column decides its own mark; one mapping needs them to agree."""
    guesses = [infer_decimal_mark(c.values, column=c.name, fallback=fallback) for c in columns]
    decisive = [g for g in guesses if g.decisive]
    if len({g.decimal for g in decisive}) > 1:
        names = " and ".join(f"'{c.name}'" for c in columns)
        reasons.append(f"the amount columns {names} use different decimal marks")
    reasons.extend(g.reason for g in (decisive or guesses) if g.reason and not g.confident)
    chosen = decisive[0].decimal if decisive else fallback
    return "," if chosen == "," else "."


def _pick_description(
    profiled: list[_Column], taken: set[int], reasons: list[str], filename: str
) -> list[_Column]:
    textual = [c for c in profiled if c.index not in taken]
    payee = _best(textual, PAYEE, taken)
    text = _best([c for c in textual if c is not payee], TEXT, taken)
    chosen = [c for c in (payee, text) if c is not None]
    if not chosen:
        candidates = [c for c in textual if c.filled and c.amount_share() < 0.5 and c.date_share() < 0.5]
        if not candidates:
            raise IngestError(filename, "no column with a description of the transactions found")
        best = max(candidates, key=lambda c: (len(set(c.values)), sum(map(len, c.values))))
        if best.role:
            reasons.append(f"column '{best.name}' was taken as the description by its values, not its name")
        chosen = [best]
    taken.update(c.index for c in chosen)
    return chosen


def _pick_status(profiled: list[_Column], taken: set[int]) -> tuple[_Column | None, list[str]]:
    """A column of few distinct values, some of which say 'pending' (Status, State, Info...)."""
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v for v in column.values if v}
        if len(observed) > 6:
            continue
        pending = sorted(v for v in observed if _PENDING_TEXT.search(fold_accents(v)))
        if pending or (_rank(column, STATUS) is not None and observed):
            taken.add(column.index)
            return column, sorted({*PENDING_WORDS, *(v.casefold() for v in pending)})
    return None, []


def _is_original(column: _Column) -> bool:
    """A column of foreign spend's original amount or currency ("Original Currency", "Währung Originalbetrag")."""
    return _ORIGINAL.search(column.role) is not None


def _header_currency(column: _Column) -> str | None:
    """The currency an amount column's header names: 'Amount (EUR)', 'Betrag in €'."""
    found = _ISO_HINT.search(column.name.upper())
    if found:
        return found.group(1)
    return next((code for symbol, code in _CURRENCY_SYMBOLS.items() if symbol in column.name), None)


def _pick_currency_column(
    profiled: list[_Column], taken: set[int], amount_columns: list[_Column]
) -> _Column | None:
    """A column of each row's currency, only when it is the currency of the amount column.

    A column qualified as original, foreign or local belongs to the foreign spend beside the
    amount, and so does one that disagrees with the currency the amount's header names.
    """
    named_by_header = {code for c in amount_columns if (code := _header_currency(c))}
    for column in profiled:
        if column.index in taken or not column.filled or _is_original(column):
            continue
        if _rank(column, CURRENCY) is None:
            continue
        codes = {v for v in column.values if v}
        if not all(re.fullmatch(r"[A-Z]{3}", v) for v in codes):
            continue
        if named_by_header and not codes <= named_by_header:
            continue
        taken.add(column.index)
        return column
    return None


def _pick_sign(
    amounts: _Amounts, profiled: list[_Column], taken: set[int], decimal: str
) -> tuple[SignRule, _Column | None, list[str], list[str]]:
    if amounts.debit is not None:
        negative = any(v.strip().startswith(("-", "(", "\u2212")) for c in amounts.columns for v in c.values)
        return (SignRule.DEBIT_CREDIT_ABS if negative else SignRule.DEBIT_CREDIT_UNSIGNED), None, [], []
    assert amounts.single is not None
    if any(
        v.strip().startswith(("-", "(", "\u2212")) or v.strip().endswith("-") for v in amounts.single.values
    ):
        return SignRule.SIGNED, None, [], []
    for column in profiled:
        if column.index in taken or not column.filled:
            continue
        observed = {v.strip().casefold() for v in column.values if v.strip()}
        if not observed or len(observed) > 4 or not observed <= (DEBIT_WORDS | CREDIT_WORDS):
            continue
        if _rank(column, INDICATOR) is None and not observed & {"debit", "credit", "af", "bij", "dr", "cr"}:
            continue
        taken.add(column.index)
        # The whole vocabulary, not just the words seen, so a remembered mapping fits the next file too.
        return SignRule.UNSIGNED_PLUS_INDICATOR, column, sorted(DEBIT_WORDS), sorted(CREDIT_WORDS)
    return SignRule.SIGNED, None, [], []


def _decimals(values: Sequence[str], decimal: str) -> list[Decimal | None]:
    """Each cell's amount (None when unreadable); equal cells share one Decimal.

    Parsed cell by cell, a whole file's amount column held one Decimal per row: the peak
    of an import of short rows (2x the file).
    """
    parse = safe_amount_parser(decimal)
    return [value if isinstance(value := parse(cell), Decimal) else None for cell in values]


def balance_sign(amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None]) -> int | None:
    """+1 if a running balance moves with the amounts as given, -1 if against them, None if unclear.

    Tries both row orders (oldest first and newest first); 80% of the checkable rows must agree.
    """
    best: tuple[int, int] = (0, 0)
    checkable = 0
    for sign in (1, -1):
        for newest_first in (False, True):
            hits = total = 0
            for i in range(1, len(amounts)):
                b_prev, b_cur = balances[i - 1], balances[i]
                amount = amounts[i - 1] if newest_first else amounts[i]
                if b_prev is None or b_cur is None or amount is None:
                    continue
                total += 1
                moved = b_prev - b_cur if newest_first else b_cur - b_prev
                hits += moved == sign * amount
            checkable = max(checkable, total)
            best = max(best, (hits, sign))
    hits, sign = best
    if checkable >= 2 and hits >= 0.8 * checkable:
        return sign
    return None


def sign_evidence(descriptions: Sequence[str], amounts: Sequence[Decimal | None]) -> str | None:
    """'inverted' when payments/refunds are negative and the other rows positive, 'normal' for the opposite."""
    pay_neg = pay_pos = other_neg = other_pos = 0
    for text, amount in zip(descriptions, amounts, strict=False):
        if amount is None or amount == 0:
            continue
        payment = _PAYMENT_TEXT.search(text) is not None
        if payment:
            pay_neg += amount < 0
            pay_pos += amount > 0
        else:
            other_neg += amount < 0
            other_pos += amount > 0
    if pay_neg + pay_pos == 0 or other_neg + other_pos == 0:
        return None
    if pay_neg > 2 * pay_pos and other_pos > 2 * other_neg:
        return "inverted"
    if pay_pos > 2 * pay_neg and other_neg > 2 * other_pos:
        return "normal"
    return None


def _infer_card_sign(
    amount: _Column,
    description: list[_Column],
    balance: _Column | None,
    decimal: str,
    reasons: list[str],
    notes: list[str],
) -> SignRule:
    values = _decimals(amount.values, decimal)
    if balance is not None:
        moves = balance_sign(values, _decimals(balance.values, decimal))
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
        notes.append("sign convention inferred: every amount is positive, so they were taken as money out")
        reasons.append(
            "every amount is positive, so money in and money out cannot be told apart; "
            "they were taken as card purchases (money out) - pick the sign rule if that is wrong"
        )
        return SignRule.SIGNED_INVERTED
    return SignRule.SIGNED


def _guess_currency(
    profiled: list[_Column], amount_columns: list[_Column], amount_values: Sequence[str]
) -> str | None:
    """The currency the file names for its amounts (a header, a symbol or code in the cells), or None.

    None is an honest answer: the account's remembered currency or the user's home currency
    decides then, never a guess from the delimiter.
    """
    named = [*amount_columns, *(c for c in profiled if c not in amount_columns and not _is_original(c))]
    for column in named:
        code = _header_currency(column)
        if code:
            return code
    sample = " ".join(amount_values[:200])
    for symbol, code in _CURRENCY_SYMBOLS.items():
        if symbol in sample:
            return code
    found = _ISO_HINT.search(sample)
    return found.group(1) if found else None


def _pick_original(profiled: list[_Column], taken: set[int]) -> tuple[_Column | None, _Column | None]:
    """The foreign spend's amount and currency columns, kept only as a pair (an amount needs its currency)."""
    free = [c for c in profiled if c.index not in taken and c.filled and _is_original(c)]
    amount = next((c for c in free if c.amount_share() >= 0.8), None)
    currency = next(
        (c for c in free if c is not amount and all(re.fullmatch(r"[A-Z]{3}", v) for v in c.values if v)),
        None,
    )
    if amount is None or currency is None:
        return None, None
    taken.update((amount.index, currency.index))
    return amount, currency


def _original_amount_notes(
    profiled: list[_Column], amount_columns: list[_Column], currency: str | None
) -> list[str]:
    originals = [c for c in profiled if c.filled and _is_original(c) and c not in amount_columns]
    if not originals:
        return []
    names = ", ".join(f"'{c.name}'" for c in originals)
    kept_in = f"in {currency}" if currency else "in the account's currency"
    amount_names = ", ".join(f"'{c.name}'" for c in amount_columns)
    return [
        f"{names} hold the original amount or currency of foreign spending; every row is kept {kept_in}, "
        f"the currency of {amount_names}"
    ]


def default_account_name(filename: str) -> str:
    return Path(filename).stem.strip() or "Imported account"
