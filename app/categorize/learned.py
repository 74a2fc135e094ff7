"""The learned model: a local classifier trained on the categories the user set or confirmed.

Like smart_importer, it learns from the user's own ledger: every row the user corrected,
fixed merchant-wide, covered by a rule or marked reviewed is a label. Nothing leaves the
machine. It is rebuilt from the ledger at the start of every categorization run (so after
each import and each correction), which takes a fraction of a second for 10k labels (see
`benchmarks/bench_learning.py`); there is no model file that could go stale or corrupt.

The classifier is multinomial naive Bayes over hashed-free sparse features: character 3-
and 4-grams and words of the merchant text and payee, the statement's words, the direction,
an amount bucket and the bank's own category. Naive Bayes trains by counting, so the
cross-validation that decides how far it may be trusted costs one subtraction per fold, and
numpy (already loaded by the store) is all it needs; scikit-learn would add about a second
of import time to every `privfin` start for no better accuracy on a few thousand labels.

It answers only where it has earned it: the folds hold whole merchants out (the cascade's
history step already covers merchants the user has labeled), and the model answers only
above the posterior at which its held-out answers were right at least `TARGET_PRECISION`
of the time, with at least `MIN_SUPPORT` of them. A category with fewer than
`MIN_MERCHANTS_PER_CATEGORY` labeled merchants is never answered.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from app.categorize.merchant import merchant_name
from app.models import Direction, direction_of
from app.store import LabeledRow

MIN_MERCHANTS_PER_CATEGORY = 3
"""A category needs this many labeled merchants before the model may answer it."""

TARGET_PRECISION = 0.9
"""The model answers only where its held-out answers were at least this often right."""

MIN_SUPPORT = 8
"""Held-out answers needed above a threshold before it counts as earned."""

MAX_CONFIDENCE = 0.94
"""Below the user's own history (0.95): a guess from similar merchants is never as sure."""

FOLDS = 5
SMOOTHING = 0.3
EXPLAINING_EXAMPLES = 3
_COMMON_FEATURE = 400  # features on more labeled merchants than this explain nothing
_SCORE_CHUNK = 60_000  # feature columns scored at once (bounds the temporary matrix)

_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only: digits are store numbers and references
_BIAS = "bias"


@dataclass(frozen=True)
class Example:
    """What the model reads of one row (or of one merchant group)."""

    merchant: str
    payee: str | None
    description: str
    direction: Direction
    amount: Decimal
    bank_category: str | None


@dataclass(frozen=True)
class LearnedGuess:
    category: str
    confidence: float
    examples: tuple[str, ...]  # the nearest labeled merchants of that category

    @property
    def reason(self) -> str:
        like = f": like {', '.join(self.examples)}" if self.examples else ""
        return f"learned from your categories{like}"


def merchant_text(merchant_key: str | None, description: str) -> str:
    """The merchant's name as the model reads it: its key, or the cleaned line when it has none."""
    if merchant_key and not merchant_key.startswith("#"):
        return merchant_key
    return merchant_name(description)


def example_of(row: LabeledRow) -> Example:
    return Example(
        merchant=merchant_text(row.merchant_key, row.description),
        payee=row.payee,
        description=row.description,
        direction=direction_of(row.amount),
        amount=row.amount,
        bank_category=row.bank_category,
    )


def _text_features(prefix: str, text: str, out: set[str]) -> None:
    for word in _WORD.findall(text.upper()):
        out.add(f"{prefix}w:{word}")
        padded = f" {word} "
        for n in (3, 4):
            for start in range(len(padded) - n + 1):
                out.add(prefix + padded[start : start + n])


def amount_bucket(amount: Decimal) -> int:
    """Powers of two of the absolute amount: 3.50 and 3.90 share a bucket, 4 and 400 do not."""
    magnitude = abs(float(amount))
    return min(40, int(math.log2(magnitude + 1.0)))


def features(example: Example) -> set[str]:
    out = {_BIAS, f"d:{example.direction}", f"a:{example.direction}:{amount_bucket(example.amount)}"}
    _text_features("", example.merchant, out)
    if example.payee:
        _text_features("p", example.payee, out)
    out.update(f"r:{word}" for word in _WORD.findall(example.description.upper()))
    if example.bank_category:
        out.add(f"b:{example.bank_category.strip().casefold()}")
    return out


def _explaining(features_of: set[str]) -> set[str]:
    """The features worth naming a neighbour by: words and 4-grams of the merchant text."""
    return {f for f in features_of if f.startswith("w:") or (len(f) == 4 and f[0] not in "pbdar")}


