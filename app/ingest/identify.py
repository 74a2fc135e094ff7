"""Identify a located table: which mapping reads it, how sure that is, and the evidence.

Like beangulp's `identify()`, this is the one place that says why a file was read the way
it was: your explicit mapping, then a mapping you saved for this header, then an issuer
profile (used only when its own sample rows read with it), then the generic reader's
whole-file detection (`app.ingest.generic`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from app.ingest.amounts import AmountError, cached_amount_parser
from app.ingest.currency import CurrencySource
from app.ingest.dates import DateFormat, infer_date_format
from app.ingest.errors import IngestError
from app.ingest.evidence import sign_evidence
from app.ingest.generic import detect_mapping
from app.ingest.layout import Layout
from app.ingest.mapping import ColumnMapping, SignRule, normalize_header
from app.ingest.profiles import IssuerProfile
from app.ingest.reader import is_blank

GENERIC_LAYOUT = "Unrecognized layout (detected columns)"
GENERIC_HEADERLESS_LAYOUT = "Unrecognized layout without a header (detected columns)"
EXPLICIT_LAYOUT = "Your column mapping"
REMEMBERED_LAYOUT = "Your saved column mapping"
# Doubts about names only: the column's values, with the file's evidence, decided its role.
_NAMING_DOUBTS = ("by its values, not its name", "its columns were recognised by their values alone")
_PROFILE_SAMPLE = 50  # data rows a profile is tried on before it is used
_PROFILE_FIT = 0.5  # share of them that must read; below it the generic reader takes over


@dataclass
class Identification:
    mapping: ColumnMapping
    layout_name: str
    profile: IssuerProfile | None = None
    confident: bool = True
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency_source: CurrencySource = CurrencySource.FILE
    evidence: list[str] = field(default_factory=list)  # what decided it, for the file card and goldens


def identify(
    layout: Layout,
    fingerprint: str,
    filename: str,
    explicit: ColumnMapping | None,
    remembered: Callable[[str], ColumnMapping | None] | None,
) -> Identification:
    if explicit is not None:
        check_columns(explicit, layout, filename)
        return Identification(
            mapping=explicit,
            layout_name=EXPLICIT_LAYOUT,
            currency_source=CurrencySource.MAPPING,
            evidence=["your column mapping"],
        )
    saved = remembered(fingerprint) if remembered is not None else None
    if saved is not None and _fits(saved, layout):
        return Identification(
            mapping=saved,
            layout_name=REMEMBERED_LAYOUT,
            notes=["used your saved column mapping"],
            currency_source=CurrencySource.MAPPING,
            evidence=["your saved column mapping for this header"],
        )
    verified, unverified, refusal = _profile_reading(layout)
    if verified is not None:
        return verified
    return _generic_reading(layout, filename, unverified, refusal)


def _profile_reading(layout: Layout) -> tuple[Identification | None, Identification | None, str | None]:
    """The header's issuer profile, if its sample rows read: (verified, unverified, why refused)."""
    profile = layout.profile
    if profile is None:
        return None, None, None
    if not layout.weak_profile:
        chosen = _profile_choice(profile, layout, [], ["its header signature"])
    elif _signs_confirm(profile, layout):
        notes = [f"recognised as {profile.name} from its header and the signs of its payments"]
        chosen = _profile_choice(
            profile, layout, notes, ["its header signature and the signs of its payments"]
        )
    else:
        refusal = (
            f"the header is the same as {profile.name}'s, but the signs do not look like that export; "
            "columns were detected instead"
        )
        return None, None, refusal
    read, sampled = _sample_fit(chosen.mapping, layout)
    if not sampled or read >= _PROFILE_FIT * sampled:
        chosen.evidence.append(f"{read} of {sampled} sample rows read with its dates and amounts")
        return chosen, None, None
    refusal = (
        f"the header looks like {profile.name}'s, but only {read} of {sampled} sample rows read "
        "with that export's dates and amounts; columns were detected instead"
    )
    return None, chosen, refusal


def _generic_reading(
    layout: Layout, filename: str, unverified: Identification | None, refusal: str | None
) -> Identification:
    """The generic reader's detection; if it finds nothing, an unverified profile's reading, unsure."""
    rows = [r for r in layout.records.rows[layout.data_start :] if not is_blank(r)]
    if not rows:
        raise IngestError(filename, "the file has a header row but no transactions")
    try:
        detection = detect_mapping(
            layout.columns,
            rows,
            filename=filename,
            delimiter=layout.records.delimiter,
            has_header=layout.header_index is not None,
        )
    except IngestError:
        if unverified is None:
            raise
        # Nothing else reads it either: the profile's reading reports each bad row by its line.
        unverified.confident = False
        unverified.reasons.append(
            refusal.replace("columns were detected instead", "read as that export anyway") if refusal else ""
        )
        unverified.evidence.append("its sample rows did not read, and no other layout fits")
        return unverified
    notes = list(detection.notes)
    if refusal is not None:
        notes.insert(0, refusal)
    return Identification(
        mapping=detection.mapping,
        layout_name=GENERIC_LAYOUT if layout.header_index is not None else GENERIC_HEADERLESS_LAYOUT,
        confident=detection.confident,
        reasons=list(detection.uncertain_reasons),
        notes=notes,
        evidence=[*([refusal] if refusal else []), *detection.evidence],
    )


