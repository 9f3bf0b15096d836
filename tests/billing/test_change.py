"""make_change (bounded coin change, fewest pieces), change from the notes just
tendered (with_tendered) and the default denominations."""

import itertools
import random
from decimal import Decimal

import pytest

from accounts.models import Shop
from billing.change import (
    DEFAULT_DENOMINATIONS,
    MAX_CHANGE_UNITS,
    ChangeTooLargeError,
    default_denominations,
    make_change,
    with_tendered,
)

D = Decimal


def drawer(**counts):
    """``drawer(_50=1, _20=3)`` → ``{Decimal("50"): 1, Decimal("20"): 3}``."""
    return {D(name[1:].replace("_", ".")): count for name, count in counts.items()}


def test_greedy_counter_example_60_from_one_50_and_three_20s():
    # Greedy takes the 50 and is stuck with 10; the only exact change is 20 × 3.
    assert make_change(D("60"), {D("50"): 1, D("20"): 3}) == {D("20"): 3}


def test_fewest_pieces_not_greedy():
    # Greedy: 4 + 1 + 1 (3 pieces); best: 3 + 3.
    assert make_change(D("6"), {D("4"): 1, D("3"): 2, D("1"): 2}) == {D("3"): 2}
    # Unlimited-looking INR drawer: 2000 + 500 + 200 + 50 + 20 + 20 + 5 + 2 + 2 = 2799.
    inr = dict.fromkeys(DEFAULT_DENOMINATIONS["INR"], 50)
    change = make_change(D("2799"), inr)
    assert change == {D("2000"): 1, D("500"): 1, D("200"): 1, D("50"): 1, D("20"): 2, D("5"): 1, D("2"): 2}
    assert sum(change.values()) == 9


def test_ties_prefer_larger_denominations_and_keys_come_largest_first():
    # 5 + 1 and 3 + 3 are both 2 pieces: the larger note wins.
    assert make_change(D("6"), {D("1"): 1, D("3"): 2, D("5"): 1}) == {D("5"): 1, D("1"): 1}
    change = make_change(D("75"), {D("5"): 10, D("50"): 1, D("20"): 5})
    assert list(change) == [D("50"), D("20"), D("5")]
    assert change == {D("50"): 1, D("20"): 1, D("5"): 1}


def test_respects_the_counts():
    # Only two 20s: 60 = 20 + 20 + 10 + 10.
    assert make_change(D("60"), {D("50"): 0, D("20"): 2, D("10"): 5}) == {D("20"): 2, D("10"): 2}
    # A zero count is never used, even if it would be the best.
    assert make_change(D("100"), {D("100"): 0, D("50"): 2}) == {D("50"): 2}
    # Exactly everything in the drawer.
    assert make_change(D("37"), {D("20"): 1, D("10"): 1, D("5"): 1, D("2"): 1}) == {
        D("20"): 1, D("10"): 1, D("5"): 1, D("2"): 1}


@pytest.mark.parametrize(("amount", "available"), [
    ("3", {D("2"): 5}),                       # odd amount, only twos
    ("60", {D("50"): 1, D("20"): 2}),         # 50+20+20 is 90, not 60; 20+20 is 40
    ("100", {D("50"): 1, D("20"): 2}),        # the drawer holds only 90
    ("10", {}),                               # empty drawer
    ("10", {D("10"): 0, D("5"): 0}),          # all counts zero
    ("1", {D("2"): 10, D("5"): 10}),          # smaller than every piece
])
def test_impossible_change_is_none(amount, available):
    assert make_change(D(amount), available) is None


def test_paise_amounts():
    assert make_change(D("0.50"), {D("1"): 5, D("0.50"): 1}) == {D("0.50"): 1}
    assert make_change(D("10.50"), {D("10"): 1, D("0.50"): 2}) == {D("10"): 1, D("0.50"): 1}
    # No coin below ₹1: 10.50 cannot be made.
    assert make_change(D("10.50"), {D("10"): 3, D("5"): 3, D("1"): 20}) is None
    # USD: 0.40 = quarter + dime + nickel (3 pieces) rather than 4 dimes.
    assert make_change(D("0.40"), {D("0.25"): 4, D("0.10"): 10, D("0.05"): 10}) == {
        D("0.25"): 1, D("0.10"): 1, D("0.05"): 1}


def test_zero_amount_is_no_pieces():
    assert make_change(D("0"), {D("10"): 1}) == {}
    assert make_change(D("0.00"), {}) == {}


@pytest.mark.parametrize("amount", ["-1", "0.005", "abc", "NaN", "Infinity"])
def test_bad_amounts_raise(amount):
    with pytest.raises(ValueError):
        make_change(D(amount) if amount != "abc" else amount, {D("1"): 1})


def test_float_amount_is_refused():
    with pytest.raises(TypeError):
        make_change(0.5, {D("0.50"): 1})


@pytest.mark.parametrize("available", [{D("0"): 1}, {D("-5"): 1}, {D("1"): -1}, {D("1"): 1.5}, {D("1"): True}])
def test_bad_drawers_raise(available):
    with pytest.raises(ValueError):
        make_change(D("1"), available)


