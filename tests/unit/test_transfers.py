"""The transfer matcher (app.transfers): what pairs, what never does (the issue's Bad input)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.transfers import Leg, match_transfers, mentions_transfer, pair_key

DAY = dt.date(2026, 3, 10)


def leg(tid: str, account: str, days: int, minor: int, text: str, currency: str = "USD") -> Leg:
    return Leg(tid, account, DAY + dt.timedelta(days=days), minor, currency, text)


def test_a_move_to_savings_pairs_both_sides() -> None:
    legs = [
        leg("out", "Checking", 0, -40000, "Online Banking transfer to SAV 7729"),
        leg("in", "Savings", 1, 40000, "Deposit"),
        leg("coffee", "Checking", 0, -450, "BLUE BOTTLE COFFEE"),
    ]
    assert match_transfers(legs) == {"out": "in", "in": "out"}


def test_a_card_payment_matches_the_cards_payment_received() -> None:
    legs = [
        leg("bank", "BofA Checking", 0, -118427, "CHASE CREDIT CRD DES:EPAY ID:XXXXX3522"),
        leg("card", "Chase Visa", 0, 118427, "Payment Thank You-Mobile"),
    ]
    assert match_transfers(legs) == {"bank": "card", "card": "bank"}


@pytest.mark.parametrize(
    "text",
    ["Umbuchung auf Tagesgeld", "ÜBERWEISUNG an eigenes Konto", "VIREMENT INTERNE", "XFER TO SAV", "AUTOPAY"],
)
def test_transfer_words_in_several_languages(text: str) -> None:
    assert mentions_transfer(text)


@pytest.mark.parametrize(
    "text", ["AMAZON PAYMENTS EUROPE", "VENMO DES:PAYMENT", "TRANSFERWISEX", "Savory Bakery"]
)
def test_words_match_whole_words_only(text: str) -> None:
    assert not mentions_transfer(text)


def test_equal_amounts_more_than_a_week_apart_never_pair() -> None:
    legs = [
        leg("out", "Checking", 0, -50000, "Transfer to savings"),
        leg("in", "Savings", 8, 50000, "Transfer from checking"),
    ]
    assert match_transfers(legs) == {}
    assert match_transfers(legs, window_days=7) == {}  # a week's window still leaves 8 days out


def test_a_same_day_purchase_and_an_unrelated_inflow_of_the_same_amount_never_pair() -> None:
    legs = [
        leg("shoes", "Chase Visa", 0, -5000, "ZAPPOS.COM"),
        leg("friend", "Checking", 0, 5000, "Zelle payment from DEV PATEL"),
        leg("groceries", "Checking", 0, -5000, "WHOLE FOODS MARKET"),
        leg("refund", "Chase Visa", 0, 5000, "WHOLE FOODS MARKET REFUND"),
    ]
    assert match_transfers(legs) == {}


@pytest.mark.parametrize(
    ("purchase", "inflow"),
    [
        ("REWE Markt Berlin", "Transfer from Anna Schmidt"),  # a friend's transfer the same day
        ("WHOLE FOODS MARKET", "Zelle transfer from DEV PATEL"),
    ],
)
def test_a_shop_purchase_never_pairs_with_a_persons_transfer_of_the_same_amount(
    purchase: str, inflow: str
) -> None:
    legs = [leg("shop", "Checking", 0, -5000, purchase), leg("friend", "Savings", 0, 5000, inflow)]
    assert match_transfers(legs) == {}


def test_a_worded_move_still_pairs_with_a_bare_other_side() -> None:
    legs = [
        leg("out", "Checking", 0, -5000, "SEPA Ueberweisung an eigenes Konto"),
        leg("in", "Tagesgeld", 1, 5000, "Gutschrift"),
    ]
    assert match_transfers(legs) == {"out": "in", "in": "out"}


def test_never_across_currencies() -> None:
    legs = [
        leg("out", "N26 Main", 0, -20000, "Transfer to Space", currency="EUR"),
        leg("in", "Revolut GBP", 0, 20000, "Transfer from N26", currency="GBP"),
    ]
    assert match_transfers(legs) == {}


def test_never_within_one_account() -> None:
    legs = [
        leg("out", "Checking", 0, -10000, "Transfer out"),
        leg("back", "Checking", 1, 10000, "Transfer reversed"),
    ]
    assert match_transfers(legs) == {}


def test_three_candidates_closest_date_then_text_and_each_row_once() -> None:
    legs = [
        leg("out", "Checking", 0, -25000, "Transfer to savings"),
        leg("far", "Savings", 3, 25000, "Transfer from checking"),
        leg("near_plain", "Brokerage", 1, 25000, "Deposit"),
        leg("near_text", "Savings", 1, 25000, "Transfer from checking"),
        leg("out2", "Checking", 0, -25000, "Transfer to savings"),
    ]
    pairs = match_transfers(legs)
    assert pairs["out"] == "near_text"  # one day away like near_plain, with text on both sides
    assert pairs["out2"] == "near_plain"  # near_text is taken; one day beats three
    assert "far" not in pairs
    assert sorted(pairs) == sorted(set(pairs.values()))  # symmetric: each row in one pair


def test_a_tie_in_days_goes_to_the_stronger_evidence() -> None:
    legs = [
        leg("out", "Checking", 2, -25000, "Transfer to savings"),
        leg("plain", "Brokerage", 1, 25000, "Deposit"),
        leg("savings", "Savings", 3, 25000, "Deposit"),  # a savings account: evidence of its own
    ]
    assert match_transfers(legs)["out"] == "savings"


def test_the_result_does_not_depend_on_row_order() -> None:
    legs = [
        leg("a", "Checking", 0, -10000, "Transfer"),
        leg("b", "Savings", 0, 10000, "Transfer"),
        leg("c", "Checking", 0, -10000, "Transfer"),
        leg("d", "Savings", 0, 10000, "Transfer"),
    ]
    assert match_transfers(legs) == match_transfers(list(reversed(legs)))
    assert len(match_transfers(legs)) == 4


def test_a_refused_pair_is_not_proposed_again_but_another_may_be() -> None:
    legs = [
        leg("out", "Checking", 0, -30000, "Transfer to savings"),
        leg("in1", "Savings", 0, 30000, "Transfer from checking"),
        leg("in2", "Savings", 2, 30000, "Transfer from checking"),
    ]
    assert match_transfers(legs)["out"] == "in1"
    assert match_transfers(legs, refused={pair_key("in1", "out")}) == {"out": "in2", "in2": "out"}


def test_zero_amounts_and_a_negative_window() -> None:
    assert match_transfers([leg("a", "A", 0, 0, "Transfer"), leg("b", "B", 0, 0, "Transfer")]) == {}
    with pytest.raises(ValueError, match="window"):
        match_transfers([], window_days=-1)
