"""Learning from the user, end to end: corrections teach the offline cascade, the review queue
holds what needs a person, and the prompt's examples are the user's nearest corrections."""

from __future__ import annotations

import json
import random
import subprocess
import sys

from app.categorize import decisions
from app.categorize.pipeline import categorize_pending
from app.categorize.review_need import ledger_review_reasons
from app.settings import Settings
from app.store import Store, TransactionFilter
from tests.conftest import REPO_ROOT, SAMPLE_DATA
from tests.integration.categorize_support import Row, fake_settings, seed, state
from tests.support.fake_parallax import FakeParallax

# Invented local merchants: a made-up name and a word that says what they are.
KINDS = {"PHARMACY": "Health", "BAKERY": "Dining", "GARAGE": "Transport", "KENNEL": "Pets"}
SYLLABLES = ("zor", "quil", "varn", "brix", "tolv", "kend", "marro", "pelt", "snov", "frum", "glav", "hobb")


def local_merchants(count_per_kind: int, rng: random.Random) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    while len(names) < count_per_kind * len(KINDS):
        for kind, category in KINDS.items():
            names["".join(rng.choice(SYLLABLES) for _ in range(3)).upper() + " " + kind] = category
    return list(names.items())[: count_per_kind * len(KINDS)]


def offline(settings: Settings) -> Settings:
    return settings.model_copy(update={"offline": True})


def correct_all(store: Store, ids: list[str], truth: dict[str, str]) -> None:
    """The user sets every row's category by hand (the Review page's correction)."""
    by_category: dict[str, list[str]] = {}
    frame = store.transactions_frame(TransactionFilter(ids=ids))
    for tid, description in zip(frame["id"], frame["description"], strict=True):
        by_category.setdefault(truth[str(description)], []).append(str(tid))
    for category, chosen in by_category.items():
        decisions.correct(store, chosen, category)


