"""Telling a person's name from a merchant's, for the redaction gate.

A statement line names a person in a few recognisable ways, and each is masked as `[name]`:

- after a title ("DRS ALICE WONG", "Herr Otto Kretschmer");
- after a label that introduces the other party ("Empfänger: …", "Beneficiario …", "Payee: …");
- after an occupation or a relation ("BABYSITTER ZENOBIA QUARTERMAINE", "landlord Bartholomew
  Quince", "Grandma Edna Pennywhistle");
- after a preposition (to, from, an, à, para, de, for, …) when what follows has a given name in
  it or looks like a name: two or three capitalised words, none a merchant or everyday word;
- anywhere, a common given name followed by a surname ("JOHN Q PUBLIC", "Ezekiel Thornbury rent
  share", which is what a Payee column makes of a person).

Merchants survive: a run of words stops at any word a merchant or a bank line uses (SAVINGS,
CARD, SHOP, MARKT, a payment service), and a run that the built-in merchant table knows
("JOHN LEWIS", "Payment to Amazon") is never a person. The given names are data
(`given_names.json`), a few thousand across the languages privfin reads.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_GIVEN_NAMES_FILE = Path(__file__).with_name("given_names.json")


# Both are pure and called for every word of every text the name rules read (a categorize run
# checks each merchant's text): cached, a 5,000-row run's name check costs ~25% less.
@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Lower case without accents: how words are compared with the lists below."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ß", "ss").replace("ẞ", "SS"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip(".")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    names = json.loads(_GIVEN_NAMES_FILE.read_text(encoding="utf-8"))["names"]
    return frozenset(fold(name) for name in names)


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(word) for word in text.split())


TITLES = _words(
    "mr mrs ms miss mx dr drs messrs prof sir rev herr herrn frau mme mlle monsieur madame"
    " mademoiselle sr sra srta dhr mevr dott sig sigra don dona"
)
# Titles that are also everyday words or brands ("DR PEPPER", "DON JULIO", "SR 520") name a
# person only after a preposition, or when a given name follows.
WEAK_TITLES = _words("dr ms sr sra don dona sig sir")
LABELS = _words(
    "empfanger empfaenger zahlungsempfanger zahlungsempfaenger auftraggeber begunstigter"
    " beguenstigter kontoinhaber inhaber beneficiario beneficiaire beneficiary payee payer"
    " ordinante ordenante remitter remitente titular debiteur crediteur absender sender"
    " name naam nom nombre"
)
# Two-word labels, as (first, second): "Tegenrekening naam", "Nom du bénéficiaire".
LABEL_PAIRS = frozenset({("tegenrekening", "naam"), ("naam", "tegenrekening"), ("name", "des")})
OCCUPATIONS = _words(
    "babysitter babysitting nanny sitter childminder tutor tutoring teacher coach trainer landlord"
    " landlady tenant roommate flatmate housemate cleaner housekeeper gardener handyman plumber"
    " electrician walker dogwalker lady maid therapist caregiver carer au-pair aupair"
    " mom mum mother dad father grandma grandpa granny grandmother grandfather nana aunt auntie"
    " uncle brother sister son daughter cousin niece nephew friend wife husband girlfriend"
    " boyfriend partner fiance fiancee"
    " vermieter vermieterin mieter putzfrau putzhilfe nachhilfe oma opa mama papa tante onkel"
    " bruder schwester tochter sohn freund freundin nounou proprietaire locataire femme mari"
    " mamie papi abuela abuelo madre padre hermano hermana tia tio amigo amiga niñera"
    " verhuurder oppas moeder vader"
)
# Paying a person back: "REIMBURSE THISTLEWOOD O".
PAYING_BACK = _words("reimburse reimbursement repay repayment payback")
PREPOSITIONS = _words("to from for an von fur fuer a à para de van naar aan pour zu da di with w mit avec")
# After these a name needs no given name, only a name's shape ("Payment to Quillon Ashgrove"):
# "a", "de", "da", "di", "zu" and "for" also join merchants' names ("PRET A MANGER").
STRONG_PREPOSITIONS = frozenset(
    {
        "to",
        "from",
        "an",
        "von",
        "fur",
        "fuer",
        "para",
        "pour",
        "naar",
        "aan",
        "van",
        "with",
        "w",
        "mit",
        "avec",
    }
)
# Words that end a person's name wherever it stands: bank lines, payment services, everyday words.
BANK_WORDS = _words(
    # bank lines and accounts
    "payment payments pmt pymt transfer transfers xfer trf wire ach sepa deposit withdrawal"
    " refund reimbursement reimburse rebate credit debit card cards checking chk savings sav"
    " account acct bank banking balance loan mortgage rent miete loyer alquiler huur affitto"
    " invoice rechnung factura facture bill bills fee fees charge interest dividend payroll"
    " salary salario gehalt lohn paycheck bonus cashback cash check cheque online mobile"
    " instant recurring standing order auto autopay direct dd so ref reference conf memo note"
    " notes id web ppd ccd tel pos purchase sale return thank thanks you your my our his her"
    " the and or of with via per on at in by la le les el los las der die das den dem des"
    " du del della dei het een und et y e ou o i me us we it is this that share shared split"
    " lunch dinner breakfast drinks gift gifts present birthday party trip holiday vacation"
    " wallet konto tagesgeld sparkonto girokonto iban bic ssn savings brokerage ira roth"
    " verwendungszweck betreff referenz omschrijving kenmerk concepto motivo causale"
    # payment services
    " zelle venmo paypal wise revolut interac remitly xoom bizum lydia paylib twint swish vipps"
    " tikkie satispay gutschrift uberweisung ueberweisung dauerauftrag lastschrift overboeking"
    " overschrijving virement transferencia bonifico prelevement abbuchung einzahlung"
    " e-transfer etransfer sent received money request requested"
    " geschenk danke dank sparen erbe schulden gebuhren essen kosten anteil rueckzahlung"
    " ruckzahlung merci cadeau gracias regalo bedankt cadeautje grazie"
    # Lithuanian booking words (Swedbank LT): rent, wages, "for"
    " nuoma darbo uzmokestis alga uz"
)
# Words that end a name unless a title or a label announced it ("Dr Gregory House", "Name:
# Foo Bar"): what merchants call themselves.
MERCHANT_WORDS = _words(
    " shop shoppe store stores market markets mart markt supermarket supermarkt supermarche"
    " supermercado grocery groceries foods food cafe coffee restaurant restaurants bar bars"
    " grill pizza pizzeria kitchen bakery baeckerei backerei boulangerie panaderia bakkerij"
    " deli butcher metzgerei pharmacy apotheke pharmacie farmacia apotheek drug drugs"
    " hotel hotels inn motel hostel airline airlines airways air rail railway taxi cab cabs"
    " parking garage auto autos motors motor car cars service services repair repairs salon"
    " spa studio studios gym fitness club center centre clinic dental dentist medical"
    " hospital health school academy university college church foundation charity insurance"
    " versicherung union trust capital group company corp corporation inc llc ltd limited"
    " gmbh ag kg sa sas sarl srl spa bv nv plc co emporium boutique outlet depot supply"
    " supplies hardware home garden books music games sports toys pets pet vet animal wine"
    " liquor beer brewing brewery tavern pub lounge diner bistro brasserie trattoria taqueria"
    " sushi ramen noodle noodles burger burgers chicken tacos wash laundry cleaners cleaning"
    " florist flowers jewelers jewelry optical eye care grooming travel tours tickets ticket"
    " theater theatre cinema movies museum zoo park energy electric electricity gas water"
    " power telecom wireless internet cable digital software apps app cloud media news"
    " press post postal shipping express delivery logistics rental rentals lease properties"
    " property realty apartments housing finance financial tax taxes revenue city county"
    " state department dept government office kiosk tankstelle stadtwerke sparkasse volksbank"
    " raiffeisenbank librairie epicerie tabac tienda winkel laden haus house tea juice bread"
    " donuts bagels cookies cookie smoothie fresh organic natural market's general dollar discount"
    " wholesale warehouse furniture electronics fashion apparel shoes clothing beauty nails"
    " hair barber barbershop tattoo pharma labs lab partners associates holdings"
    " enterprises industries international global national american services"
    " radio nursery kennel cobbler municipal sharpening knife atm sec investment investments"
    " immobilien management firma compte courant transaction description valutadatum"
    " kwijtschelding eingang auszahlung http https www hyperlink pramie xxx village town ctr"
    " stichting woningstichting woonstichting vereniging verein gemeente groep gruppe groupe"
    " grupo benefactor donation donations spende ohne mit aus bei sans avec sin con zonder met"
    " fuel transit concert textbook license licence court fines toll tolls"
    " consulting solutions systems technologies tech works bucher buecher advies belastingadvies"
    " installatie belasting"
)
# Word endings that make a merchant's or an institution's word, not a name ("Moontower
# Bikeworks", "Lakeshore Knife Sharpening", "Woningstichting"), with the shortest word each
# applies to: shorter words with the same ending are often surnames (Jung, Clement, Fleming).
_MERCHANT_ENDINGS_TEXT = (
    "works:6 ware:7 tech:6 tronics:8 shop:6 mart:6 markt:7 center:7 centre:7 stichting:10"
    " verein:8 versicherung:12 werke:7 dienst:8 zentrum:9 ing:9 ung:7 heit:7 keit:7"
    " schaft:8 tion:7 sion:8 ment:8 ique:7 erie:7 bank:6 kasse:8 haus:7 laden:8 land:7 world:8"
)
_MERCHANT_ENDINGS = tuple(
    (ending, int(shortest))
    for ending, _, shortest in (entry.partition(":") for entry in _MERCHANT_ENDINGS_TEXT.split())
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    folded: str

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def initial(self) -> bool:
        return len(self.folded) == 1


# A word of letters (any script), with inner apostrophes or hyphens, and an optional full stop
# ("Dr.", "Q."); never the "name" inside a "[name]" placeholder.
_WORD = re.compile(r"(?<![\w\[])[^\W\d_]+(?:['’-][^\W\d_]+)*\.?(?![\w\]])")
_RUN_GAP = re.compile(r"\s+")
_LABEL_COLON = re.compile(r"\s*:")
_TRIGGER_GAP = re.compile(r"\s*[-:,/]?\s*|\s*\*\s*")
MAX_NAME_WORDS = 4
_VOWEL = re.compile(r"[aeiouyäöüæøåéèêáíóú]")
# Lower-case particles inside a name: "Sanne de Vries", "Ludwig van Beethoven".
PARTICLES = _words("de van von der den da di du le la ten ter dos das del")


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group(0), fold(m.group(0))) for m in _WORD.finditer(text)]


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Merchant words, and every word the default categories and labeling rules use ("fuel",
    "transit", "concerts", "textbooks"): text built of them is a business, not a person."""
    # Imported here: the taxonomy module reads the store, which the name rules do not need.
    from app.categorize.taxonomy import DEFAULT_TAXONOMY, LABELING_RULES

    described = " ".join(f"{c.name} {c.description}" for c in DEFAULT_TAXONOMY.categories)
    words = {fold(w) for w in re.findall(r"[^\W\d_]{3,}", f"{described} {LABELING_RULES}")}
    return frozenset((words - given_names()) | MERCHANT_WORDS | OCCUPATIONS)


