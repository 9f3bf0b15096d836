"""Change-making for the cash drawer: exact change with the fewest notes and coins.

Pure functions, no database: :func:`make_change` works on a ``{value: count}``
mapping (:func:`with_tendered` adds the notes a customer just handed over) and
:data:`DEFAULT_DENOMINATIONS` lists the notes and coins a new drawer starts with, per
``Shop.Currency``. ``billing.services.drawer`` and ``billing.selectors.drawer`` apply
them to a shop's ``Denomination`` rows.
"""

from array import array
from collections import deque
from decimal import Decimal, InvalidOperation
from math import gcd

from core.money import CENT

D = Decimal

#: Notes and coins a new drawer starts with (count 0), largest first, per ISO 4217
#: code of ``Shop.Currency``. Only denominations in everyday use at a shop counter.
DEFAULT_DENOMINATIONS: dict[str, tuple[Decimal, ...]] = {
    # India: notes 2000 … 10, coins 20 … 1 (₹5/₹10/₹20 exist as both).
    "INR": tuple(D(v) for v in ("2000", "500", "200", "100", "50", "20", "10", "5", "2", "1")),
    # Nepal: notes 1000 … 5, coins 2 and 1.
    "NPR": tuple(D(v) for v in ("1000", "500", "100", "50", "20", "10", "5", "2", "1")),
    # Pakistan: notes 5000 … 10, coins 5, 2, 1.
    "PKR": tuple(D(v) for v in ("5000", "1000", "500", "100", "50", "20", "10", "5", "2", "1")),
    # Bangladesh: notes 1000 … 2, coins 5, 2, 1.
    "BDT": tuple(D(v) for v in ("1000", "500", "200", "100", "50", "20", "10", "5", "2", "1")),
    # Sri Lanka: notes 5000 … 20, coins 10, 5, 2, 1.
    "LKR": tuple(D(v) for v in ("5000", "1000", "500", "100", "50", "20", "10", "5", "2", "1")),
    # Kenya: notes 1000 … 50, coins 20, 10, 5, 1.
    "KES": tuple(D(v) for v in ("1000", "500", "200", "100", "50", "20", "10", "5", "1")),
    # Nigeria: notes 1000 … 5 (the kobo and naira coins hardly circulate).
    "NGN": tuple(D(v) for v in ("1000", "500", "200", "100", "50", "20", "10", "5")),
    # United States: bills 100 … 1 ($2 is rare), quarter, dime, nickel, penny.
    "USD": tuple(D(v) for v in ("100", "50", "20", "10", "5", "1", "0.25", "0.10", "0.05", "0.01")),
}

#: Largest change, in table units (money units divided by the gcd of the usable
#: denominations: rupees for INR notes, cents for USD with pennies), that
#: :func:`make_change` works out. The work and memory grow with it; a drawer
#: would rarely hold this much (₹2,00,000 in INR, $2,000 in USD with pennies).
MAX_CHANGE_UNITS = 200_000


class ChangeTooLargeError(ValueError):
    """The change is beyond :data:`MAX_CHANGE_UNITS` (see :func:`make_change`)."""


def default_denominations(currency: str) -> tuple[Decimal, ...]:
    """The default notes and coins for ``currency`` (ISO 4217), largest first;
    an empty tuple for a currency without defaults."""
    return DEFAULT_DENOMINATIONS.get(currency, ())


def to_units(value, what: str = "amount") -> int:
    """``value`` (Decimal/int/str) as a whole number of the money scale's smallest
    unit (paise/cents: ``Decimal("10.50")`` → ``1050``).

    Raises ``ValueError`` for floats, non-numbers, negatives and values finer than
    the money scale (``Decimal("0.005")``).
    """
    if isinstance(value, float):
        raise TypeError(f"{what} must not be a float; pass a Decimal or a string")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{what} must be a finite number of 0 or more: {value!r}")
    units = number / CENT
    if units != units.to_integral_value():
        raise ValueError(f"{what} is finer than the money scale ({CENT}): {value!r}")
    return int(units)


def with_tendered(available: dict[Decimal, int], tendered: dict[Decimal, int] | None) -> dict[Decimal, int]:
    """What the drawer can give change from once the customer's notes are in it:
    ``available`` (``{value: count}``, the drawer's counts) plus ``tendered`` (``{value:
    count}``, the notes just handed over). Values the drawer does not have are ignored
    (the services refuse them before this). A new dict; the inputs are not changed.
    Paying ₹1,000 with a ₹2,000 note: the note is counted in before the change is
    worked out, so change may even come back in the customer's own notes.
    """
    combined = dict(available)
    for value, count in (tendered or {}).items():
        if value in combined:
            combined[value] += count
    return combined


