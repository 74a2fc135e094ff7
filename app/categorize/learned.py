"""The learned model: a local classifier trained on the categories the user set or confirmed.

Like smart_importer, it learns from the user's own ledger: every row the user corrected,
fixed merchant-wide, covered by a rule or marked reviewed is a label. Nothing leaves the
machine. It is rebuilt from the ledger at the start of every categorization run (the
dashboard and `privfin categorize` run one after each import; a correction counts from the
next run), in about 0.1 s for 1,000 labels and under a second for 10,000 distinct merchants
(`benchmarks/bench_learning.py`). There is no model file that could go stale or corrupt.

The classifier is multinomial naive Bayes over sparse features: the words and character
4-grams of the merchant text and the payee, the direction, an amount bucket and the bank's
own category (see `features`). Naive Bayes trains by counting, so the cross-validation that
decides how far it may be trusted costs one subtraction per fold, and numpy is all it
needs; scikit-learn (not installed) would add its own import time to every run for no
better accuracy on a few thousand labels.

It answers only where it has earned it: the folds hold whole merchants out (the cascade's
history step already covers merchants the user has labeled), and the model answers only
above the margin at which its held-out answers were right at least `TARGET_PRECISION`
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
from typing import TYPE_CHECKING

from app.categorize.merchant import merchant_name
from app.lazy_import import LazyModule
from app.models import Direction, direction_of

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from app.store import LabeledRow
else:  # loaded when there are labels to learn from: a ledger without any never needs it
    np = LazyModule("numpy")

MIN_MERCHANTS_PER_CATEGORY = 3
"""A category needs this many labeled merchants before the model may answer it."""

TARGET_PRECISION = 0.9
"""The model answers only where its held-out answers were at least this often right."""

MIN_SUPPORT = 8
"""Held-out answers needed above a threshold before it counts as earned."""

MAX_CONFIDENCE = 0.94
"""Below the user's own history (0.95): a guess from similar merchants is never as sure."""

BANK_CATEGORY_WEIGHT = 6
"""How many words the bank's category counts as (6 did best on held-out sample merchants; 3 and 12 worse)."""

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
        out.update([prefix + padded[i : i + 4] for i in range(len(padded) - 3)])


def amount_bucket(amount: Decimal) -> int:
    """Powers of two of the absolute amount: 3.50 and 3.90 share a bucket, 4 and 400 do not."""
    magnitude = abs(float(amount))
    return min(40, int(math.log2(magnitude + 1.0)))


def features(example: Example) -> list[str]:
    """The example's features; one may repeat, and counts that many times.

    Words and 4-grams of the merchant and payee (3-grams and the statement's other words,
    cities and references mostly, measured worse on merchants held out of training), the
    direction, the amount bucket, and the bank's own category, weighted as
    `BANK_CATEGORY_WEIGHT` words: for a merchant never seen it is the strongest clue.
    """
    out = {_BIAS, f"d:{example.direction}", f"a:{example.direction}:{amount_bucket(example.amount)}"}
    _text_features("", example.merchant, out)
    if example.payee:
        _text_features("p", example.payee, out)
    found = list(out)
    if example.bank_category:
        found.extend([f"b:{example.bank_category.strip().casefold()}"] * BANK_CATEGORY_WEIGHT)
    return found


def _explaining(merchant: str) -> set[str]:
    """What a neighbour is found by: the words and 4-grams of the merchant text."""
    found: set[str] = set()
    for word in _WORD.findall(merchant.upper()):
        padded = f" {word} "
        found.add(word)
        found.update(padded[i : i + 4] for i in range(len(padded) - 3))
    return found


@dataclass
class _Calibration:
    """Held-out scores (highest first) and the share right among those at or above each."""

    scores: npt.NDArray[np.float64]
    precision: npt.NDArray[np.float64]
    threshold: float  # inf when nothing was earned

    def confidence(self, score: float) -> float:
        # scores is descending: count how many held-out answers were at least this sure.
        at_least = int(np.searchsorted(-self.scores, -score, side="right"))
        index = max(at_least, MIN_SUPPORT) - 1
        return float(min(MAX_CONFIDENCE, self.precision[min(index, len(self.precision) - 1)]))


def _calibrate(scores: npt.NDArray[np.float64], right: npt.NDArray[np.bool_]) -> _Calibration:
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
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