@lru_cache(maxsize=1 << 16)
def is_merchant_word(folded: str) -> bool:
    vocabulary = _vocabulary()
    singular = folded[:-1] if folded.endswith("s") else folded
    if folded in vocabulary or f"{folded}s" in vocabulary or singular in vocabulary:
        return True
    if folded in given_names():
        return False
    return any(folded.endswith(ending) and len(folded) >= shortest for ending, shortest in _MERCHANT_ENDINGS)


def _ends_name(token: _Token, announced: bool) -> bool:
    if token.folded in BANK_WORDS or token.folded in PREPOSITIONS or token.folded in TITLES:
        return True
    if token.folded in LABELS and token.folded not in given_names():
        return True
    return not announced and is_merchant_word(token.folded)


def _is_particle(tokens: Sequence[_Token], index: int, announced: bool) -> bool:
    """A particle with a capitalised name word after it ("de Vries")."""
    if tokens[index].folded not in PARTICLES or index + 1 >= len(tokens):
        return False
    following = tokens[index + 1]
    return following.capitalised and not _ends_name(following, announced)


def _name_cased(token: _Token, run: Sequence[_Token]) -> bool:
    """Capitalised, or in lower case (as a user types a description: "money I send to
    gertrude") a given name of four letters or more, or the word right after one."""
    if token.capitalised:
        return True
    if token.initial:
        return False
    if len(token.folded) >= 4 and token.folded in given_names():
        return True
    return bool(run) and not run[-1].capitalised and run[-1].folded in given_names()