@dataclass
class _Calibration:
    """Held-out posteriors (highest first) and the share right among those at or above each."""

    posteriors: npt.NDArray[np.float64]
    precision: npt.NDArray[np.float64]
    threshold: float  # inf when nothing was earned

    def confidence(self, posterior: float) -> float:
        # posteriors is descending: count how many held-out answers were at least this sure.
        at_least = int(np.searchsorted(-self.posteriors, -posterior, side="right"))
        index = max(at_least, MIN_SUPPORT) - 1
        return float(min(MAX_CONFIDENCE, self.precision[min(index, len(self.precision) - 1)]))


def _calibrate(posteriors: npt.NDArray[np.float64], right: npt.NDArray[np.bool_]) -> _Calibration:
    order = np.argsort(-posteriors, kind="stable")
    ranked = posteriors[order]
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    threshold = math.inf
    earned = np.nonzero(precision[MIN_SUPPORT - 1 :] >= TARGET_PRECISION)[0]
    if len(earned):
        threshold = float(ranked[MIN_SUPPORT - 1 + earned[-1]])
    return _Calibration(ranked, precision, threshold)


class _Counts:
    """Per-category feature counts: naive Bayes's whole state."""

    def __init__(self, classes: int, vocabulary: int) -> None:
        self.features = np.zeros((classes, vocabulary))
        self.examples = np.zeros(classes)
        self.vocabulary = vocabulary

    def add(
        self, labels: npt.NDArray[np.int64], flat: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
    ) -> None:
        np.add.at(self.features, (np.repeat(labels, lengths), flat), 1.0)
        np.add.at(self.examples, labels, 1.0)

    def minus(self, other: _Counts) -> _Counts:
        result = _Counts(0, self.vocabulary)
        result.features = self.features - other.features
        result.examples = self.examples - other.examples
        return result

    def log_tables(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        totals = self.features.sum(axis=1, keepdims=True)
        log_likelihood = np.log(self.features + SMOOTHING) - np.log(totals + SMOOTHING * self.vocabulary)
        log_prior = np.log(self.examples + 1.0) - np.log(self.examples.sum() + len(self.examples))
        return log_likelihood, log_prior


def _posteriors(
    tables: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    rows: Sequence[npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(best category, its posterior) for each row of feature indices (each holds the bias)."""
    log_likelihood, log_prior = tables
    best = np.zeros(len(rows), dtype=np.int64)
    posterior = np.zeros(len(rows))
    start = 0
    while start < len(rows):
        stop, width = start, 0
        while stop < len(rows) and (width == 0 or width + len(rows[stop]) <= _SCORE_CHUNK):
            width += len(rows[stop])
            stop += 1
        chunk = rows[start:stop]
        flat = np.concatenate(chunk)
        offsets = np.cumsum([0] + [len(r) for r in chunk[:-1]])
        joint = np.add.reduceat(log_likelihood[:, flat], offsets, axis=1) + log_prior[:, None]
        joint -= joint.max(axis=0, keepdims=True)
        probabilities = np.exp(joint)
        probabilities /= probabilities.sum(axis=0, keepdims=True)
        best[start:stop] = probabilities.argmax(axis=0)
        posterior[start:stop] = probabilities.max(axis=0)
        start = stop
    return best, posterior


class LearnedModel:
    """Trained on the user's labels; `guess` answers only where cross-validation earned it."""

    def __init__(self, labels: Sequence[LabeledRow]) -> None:
        self.vocabulary: dict[str, int] = {_BIAS: 0}
        # One example per merchant, payee, direction, amount bucket and bank category: a
        # merchant with 200 rows teaches the same as one with 20, and weighs as much in CV.
        unique: dict[tuple[str, str | None, Direction, int, str | None, str], tuple[Example, set[str]]] = {}
        for row in labels:
            example = example_of(row)
            key = (
                example.merchant,
                example.payee,
                example.direction,
                amount_bucket(example.amount),
                example.bank_category,
                row.category,
            )
            if key not in unique:
                unique[key] = (example, features(example))
        merchants_of: dict[str, set[str]] = defaultdict(set)
        for key in unique:
            merchants_of[key[-1]].add(key[0])
        self.categories = sorted(c for c, m in merchants_of.items() if len(m) >= MIN_MERCHANTS_PER_CATEGORY)
        self.labeled_merchants = sum(len(m) for m in merchants_of.values())
        index_of = {category: n for n, category in enumerate(self.categories)}
        rows: list[npt.NDArray[np.int64]] = []
        labels_all: list[int] = []  # -1: a category too rare to answer (still counts in CV)
        groups: list[str] = []
        self._neighbours: dict[int, list[tuple[str, set[str]]]] = defaultdict(list)
        seen_names: set[tuple[int, str]] = set()
        for key, (example, found) in unique.items():
            category = key[-1]
            rows.append(np.fromiter((self._index(f) for f in found), dtype=np.int64))
            label = index_of.get(category, -1)
            labels_all.append(label)
            groups.append(example.merchant)
            name = merchant_name(example.description) or example.merchant
            if label >= 0 and (label, name) not in seen_names:
                seen_names.add((label, name))
                self._neighbours[label].append((name, _explaining(found)))
        self._build_index()
        self.calibration = _Calibration(np.zeros(0), np.zeros(0), math.inf)
        self._tables: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        if len(self.categories) < 2:
            return  # one category is no choice to learn; the model stays silent
        labels_array = np.array(labels_all, dtype=np.int64)
        trainable = labels_array >= 0
        train_rows = [r for r, keep in zip(rows, trainable, strict=True) if keep]
        counts = self._count(train_rows, labels_array[trainable])
        self._tables = counts.log_tables()
        self.calibration = self._cross_validate(rows, labels_array, groups, counts)

    # -- training -----------------------------------------------------------------------

    def _index(self, feature: str) -> int:
        index = self.vocabulary.get(feature)
        if index is None:
            index = self.vocabulary[feature] = len(self.vocabulary)
        return index

    def _count(self, rows: Sequence[npt.NDArray[np.int64]], labels: npt.NDArray[np.int64]) -> _Counts:
        counts = _Counts(len(self.categories), len(self.vocabulary))
        if rows:
            lengths = np.array([len(r) for r in rows], dtype=np.int64)
            counts.add(labels, np.concatenate(rows), lengths)
        return counts

    def _cross_validate(
        self,
        rows: Sequence[npt.NDArray[np.int64]],
        labels: npt.NDArray[np.int64],
        groups: Sequence[str],
        counts: _Counts,
    ) -> _Calibration:
        """Each fold's merchants scored by a model that never saw them: the full counts minus theirs."""
        folds = np.array([zlib.crc32(g.encode()) % FOLDS for g in groups])
        posteriors = np.zeros(len(rows))
        right = np.zeros(len(rows), dtype=np.bool_)
        for fold in range(FOLDS):
            members = np.nonzero(folds == fold)[0]
            if not len(members):
                continue
            held = [rows[int(i)] for i in members]
            held_labels = labels[members]
            known = held_labels >= 0
            fold_counts = self._count([r for r, k in zip(held, known, strict=True) if k], held_labels[known])
            best, posterior = _posteriors(counts.minus(fold_counts).log_tables(), held)
            posteriors[members] = posterior
            right[members] = best == held_labels
        return _calibrate(posteriors, right)

    def _build_index(self) -> None:
        self._postings: dict[tuple[int, str], list[int]] = defaultdict(list)
        for label, neighbours in self._neighbours.items():
            for position, (_name, found) in enumerate(neighbours):
                for feature in found:
                    self._postings[(label, feature)].append(position)

    # -- answering ----------------------------------------------------------------------

    @property
    def answers(self) -> bool:
        """Whether the model has earned the right to answer anything at all."""
        return self._tables is not None and math.isfinite(self.calibration.threshold)

    def guess(self, example: Example) -> LearnedGuess | None:
        """The category, when the model is at least as sure as cross-validation says it may be."""
        guesses = self.guess_many([example])
        return guesses[0]

    def guess_many(self, examples: Sequence[Example]) -> list[LearnedGuess | None]:
        if not self.answers or not examples or self._tables is None:
            return [None] * len(examples)
        found = [features(e) for e in examples]
        rows = [
            np.fromiter((i for f in fs if (i := self.vocabulary.get(f)) is not None), dtype=np.int64)
            for fs in found
        ]
        best, posterior = _posteriors(self._tables, rows)
        results: list[LearnedGuess | None] = []
        for label, probability, fs in zip(best.tolist(), posterior.tolist(), found, strict=True):
            if probability < self.calibration.threshold:
                results.append(None)
                continue
            results.append(
                LearnedGuess(
                    self.categories[label],
                    round(self.calibration.confidence(probability), 3),
                    self._nearest(label, fs),
                )
            )
        return results

    def _nearest(self, label: int, found: set[str]) -> tuple[str, ...]:
        """The labeled merchants of this category sharing the most words and 4-grams."""
        shared: Counter[int] = Counter()
        for feature in _explaining(found):
            positions = self._postings.get((label, feature), [])
            if len(positions) <= _COMMON_FEATURE:
                shared.update(positions)
        neighbours = self._neighbours[label]
        ranked = sorted(
            shared.items(),
            key=lambda item: (-item[1] / len(neighbours[item[0]][1] | found), neighbours[item[0]][0]),
        )
        return tuple(neighbours[position][0] for position, _n in ranked[:EXPLAINING_EXAMPLES])