def is_naming_doubt(reason: str) -> bool:
    return any(marker in reason for marker in _NAMING_DOUBTS)


def _sample_fit(mapping: ColumnMapping, layout: Layout) -> tuple[int, int]:
    """(rows that read, rows tried) over the first data rows: a date in the mapping's format, and
    amount cells that are numbers or empty. A profile is used only when its own rows read."""
    known = column_index(layout)

    def at(name: str | None) -> int | None:
        return known.get(normalize_header(name)) if name else None

    date_at = at(mapping.date)
    money_at = [
        i
        for i in (
            at(mapping.amount),
            at(mapping.debit),
            at(mapping.credit),
            *map(at, mapping.amount_by_currency),
        )
        if i is not None
    ]
    if date_at is None or not money_at:
        return 0, 0
    parse_date = DateFormat.compile(mapping.date_format).cached_parser()
    parse_amount = cached_amount_parser(mapping.decimal)
    read = sampled = 0
    for cells in layout.records.rows[layout.data_start :]:
        if is_blank(cells):
            continue
        sampled += 1
        amounts_ok = all(_is_number_or_empty(parse_amount, cells[i]) for i in money_at if i < len(cells))
        date_ok = date_at < len(cells) and parse_date(cells[date_at]) is not None
        read += amounts_ok and date_ok
        if sampled >= _PROFILE_SAMPLE:
            break
    return read, sampled


def _is_number_or_empty(parse: Callable[[str], Decimal | None], cell: str) -> bool:
    try:
        parse(cell.strip())
    except AmountError:
        return False
    return True


def _profile_choice(
    profile: IssuerProfile, layout: Layout, notes: list[str], evidence: list[str]
) -> Identification:
    """The profile's mapping, unless the file's dates were rewritten (a spreadsheet re-save)."""
    mapping = profile.mapping
    reasons: list[str] = []
    index = column_index(layout).get(normalize_header(mapping.date))
    values = [
        cells[index]
        for cells in layout.records.rows[layout.data_start :]
        if index is not None and index < len(cells) and cells[index].strip()
    ]
    expected = DateFormat.compile(mapping.date_format)
    sample = values[:200]
    if sample and sum(expected.parse(v) is not None for v in sample) < 0.5 * len(sample):
        guess = infer_date_format(values, column=mapping.date, day_first_hint=expected.order == "DMY")
        if guess is not None and guess.valid_fraction >= 0.9:
            mapping = mapping.model_copy(update={"date_format": guess.format})
            notes = [
                *notes,
                f"dates in '{mapping.date}' are {guess.format}, not the {expected.pattern} this export "
                f"normally has (re-saved by a spreadsheet?); they were read as {guess.format}",
            ]
            if not guess.confident and guess.reason:
                reasons.append(guess.reason)
    return Identification(
        mapping=mapping,
        layout_name=profile.name,
        profile=profile,
        confident=not reasons,
        reasons=reasons,
        notes=notes,
        currency_source=CurrencySource.PROFILE,
        evidence=[f"{profile.name}: " + ", ".join(evidence)],
    )


def column_index(layout: Layout) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(layout.columns):
        index.setdefault(normalize_header(name), position)
    return index


def _fits(mapping: ColumnMapping, layout: Layout) -> bool:
    if mapping.has_header != (layout.header_index is not None):
        return False
    known = column_index(layout)
    return all(normalize_header(c) in known for c in mapping.required_columns())


def check_columns(mapping: ColumnMapping, layout: Layout, filename: str) -> None:
    known = column_index(layout)
    missing = [c for c in mapping.required_columns() if normalize_header(c) not in known]
    if missing:
        raise IngestError(
            filename, "the mapping names columns this file does not have: " + ", ".join(missing)
        )


def _signs_confirm(profile: IssuerProfile, layout: Layout) -> bool:
    mapping = profile.mapping
    known = column_index(layout)
    if mapping.amount is None or normalize_header(mapping.amount) not in known:
        return False
    amount_at = known[normalize_header(mapping.amount)]
    text_at = [known[normalize_header(c)] for c in mapping.description if normalize_header(c) in known]
    parse = cached_amount_parser(mapping.decimal)
    texts: list[str] = []
    amounts: list[Decimal | None] = []
    for cells in layout.records.rows[layout.data_start :]:
        if is_blank(cells) or amount_at >= len(cells):
            continue
        try:
            amounts.append(parse(cells[amount_at].strip()))
        except AmountError:
            amounts.append(None)
        texts.append(" ".join(cells[i] for i in text_at if i < len(cells)))
    evidence = sign_evidence(texts, amounts)
    wanted = "inverted" if mapping.sign is SignRule.SIGNED_INVERTED else "normal"
    return evidence == wanted