def _run(
    text: str,
    tokens: Sequence[_Token],
    first: int,
    gap: re.Pattern[str] | None,
    *,
    announced: bool = False,
) -> list[_Token]:
    """The name-like words from `tokens[first]` on: capitalised, joined by spaces only, none a
    word that ends a name, at most MAX_NAME_WORDS. `gap` is what may separate the first of
    them from the word before (None: anything); `announced` when a title or a label said a
    person follows, so that merchant words may be part of the name."""
    run: list[_Token] = []
    previous_end = tokens[first - 1].end if first > 0 else 0
    for index in range(first, min(len(tokens), first + MAX_NAME_WORDS)):
        token = tokens[index]
        pattern = gap if not run else _RUN_GAP
        if pattern is not None and not pattern.fullmatch(text[previous_end : token.start]):
            break
        if run and _is_particle(tokens, index, announced):
            run.append(token)
            previous_end = token.end
            continue
        if _ends_name(token, announced) or not _name_cased(token, run) or _LABEL_COLON.match(text, token.end):
            break
        run.append(token)
        previous_end = token.end
    while run and run[-1].folded in PARTICLES:
        run.pop()
    if announced:
        # Initials after an announced name are part of it ("Naam: PAULISSEN G J L M").
        while len(run) < len(tokens) - first and tokens[first + len(run)].initial:
            following = tokens[first + len(run)]
            if not _RUN_GAP.fullmatch(text[run[-1].end if run else following.start : following.start]):
                break
            run.append(following)
    else:
        # A trailing initial is more often a state or a branch letter than a middle name.
        while run and run[-1].initial:
            run.pop()
    return run


