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


@dataclass
class Identification:
    mapping: ColumnMapping
    layout_name: str
    profile: IssuerProfile | None = None
    confident: bool = True
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency_source: CurrencySource = CurrencySource.FILE


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
            mapping=explicit, layout_name=EXPLICIT_LAYOUT, currency_source=CurrencySource.MAPPING
        )
    saved = remembered(fingerprint) if remembered is not None else None
    if saved is not None and _fits(saved, layout):
        return Identification(
            mapping=saved,
            layout_name=REMEMBERED_LAYOUT,
            notes=["used your saved column mapping"],
            currency_source=CurrencySource.MAPPING,
        )
    profile = layout.profile
    if profile is not None:
        if not layout.weak_profile:
            return _profile_choice(profile, layout, [])
        if _signs_confirm(profile, layout):
            notes = [f"recognised as {profile.name} from its header and the signs of its payments"]
            return _profile_choice(profile, layout, notes)
    rows = [r for r in layout.records.rows[layout.data_start :] if not is_blank(r)]
    if not rows:
        raise IngestError(filename, "the file has a header row but no transactions")
    detection = detect_mapping(
        layout.columns,
        rows,
        filename=filename,
        delimiter=layout.records.delimiter,
        has_header=layout.header_index is not None,
    )
    notes = list(detection.notes)
    if profile is not None:
        notes.insert(
            0,
            f"the header is the same as {profile.name}'s, but the signs do not look like that export; "
            "columns were detected instead",
        )
    return Identification(
        mapping=detection.mapping,
        layout_name=GENERIC_LAYOUT if layout.header_index is not None else GENERIC_HEADERLESS_LAYOUT,
        confident=detection.confident,
        reasons=list(detection.uncertain_reasons),
        notes=notes,
    )


def _profile_choice(profile: IssuerProfile, layout: Layout, notes: list[str]) -> Identification:
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