def make_change(amount: Decimal, available: dict[Decimal, int]) -> dict[Decimal, int] | None:
    """Exact change for ``amount`` with the fewest pieces the drawer can give.

    ``amount``: Decimal in the currency's main unit (rupees), at most the money
    scale's decimals (``Decimal("60")``, ``Decimal("10.50")``). ``available``:
    ``{denomination value (Decimal, same unit): pieces in the drawer (int ≥ 0)}``.

    Returns ``{value: pieces}`` (keys from ``available``, largest value first, no
    zero counts; ``sum(value * pieces) == amount``) using at most the available
    count of each value and as few pieces as possible; ``{}`` for an amount of 0;
    ``None`` when no exact change exists. Among several fewest-pieces answers the
    one with more of the larger denominations wins (lexicographically, largest
    value first), so the answer is deterministic: 6 from ``{5: 1, 3: 2, 1: 1}`` is
    ``{5: 1, 1: 1}``, not ``{3: 2}``.

    **Units.** Everything is turned into integers of the money scale (paise:
    ₹10.50 → 1050) and then divided by the gcd of the usable denominations' values,
    so the table stays small: INR notes and coins (gcd 100 paise) make rupee units,
    change of ₹10,000 is a table of 10,001 cells. An amount that is not a multiple
    of that gcd has no change at all (₹10.50 without coins below ₹1 → ``None``).

    **Algorithm.** Bounded coin change by dynamic programming, one denomination at
    a time (smallest first): ``best_i[t]`` = fewest pieces making ``t`` from the
    first ``i`` denominations. With ``c`` pieces of value ``v``,
    ``best_i[t] = min over 0 ≤ j ≤ c of best_{i-1}[t − j·v] + j``; along each
    residue class ``t ≡ r (mod v)`` that is a sliding-window minimum of
    ``best_{i-1}[r + k·v] − k`` over a window of ``c + 1``, kept in a monotone
    deque, so each denomination costs O(T) whatever its count (a denomination
    whose count does not bind, ``c ≥ T // v``, uses the plain unbounded update).
    Work and memory are O(n · T) for ``n`` denominations and a target of ``T``
    units. The answer is read back from the largest denomination down, taking at
    each step the most pieces that still allow the optimum.

    **Why not greedy.** Taking the largest note that fits fails once counts are
    limited: change of 60 from ``{50: 1, 20: 3}`` greedily takes the 50 and is
    stuck with 10 left, but 20 × 3 is exact. Greedy can also give more pieces than
    needed (6 from ``{4: 1, 3: 2, 1: 2}``: greedy 4+1+1, best 3+3).

    Raises ``ValueError`` for a negative/float/sub-paise amount or value, a
    non-positive value or a negative or non-integer count, and
    :class:`ChangeTooLargeError` (a ``ValueError``) when the target exceeds
    :data:`MAX_CHANGE_UNITS` table units.
    """
    target = to_units(amount)
    usable: list[tuple[int, int, Decimal]] = []  # (units, count, original key)
    for value, count in available.items():
        units = to_units(value, "denomination")
        if units == 0:
            raise ValueError(f"a denomination must be more than zero: {value!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"the count of {value} must be a whole number of 0 or more: {count!r}")
        count = min(count, target // units)  # more than this can never be used
        if count:
            usable.append((units, count, value))
    if target == 0:
        return {}
    if not usable or sum(units * count for units, count, _ in usable) < target:
        return None
    scale = 0
    for units, _, _ in usable:
        scale = gcd(scale, units)
    if target % scale:
        return None
    target //= scale
    if target > MAX_CHANGE_UNITS:
        raise ChangeTooLargeError(f"change of {amount} is too large to work out ({target} units)")
    usable = sorted(((units // scale, count, value) for units, count, value in usable), key=lambda u: u[0])

    unreachable = target + 1  # more pieces than any answer can have (each piece is ≥ 1 unit)
    tables = [array("l", [0] + [unreachable] * target)]
    for units, count, _ in usable:
        tables.append(array("l", _add_denomination(tables[-1], units, count, target, unreachable)))
    if tables[-1][target] >= unreachable:
        return None

    change: dict[Decimal, int] = {}
    remaining = target
    for index in range(len(usable) - 1, -1, -1):
        units, count, value = usable[index]
        before, best = tables[index], tables[index + 1][remaining]
        for pieces in range(min(count, remaining // units), -1, -1):
            if before[remaining - pieces * units] + pieces == best:
                break
        if pieces:
            change[value] = pieces
            remaining -= pieces * units
    assert remaining == 0, "change reconstruction must end at zero"
    return change


def _add_denomination(before, units: int, count: int, target: int, unreachable: int) -> list[int]:
    """One DP step: fewest pieces for every total 0…``target`` once up to ``count``
    pieces of ``units`` are allowed on top of ``before``."""
    best = list(before)
    if count >= target // units:  # the count never binds: unbounded update
        for total in range(units, target + 1):
            candidate = best[total - units] + 1
            if candidate < best[total]:
                best[total] = candidate
        return best
    for residue in range(min(units, target + 1)):
        # Along total = residue + k·units: best[k] = k + min(before[k'] − k'), k − count ≤ k' ≤ k.
        window: deque[tuple[int, int]] = deque()  # (k', before[k'] − k'), increasing second item
        for k, total in enumerate(range(residue, target + 1, units)):
            shifted = before[total] - k
            while window and window[-1][1] >= shifted:
                window.pop()
            window.append((k, shifted))
            if window[0][0] < k - count:
                window.popleft()
            candidate = window[0][1] + k
            best[total] = candidate if candidate < unreachable else unreachable
    return best