def _span_text(text: str, run: Sequence[_Token]) -> str:
    return text[run[0].start : run[-1].end]


def _known_merchant(text: str) -> bool:
    # Imported here: the built-in rules import the merchant parser, which the gate must not need
    # at import time.
    from app.categorize.builtin_rules import is_known_merchant

    return is_known_merchant(text)


def _has_given_name(run: Sequence[_Token]) -> bool:
    return any(token.folded in given_names() for token in run if not token.initial)


def _looks_like_a_name(run: Sequence[_Token]) -> bool:
    """Two or three capitalised words, none shorter than two letters but initials, none a
    merchant or everyday word (the run already stops at those)."""
    words = [token for token in run if not token.initial]
    return 2 <= len(words) <= 3 and all(
        len(token.folded) >= 2 and _VOWEL.search(token.folded) for token in words
    )


def _trigger(tokens: Sequence[_Token], index: int, text: str) -> tuple[str, int] | None:
    """The kind of word at `index` that announces a person, and how many tokens it takes."""
    token = tokens[index]
    if index + 1 < len(tokens):
        pair = (token.folded, tokens[index + 1].folded)
        if pair in LABEL_PAIRS or (token.folded == "dog" and pair[1] == "walker"):
            return ("label", 2)
    if token.folded in LABELS:
        # "NAME" and "PAYEE" are common words; they introduce a person with a colon only.
        after = text[token.end : token.end + 3]
        if token.folded in {"name", "naam", "nom", "nombre", "payee", "payer", "sender"} and ":" not in after:
            return None
        return ("label", 1)
    if token.folded in OCCUPATIONS or token.folded in PAYING_BACK:
        return ("label", 1)
    if token.folded in TITLES:
        return ("weak title" if token.folded in WEAK_TITLES else "title", 1)
    if token.folded in PREPOSITIONS:
        return ("strong preposition" if token.text.casefold() in STRONG_PREPOSITIONS else "preposition", 1)
    return None


# A company's legal form written with full stops, which the words of a run do not show.
_LEGAL_FORM = re.compile(
    r"(?:[^\W\d_][\w'’-]*\s+){1,3}(?:B\.\s?V|N\.\s?V|S\.\s?A|S\.\s?L|E\.\s?V|S\.\s?R\.\s?L|S\.\s?P\.\s?A)\b",
    re.IGNORECASE,
)


def _person_after(text: str, kind: str, run: Sequence[_Token], preceded_by_preposition: bool) -> bool:
    if kind in ("title", "weak title") and any(is_merchant_word(t.folded) for t in run):
        # "Dr Gregory House" is a person, "MRS FIELDS COOKIES" a bakery.
        return _has_given_name(run)
    if kind == "title":
        return True
    if kind == "label":
        # "Naam: Werkgever BV" names a company: a merchant word in it says so.
        return not any(is_merchant_word(token.folded) for token in run) and not _LEGAL_FORM.match(
            text, run[0].start
        )
    if kind == "weak title":
        return preceded_by_preposition or _has_given_name(run[:1])
    # after a preposition: a given name, or the shape of a name
    return _has_given_name(run) or (kind == "strong preposition" and _looks_like_a_name(run))


# What a person's payee line adds after the name ("Quorra Ashgrove rent share", a Payee column
# joined to its memo): words about sharing costs with someone, never a merchant's.
PERSONAL_MEMOS = _words(
    "rent share shared split lunch dinner breakfast brunch drinks gift birthday present"
    " babysitting childcare tutoring lessons owed iou payback repayment thanks thank you back"
    " miete anteil geschenk essen danke loyer cadeau merci regalo alquiler gracias huur bedankt"
)


