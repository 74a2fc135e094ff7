"""The words column headers and cells use for each role, in several languages, as `role_name` renders them.

Data, not logic: the generic reader (`app.ingest.generic`) ranks columns by these lists.
"""

from __future__ import annotations

import re

from app.ingest.dates import fold_accents

# Kana and CJK ideographs are words too: Japanese and Chinese headers (日付, 摘要, 差引残高).
_NOT_A_WORD = re.compile(r"[^0-9a-z#\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")


def role_name(header: str) -> str:
    """Header reduced to plain words: 'Betrag (€)' -> 'betrag', 'Trans. Date' -> 'trans date'."""
    without_units = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", header)
    return " ".join(_NOT_A_WORD.sub(" ", fold_accents(without_units)).split())


def words(*groups: str) -> tuple[str, ...]:
    return tuple(word.strip() for group in groups for word in group.split(",") if word.strip())


# Synonyms in rough priority order (earlier wins), as `role_name` renders them.
TRANSACTION_DATE = words(
    "transaction date, trans date, date, datum, fecha, date operation, date de l operation, fecha operacion,",
    "fecha de operacion, transactiedatum, booking date, buchungsdatum, buchungstag, started date, data,",
    "date transaction, fecha transaccion, belegdatum, umsatzdatum, transaction time, dateop, date op,",
    "operation date, fecha de transaccion, 日付, 取引日, 年月日",
)
POSTED_DATE = words(
    "post date, posted date, posting date, clearing date, completed date, settlement date, value date,",
    "valuta, valutadatum, wertstellung, date de valeur, fecha valor, rentedatum, boekdatum, date valeur,",
    "dateval, date val",
)
AMOUNT = words(
    "amount, betrag, bedrag, montant, importe, umsatz, transaction amount, amt, value, valor, importo,",
    "kwota, belopp, summe, net amount, montant eur, betrag eur, paid amount, total, suma",
)
DEBIT = words(
    "debit, debits, debit amount, withdrawal, withdrawals, withdrawal amount, money out, paid out, out,",
    "outflow, soll, ausgang, ausgabe, lastschrift, af, debe, cargo, cargos, retrait, retraits, sortie,",
    "afschrijving, charges, spent, お支払金額, 支払金額, お引出金額, 引出金額, 出金金額, 出金",
)
CREDIT = words(
    "credit, credits, credit amount, deposit, deposits, deposit amount, money in, paid in, in, inflow,",
    "haben, eingang, einnahme, gutschrift, bij, haber, abono, abonos, depot, bijschrijving, entree,",
    "received, お預り金額, お預入金額, 預り金額, 預入金額, 入金金額, 入金",
)
INDICATOR = words(
    "af bij, debit credit, credit debit, dr cr, cr dr, soll haben, umsatztyp, transaction type, type,",
    "details, direction, richtung, sens, tipo, debit credit indicator, cd, s h",
)
FEE = words("fee, fees, gebuhr, gebuhren, entgelt, kosten, frais, comision, commission, transaction fee")
TEXT = words(
    "description, transaction description, details, transaction details, narrative, memo, beschreibung,",
    "verwendungszweck, buchungstext, omschrijving, mededelingen, libelle, libelle operation, intitule,",
    "concepto, descripcion, detalle, text, buchungsinformation, remittance information, purpose, reference text,",
    "label, libelle simplifie, wording, paaiskinimai, 摘要, 取引内容, 内容",
)
PAYEE = words(
    "payee, name, merchant, merchant name, counterparty, counter party, payee name, beneficiary,",
    "auftraggeber begunstigter, begunstigter zahlungspflichtiger, beguenstigter zahlungspflichtiger,",
    "zahlungsempfanger in, zahlungsempfanger, empfanger, auftraggeber, naam omschrijving, naam,",
    "tegenpartij, beneficiaire, beneficiario, contrapartida, gavejas",
)
CATEGORY = words("category, kategorie, categorie, categoria, rubrik, rubrique, bank category")
CURRENCY = words(
    "currency, wahrung, devise, moneda, ccy, currency code, waehrung, munt, valiuta,",
    "valutacode, muntsoort, divisa, moeda, monn, monnaie",
)
ACCOUNT = words(
    "account, account name, account number, account #, card, card no, card number, card member, accountnum,",
    "account num, auftragskonto",
)
STATUS = words("status, state, transaction status, zustand, estado, statut, buchungsstatus")
BALANCE = words(
    "balance, running bal, running balance, saldo, kontostand, solde, saldo na mutatie, balance after,",
    "available balance, new balance, accountbalance, account balance, 差引残高, 残高",
)
NON_ENGLISH = frozenset(
    words(
        "datum, fecha, betrag, bedrag, montant, importe, umsatz, soll, haben, af bij, af, bij, debe, haber,",
        "verwendungszweck, omschrijving, mededelingen, libelle, concepto, buchungstag, buchungsdatum,",
        "wertstellung, valuta, kategorie, categorie, saldo, kontostand, solde, waehrung, wahrung, devise,",
        "naam omschrijving, date operation, fecha operacion, beschreibung, buchungstext",
    )
)

DEBIT_WORDS = frozenset(
    words(
        "debit, dr, d, af, s, soll, ausgang, out, outflow, withdrawal, debet, cargo, debito, db, -, charge,",
        "lastschrift",
    )
)
CREDIT_WORDS = frozenset(
    words("credit, cr, c, bij, h, haben, eingang, in, inflow, deposit, abono, credito, +, gutschrift")
)
PENDING_WORDS = words(
    "pending, vorgemerkt, reverted, declined, failed, cancelled, canceled, rejected, in behandeling,",
    "en attente, pendiente, authorised, authorized, on hold, hold, offen, storniert, abgelehnt",
)
BALANCE_LINE_PATTERNS = (
    r"^\s*(beginning|opening|starting|closing|ending|previous|new)\s+balance\b",
    r"^\s*(anfangssaldo|endsaldo|kontostand|saldo\s+(anterior|inicial|final|vortrag))\b",
    r"^\s*(solde\s+(initial|final|precedent|pr[eé]c[eé]dent|au))\b",
    r"^\s*(beginsaldo|eindsaldo)\b",
)
PENDING_TEXT = re.compile(r"\b(" + "|".join(re.escape(w) for w in PENDING_WORDS) + r")\b", re.IGNORECASE)
CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
ORIGINAL = re.compile(r"\b(orig\w*|foreign|local|ursprung\w*|fremd\w*|oorspronkelijk\w*)\b")
ISO_HINT = re.compile(
    r"\b(USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|INR|MXN|BRL|ZAR|SGD|HKD)\b"
)