def _brute_force(amount: int, available: dict[int, int]):
    """Every combination; the fewest pieces, ties to the larger denominations."""
    values = sorted(available, reverse=True)
    best = None
    for combo in itertools.product(*(range(available[v] + 1) for v in values)):
        if sum(v * n for v, n in zip(values, combo, strict=True)) == amount:
            key = (sum(combo), [-n for n in combo])
            if best is None or key < best[0]:
                best = (key, {D(v): n for v, n in zip(values, combo, strict=True) if n})
    return best[1] if best else None


def test_matches_brute_force_on_random_drawers():
    rng = random.Random(20261020)
    for _ in range(400):
        values = rng.sample([1, 2, 3, 4, 5, 7, 10, 20, 25, 50], rng.randint(1, 4))
        available = {v: rng.randint(0, 4) for v in values}
        amount = rng.randint(1, 80)
        expected = _brute_force(amount, available)
        assert make_change(D(amount), {D(v): n for v, n in available.items()}) == expected, (amount, available)


def test_large_amount_with_big_counts():
    """₹10,000-ish change from a full INR drawer (hundreds of each): right pieces.
    (Runs in tens of milliseconds; no timing assertion.)"""
    inr = dict.fromkeys(DEFAULT_DENOMINATIONS["INR"], 300)
    change = make_change(D("9999"), inr)
    assert change == {D("2000"): 4, D("500"): 3, D("200"): 2, D("50"): 1, D("20"): 2, D("5"): 1, D("2"): 2}
    assert sum(change.values()) == 15
    # Counts that bind: one ₹2000 note, so the rest comes in smaller pieces.
    limited = dict(zip(DEFAULT_DENOMINATIONS["INR"], [1, 3, 7, 12, 40, 150, 200, 300, 250, 400], strict=True))
    change = make_change(D("9999"), limited)
    assert sum(value * count for value, count in change.items()) == D("9999")
    assert all(count <= limited[value] for value, count in change.items())
    assert change == {D("2000"): 1, D("500"): 3, D("200"): 7, D("100"): 12, D("50"): 40, D("20"): 94, D("10"): 1,
                      D("5"): 1, D("2"): 2}
    # USD to the cent.
    usd = dict.fromkeys(DEFAULT_DENOMINATIONS["USD"], 300)
    change = make_change(D("99.99"), usd)
    assert change == {D("50"): 1, D("20"): 2, D("5"): 1, D("1"): 4, D("0.25"): 3, D("0.10"): 2, D("0.01"): 4}


def test_amount_beyond_the_table_limit_is_refused_not_computed():
    # $5,000 in pennies is 500,000 table units: too large to work out.
    with pytest.raises(ChangeTooLargeError):
        make_change(D("5000.01"), {D("0.01"): 1_000_000})
    assert MAX_CHANGE_UNITS < 500_001
    # More than the drawer holds is answered at once, whatever the size.
    assert make_change(D("99999999999"), {D("2000"): 5}) is None


def test_default_denominations_for_every_shop_currency():
    for currency in Shop.Currency.values:
        values = default_denominations(currency)
        assert values, currency
        assert list(values) == sorted(values, reverse=True), currency
        assert len(set(values)) == len(values), currency
        assert all(v > 0 and v == v.quantize(D("0.01")) for v in values), currency
    assert default_denominations("INR") == tuple(D(v) for v in (2000, 500, 200, 100, 50, 20, 10, 5, 2, 1))
    assert D("0.25") in default_denominations("USD")
    assert default_denominations("XXX") == ()


# --- Change from the notes just tendered ----------------------------------------------


def test_tendered_notes_are_in_the_drawer_before_the_change_is_worked_out():
    # Paying ₹150 with ₹100 + ₹50 + ₹50 into a drawer with no ₹50: the change is one of
    # the customer's own ₹50 notes.
    available = drawer(_100=0, _50=0, _10=3)
    assert make_change(D("50"), available) is None
    combined = with_tendered(available, {D("100"): 1, D("50"): 2})
    assert combined == drawer(_100=1, _50=2, _10=3)
    assert make_change(D("50"), combined) == {D("50"): 1}
    assert available == drawer(_100=0, _50=0, _10=3)  # the drawer's own mapping is untouched


def test_a_2000_note_for_a_1000_sale_is_changed_from_the_drawer_not_returned():
    # The exact algorithm is unchanged: fewest pieces, larger notes first. Giving the
    # ₹2,000 note back is never "change" for ₹1,000; two ₹500 are.
    combined = with_tendered(drawer(_2000=0, _500=8, _200=10, _100=15), {D("2000"): 1})
    assert make_change(D("1000"), combined) == {D("500"): 2}


def test_tendered_values_the_drawer_lacks_are_ignored_and_nothing_tendered_changes_nothing():
    available = drawer(_20=1)
    assert with_tendered(available, {D("7"): 3}) == available
    assert with_tendered(available, None) == available
    assert with_tendered(available, {}) is not available