def _name_before_a_memo(text: str, tokens: Sequence[_Token]) -> tuple[int, int] | None:
    """A line that opens with a name's shape and goes on with nothing but personal memo words."""
    run = _run(text, tokens, 0, None)
    rest = tokens[len(run) :]
    if not rest or not _looks_like_a_name(run) or text[: tokens[0].start].strip():
        return None
    if not all(token.folded in PERSONAL_MEMOS or token.folded in BANK_WORDS for token in rest):
        return None
    if not any(token.folded in PERSONAL_MEMOS for token in rest) or _known_merchant(_span_text(text, run)):
        return None
    return (run[0].start, run[-1].end)


def person_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names a person: (start, end) of each name, in order, not overlapping."""
    tokens = _tokens(text)
    opening = _name_before_a_memo(text, tokens) if tokens else None
    if opening is not None:
        return [opening]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        trigger = _trigger(tokens, index, text)
        if trigger is not None:
            kind, width = trigger
            first = index + width
            announced = kind in ("label", "title", "weak title")
            run = _run(text, tokens, first, _TRIGGER_GAP, announced=announced) if first < len(tokens) else []
            preceded = index > 0 and tokens[index - 1].folded in PREPOSITIONS
            # A title or label may be followed by a name with a merchant word in it ("Dr Gregory
            # House"), so there only a brand in first place ("Empfänger: REWE Markt") is kept.
            brand = bool(run) and (
                _known_merchant(_span_text(text, [tokens[index], *run]))
                or _known_merchant(run[0].text if announced else _span_text(text, run))
            )
            if run and _person_after(text, kind, run, preceded) and not brand:
                spans.append((run[0].start, run[-1].end))
                index = first + len(run)
                continue
        elif tokens[index].folded in given_names() and _name_cased(tokens[index], ()):
            run = _run(text, tokens, index, None)
            surnames = [t for t in run[1:] if not t.initial and len(t.folded) >= 3]
            if surnames and not _known_merchant(_span_text(text, run)):
                spans.append((run[0].start, run[-1].end))
                index += len(run)
                continue
        index += 1
    return spans


def _repeated(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Other places where a masked name's words stand, with the initials around them: ING
    prints the other party before its label too ("J. JANSEN Naam: J. JANSEN")."""
    masked = {
        token.folded
        for start, end in spans
        for token in _tokens(text[start:end])
        if len(token.folded) >= 3 and not is_merchant_word(token.folded)
    }
    tokens = _tokens(text)
    found: list[tuple[int, int]] = []
    for index, token in enumerate(tokens):
        if token.folded not in masked or any(start <= token.start < end for start, end in spans):
            continue
        first = last = index
        while (
            first > 0
            and tokens[first - 1].initial
            and _RUN_GAP.fullmatch(text[tokens[first - 1].end : tokens[first].start])
        ):
            first -= 1
        while (
            last + 1 < len(tokens)
            and tokens[last + 1].initial
            and _RUN_GAP.fullmatch(text[tokens[last].end : tokens[last + 1].start])
        ):
            last += 1
        found.append((tokens[first].start, tokens[last].end))
    return found


# Pure (the name rules are package data), and one run asks about the same text many times:
# redaction repeats until nothing changes, and the raw line, its cleaned name, the text sent
# and the name checks are each redacted. Cached, the name check of a 5,000-row offline run
# costs about half.
@lru_cache(maxsize=1 << 15)
def name_spans(text: str) -> tuple[tuple[int, int], ...]:
    """`person_spans`, and every other place the same names stand, merged and in order."""
    spans = person_spans(text)
    merged: list[tuple[int, int]] = []
    for start, end in sorted([*spans, *_repeated(text, spans)]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def may_be_a_bare_name(text: str) -> bool:
    """`text` is two or three plain words that could be nothing but a person's name: a given
    name among them, or none of them a word a merchant or a bank line uses."""
    text = text.replace(",", " ")  # "SCHMIDT, MARIA"
    tokens = _tokens(text)
    if not tokens or text[: tokens[0].start].strip() or text[tokens[-1].end :].strip(" ."):
        return False
    for before, after in itertools.pairwise(tokens):
        if text[before.end : after.start].strip():
            return False
    run = _run(text, tokens, 0, None) if all(t.capitalised for t in tokens) else []
    if len(run) != len(tokens) or _known_merchant(text):
        return False
    return _looks_like_a_name(run) or (len(run) >= 2 and _has_given_name(run))