def test_one_corrected_statement_teaches_the_next_statements_new_merchants(
    settings: Settings, store: Store
) -> None:
    rng = random.Random(4)
    merchants = local_merchants(14, rng)
    truth = dict(merchants)
    first = [name for name, _ in merchants[: len(merchants) // 2]]
    second = [name for name, _ in merchants[len(merchants) // 2 :]]
    first_ids = seed(store, [Row(name, "-23.45") for name in first for _ in range(2)], file_tag="a")
    categorize_pending(store, offline(settings))
    assert not any(row.source == "learned" for row in state(store).values())  # nothing to learn from yet

    correct_all(store, first_ids, truth)
    second_ids = seed(store, [Row(name, "-31.20", date="2026-04-03") for name in second], file_tag="b")
    report = categorize_pending(store, offline(settings))

    rows = state(store)
    frame = store.transactions_frame(TransactionFilter(ids=second_ids))
    reasons = ledger_review_reasons(store, frame)
    unknown_to_rules = [str(t) for t in frame["id"] if rows[str(t)].source != "builtin"]
    learned = [t for t in unknown_to_rules if rows[t].source == "learned"]
    assert report.by_source["learned"] == len(learned) >= 3 * len(unknown_to_rules) // 4 > 0
    flagged = []
    for tid, description, second_opinion in zip(
        frame["id"], frame["description"], frame["second_opinion"], strict=True
    ):
        row, want = rows[str(tid)], truth[str(description)]
        if row.source == "learned":
            assert row.category == want
            assert (row.reason or "").startswith("learned from your categories: like ")
            assert str(description).rsplit(" ", 1)[1].title() in (row.reason or "")  # merchants of that kind
            assert not reasons[tid]  # an answer it earned on the user's own labels needs no review
        elif row.source == "builtin" and second_opinion == f"learned from your categories: {want}":
            assert row.category != want
            assert reasons[tid] == "sources disagree"
            flagged.append(tid)
    # The rules file bakeries under Groceries, the user under Dining: where the learned model is
    # sure, the confident rule stands and a person decides.
    assert flagged


def test_the_users_label_beats_a_built_in_rule(settings: Settings, store: Store) -> None:
    ids = seed(store, [Row("STARBUCKS STORE 01234", "-5.10", date=f"2026-03-{d:02d}") for d in (2, 9, 16)])
    categorize_pending(store, offline(settings))
    assert {state(store)[t].source for t in ids} == {"builtin"}

    decisions.correct(store, ids[:1], "Groceries")
    later = seed(store, [Row("STARBUCKS STORE 01234", "-5.40", date="2026-04-02")], file_tag="c")
    categorize_pending(store, offline(settings))

    rows = state(store)
    assert rows[ids[0]].source == "user"
    assert {(rows[t].category, rows[t].source) for t in [*ids[1:], *later]} == {("Groceries", "history")}


def test_a_learned_answer_that_disagrees_with_a_confident_rule_goes_to_review(
    settings: Settings, store: Store
) -> None:
    """The user files pharmacies under Shopping; the built-in rules say CVS is Health."""
    rng = random.Random(8)
    pharmacies = ["".join(rng.choice(SYLLABLES) for _ in range(3)).upper() + " PHARMACY" for _ in range(16)]
    others = [name for name, _ in local_merchants(6, rng) if not name.endswith("PHARMACY")]
    labeled = seed(store, [Row(name, "-18.00") for name in pharmacies + others], file_tag="a")
    decisions.correct(store, labeled[: len(pharmacies)], "Shopping")
    for tid, name in zip(labeled[len(pharmacies) :], others, strict=True):
        decisions.correct(store, [tid], KINDS[name.rsplit(" ", 1)[1]])
    (cvs,) = seed(store, [Row("CVS/PHARMACY #07812", "-18.00", date="2026-04-02")], file_tag="b")

    categorize_pending(store, offline(settings))

    frame = store.transactions_frame(TransactionFilter(ids=[cvs]))
    row = frame.iloc[0]
    assert (row["category"], row["category_source"]) == ("Health", "builtin")  # the confident rule stands
    assert row["second_opinion"] == "learned from your categories: Shopping"
    assert ledger_review_reasons(store, frame).iloc[0] == "sources disagree"


def test_the_prompt_shows_the_users_nearest_corrections(settings: Settings, store: Store) -> None:
    older = seed(store, [Row("PELTON KENNEL", "-9.00")], file_tag="a")
    decisions.correct(store, older, "Pets")
    unrelated = [
        f"{a}{b} HARDWARE".upper() for a in ("zor", "quil", "varn") for b in ("brix", "tolv", "kend")
    ]
    recent = seed(store, [Row(name, "-9.00", date="2026-03-05") for name in unrelated], file_tag="b")
    for tid in recent:  # corrected after the pharmacy: the most recent corrections
        decisions.correct(store, [tid], "Housing")
    seed(store, [Row("GLAVIN KENNEL", "-12.00", date="2026-04-01")], file_tag="c")

    with FakeParallax() as fake:
        categorize_pending(store, fake_settings(settings, fake))
        systems = [r.body["messages"][0]["content"] for r in fake.chat_requests()]
    assert systems
    assert all('"PELTON KENNEL"' in system for system in systems)


def test_after_the_sample_data_imports_offline_at_most_a_tenth_needs_review(tmp_path: object) -> None:
    data_dir = f"{tmp_path}/data"
    env = {
        "PRIVFIN_DATA_DIR": data_dir,
        "PRIVFIN_ENDPOINT_URL": "http://127.0.0.1:9/v1",  # nothing may leave loopback
        "PYTHONPATH": str(REPO_ROOT),
        "PATH": "/usr/bin:/bin",
    }
    files = sorted(str(p) for p in SAMPLE_DATA.glob("*.csv"))
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "categorize", "--offline", "--json", *files],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) > 800
    needing = [row for row in rows if row["needs_review"]]
    assert len(needing) <= len(rows) // 10, len(needing)
    assert all(row["needs_review"] for row in rows if row["category"] is None)
