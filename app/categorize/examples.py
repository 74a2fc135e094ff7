"""Which of the user's corrections the model sees as examples: the nearest to what it is asked.

The ten most recent corrections say little about a batch of pharmacies; the user's
corrections of other pharmacies do. One set is chosen per run, for all its merchants, so
every request of the run shares one system prompt (the cluster's prefix cache holds it).
Privacy is decided later, where the prompt is built: a correction naming a person is left
out there (`prompt._example_text`), and every string passes the redaction gate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.categorize.prompt import Correction

MIN_SIMILARITY = 0.2
"""Shared character trigrams (Jaccard) below which a correction is not "near" a merchant."""


def _trigrams(text: str) -> frozenset[str]:
    padded = f" {' '.join(text.upper().split())} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def relevant_corrections(
    corrections: Sequence[Correction], merchants: Sequence[tuple[str, int]], limit: int
) -> list[Correction]:
    """Up to `limit` corrections, the nearest to the merchants (key, rows) first.

    Each merchant votes for the correction most like it, weighted by its rows and the
    likeness; the best-voted win, and the most recent corrections fill the places left.
    `corrections` is newest first, as the store gives them.
    """
    if limit <= 0 or not corrections:
        return []
    grams = [_trigrams(c[0]) for c in corrections]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, found in enumerate(grams):
        for gram in found:
            postings[gram].append(index)
    votes: dict[int, float] = defaultdict(float)
    for key, rows in merchants:
        wanted = _trigrams(key)
        shared: dict[int, int] = defaultdict(int)
        for gram in wanted:
            for index in postings.get(gram, ()):
                shared[index] += 1
        best, likeness = -1, 0.0
        for index, count in shared.items():
            score = count / len(wanted | grams[index])
            if score > likeness:
                best, likeness = index, score
        if best >= 0 and likeness >= MIN_SIMILARITY:
            votes[best] += rows * likeness
    chosen = sorted(votes, key=lambda index: (-votes[index], index))[:limit]
    chosen += [index for index in range(len(corrections)) if index not in votes][: limit - len(chosen)]
    return [corrections[index] for index in chosen]