def _scores(
    tables: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    rows: Sequence[npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(best category, its margin) for each row of feature indices (each holds the bias).

    The margin, how far the best category's log-likelihood is ahead of the second's, ranks
    answers by sureness; naive Bayes's posteriors saturate at 1.0 and could not.
    """
    log_likelihood, log_prior = tables
    best = np.zeros(len(rows), dtype=np.int64)
    margin = np.zeros(len(rows))
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
        top_two = np.partition(joint, -2, axis=0)[-2:] if len(joint) > 1 else np.vstack([joint - 1, joint])
        best[start:stop] = joint.argmax(axis=0)
        margin[start:stop] = top_two[1] - top_two[0]
        start = stop
    return best, margin


class LearnedModel:
    """Trained on the user's labels; `guess` answers only where cross-validation earned it."""

    def __init__(self, labels: Sequence[LabeledRow]) -> None:
        self.vocabulary: dict[str, int] = {_BIAS: 0}
        # One example per merchant, payee, direction, amount bucket and bank category: a
        # merchant with 200 rows teaches the same as one with 20, and weighs as much in CV.
        unique: dict[tuple[str, str | None, Direction, int, str | None, str], tuple[Example, list[str]]] = {}
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
        # Per category, one (merchant text, description) per labeled merchant.
        self._neighbours: dict[int, list[tuple[str, str]]] = defaultdict(list)
        self._neighbour_index: dict[int, tuple[list[set[str]], dict[str, list[int]]]] = {}
        self._names: dict[tuple[int, int], str] = {}
        seen: set[tuple[int, str]] = set()
        vocabulary = self.vocabulary
        for key, (example, found) in unique.items():
            category = key[-1]
            rows.append(np.array([vocabulary.setdefault(f, len(vocabulary)) for f in found], dtype=np.int64))
            label = index_of.get(category, -1)
            labels_all.append(label)
            groups.append(example.merchant)
            if label >= 0 and (label, example.merchant) not in seen:
                seen.add((label, example.merchant))
                self._neighbours[label].append((example.merchant, example.description))
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
        scores = np.zeros(len(rows))
        right = np.zeros(len(rows), dtype=np.bool_)
        for fold in range(FOLDS):
            members = np.nonzero(folds == fold)[0]
            if not len(members):
                continue
            held = [rows[int(i)] for i in members]
            held_labels = labels[members]
            known = held_labels >= 0
            fold_counts = self._count([r for r, k in zip(held, known, strict=True) if k], held_labels[known])
            best, margins = _scores(counts.minus(fold_counts).log_tables(), held)
            scores[members] = margins
            right[members] = best == held_labels
        return _calibrate(scores, right)

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
        best, margins = _scores(self._tables, rows)
        results: list[LearnedGuess | None] = []
        for label, score, example in zip(best.tolist(), margins.tolist(), examples, strict=True):
            if score < self.calibration.threshold:
                results.append(None)
                continue
            results.append(
                LearnedGuess(
                    self.categories[label],
                    round(self.calibration.confidence(score), 3),
                    self._nearest(label, example.merchant),
                )
            )
        return results

    def _index_of(self, label: int) -> tuple[list[set[str]], dict[str, list[int]]]:
        """One category's neighbours by their words and 4-grams, built the first time it answers."""
        built = self._neighbour_index.get(label)
        if built is None:
            grams = [_explaining(merchant) for merchant, _description in self._neighbours[label]]
            postings: dict[str, list[int]] = defaultdict(list)
            for position, found in enumerate(grams):
                for gram in found:
                    postings[gram].append(position)
            built = self._neighbour_index[label] = (grams, postings)
        return built

    def _name(self, label: int, position: int) -> str:
        name = self._names.get((label, position))
        if name is None:
            name = self._names[(label, position)] = merchant_name(self._neighbours[label][position][1])
        return name

    def _nearest(self, label: int, merchant: str) -> tuple[str, ...]:
        """The labeled merchants of this category sharing the most words and 4-grams."""
        grams, postings = self._index_of(label)
        wanted = _explaining(merchant)
        shared: Counter[int] = Counter()
        for gram in wanted:
            positions = postings.get(gram, [])
            if len(positions) <= _COMMON_FEATURE:
                shared.update(positions)
        candidates = shared.most_common(4 * EXPLAINING_EXAMPLES)
        ranked = sorted(candidates, key=lambda item: (-item[1] / len(grams[item[0]] | wanted), item[0]))
        names: list[str] = []
        for position, _count in ranked:
            name = self._name(label, position)
            if name and name not in names:
                names.append(name)
            if len(names) == EXPLAINING_EXAMPLES:
                break
        return tuple(names)
