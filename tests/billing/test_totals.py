"""Invoice arithmetic (DESIGN §6): line nets, discount spread, tax per rate, GST split,
round-off. Pure functions: no database."""

from decimal import Decimal

import pytest

from billing.totals import InvoiceTotals, LineInput, TotalsError, compute_totals, invoice_discount, spread_discount

D = Decimal


def line(quantity, price, rate="0", description="Item"):
    return LineInput(quantity=D(quantity), unit_price=D(price), tax_rate=D(rate), description=description)


def money_fields(totals: InvoiceTotals):
    """Every amount in ``totals`` (invoice, line and tax-row figures)."""
    values = [totals.subtotal, totals.discount_total, totals.taxable_total, totals.tax_total,
              totals.round_off_amount, totals.total]
    for lt in totals.lines:
        values += [lt.line_net, lt.discount, lt.taxable_value]
    for row in totals.tax_rows:
        values += [row.taxable_value, row.cgst, row.sgst, row.igst, row.tax]
    return values


def assert_all_money(totals: InvoiceTotals):
    for value in money_fields(totals):
        assert type(value) is Decimal, value
        assert value.as_tuple().exponent == -2, value
    for row in totals.tax_rows:
        assert type(row.rate) is Decimal


# --- line nets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "net"),
    [
        ("1.250", "80.00", "100.00"),   # 1.25 kg at 80/kg
        ("3", "33.33", "99.99"),        # prices have 2 places: 3 × 33.333 cannot be entered
        ("0.333", "10.00", "3.33"),     # 3.330
        ("0.335", "10.00", "3.35"),     # 3.350
        ("1.005", "1.00", "1.01"),      # 1.005: half up (half-even would give 1.00)
        ("2.5", "0.01", "0.03"),        # 0.025: half up (half-even would give 0.02)
        ("0.001", "4.99", "0.00"),      # 0.00499 rounds down
        ("0.001", "5.00", "0.01"),      # 0.005 rounds up
        ("12", "0.00", "0.00"),         # free item
    ],
)
def test_line_net_is_quantity_times_price_rounded_half_up(quantity, price, net):
    totals = compute_totals([line(quantity, price)])
    assert totals.lines[0].line_net == D(net)
    assert totals.subtotal == D(net)
    assert totals.total == D(net)
    assert_all_money(totals)


def test_subtotal_is_the_sum_of_rounded_line_nets():
    # 0.335 × 10.00 + 0.333 × 10.00 = 3.35 + 3.33 (each line rounded on its own)
    totals = compute_totals([line("0.335", "10.00"), line("0.333", "10.00")])
    assert [lt.line_net for lt in totals.lines] == [D("3.35"), D("3.33")]
    assert totals.subtotal == D("6.68")


# --- discount ------------------------------------------------------------------------


def test_discount_amount():
    assert invoice_discount(D("229.00"), "amount", D("10")) == D("10.00")
    assert invoice_discount(D("229.00"), "amount", D("229.00")) == D("229.00")
    assert invoice_discount(D("229.00"), "amount", D("0")) == D("0.00")
    assert invoice_discount(D("229.00"), "amount", None) == D("0.00")


@pytest.mark.parametrize(
    ("subtotal", "percent", "discount"),
    [
        ("229.00", "10", "22.90"),
        ("99.99", "12.5", "12.50"),   # 12.49875 → 12.50
        ("0.30", "5", "0.02"),         # 0.015 → 0.02 half up
        ("100.00", "100", "100.00"),
        ("100.00", "0", "0.00"),
    ],
)
def test_discount_percent(subtotal, percent, discount):
    result = invoice_discount(D(subtotal), "percent", D(percent))
    assert result == D(discount)
    assert type(result) is Decimal and result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("discount_type", "value", "message"),
    [
        ("amount", "229.01", "more than the invoice subtotal"),
        ("amount", "-1", "cannot be negative"),
        ("percent", "100.01", "more than 100%"),
        ("percent", "-5", "cannot be negative"),
    ],
)
def test_bad_discount_raises_totals_error(discount_type, value, message):
    with pytest.raises(TotalsError, match=message):
        invoice_discount(D("229.00"), discount_type, D(value))
    with pytest.raises(TotalsError, match=message):
        compute_totals([line("1", "99.00"), line("1", "100.00"), line("1", "30.00")],
                       discount_type=discount_type, discount_value=D(value))


def test_discount_on_a_free_invoice_is_refused():
    with pytest.raises(TotalsError):
        compute_totals([line("1", "0.00")], discount_value=D("1"))
    totals = compute_totals([line("1", "0.00")], discount_type="percent", discount_value=D("50"))
    assert totals.discount_total == D("0.00") and totals.total == D("0.00")


def test_discount_spread_in_proportion_sums_exactly():
    # 10 over 229: exact shares 4.3231…, 4.3668…, 1.3100…; the leftover cent goes
    # to the largest remainder (the 100.00 line).
    shares = spread_discount([D("99.00"), D("100.00"), D("30.00")], D("10.00"))
    assert shares == [D("4.32"), D("4.37"), D("1.31")]
    assert sum(shares) == D("10.00")


def test_one_cent_over_three_equal_lines():
    shares = spread_discount([D("10.00"), D("10.00"), D("10.00")], D("0.01"))
    assert sum(shares) == D("0.01")
    assert sorted(shares) == [D("0.00"), D("0.00"), D("0.01")]


def test_spread_never_gives_a_free_line_a_share_nor_a_line_more_than_its_net():
    nets = [D("0.00"), D("0.01"), D("100.00"), D("33.33"), D("0.00")]
    for cents in (1, 2, 3, 7, 50, 9999, 13333, 13334):
        discount = D(cents) / 100
        shares = spread_discount(nets, discount)
        assert sum(shares) == discount
        assert shares[0] == shares[4] == D("0.00")
        assert all(D("0.00") <= share <= net for share, net in zip(shares, nets, strict=True))
        assert all(share.as_tuple().exponent == -2 for share in shares)


def test_spread_of_no_discount_or_no_nets():
    assert spread_discount([D("5.00"), D("7.00")], D("0.00")) == [D("0.00"), D("0.00")]
    assert spread_discount([D("0.00"), D("0.00")], D("0.00")) == [D("0.00"), D("0.00")]
    assert spread_discount([], D("0.00")) == []


def test_compute_totals_spreads_the_discount_onto_taxable_values():
    totals = compute_totals([line("1", "99.00", "5"), line("1", "100.00", "18"), line("1", "30.00", "5")],
                            discount_value=D("10"))
    assert [lt.discount for lt in totals.lines] == [D("4.32"), D("4.37"), D("1.31")]
    assert [lt.taxable_value for lt in totals.lines] == [D("94.68"), D("95.63"), D("28.69")]
    assert totals.subtotal == D("229.00")
    assert totals.discount_total == D("10.00")
    assert totals.taxable_total == D("219.00")
    # 5 %: 94.68 + 28.69 = 123.37 → 6.1685 → 6.17; 18 %: 95.63 → 17.2134 → 17.21
    assert [(row.rate, row.taxable_value, row.tax) for row in totals.tax_rows] == [
        (D("5"), D("123.37"), D("6.17")), (D("18"), D("95.63"), D("17.21"))]
    assert totals.tax_total == D("23.38")
    assert totals.total == D("242.38")
    assert_all_money(totals)


def test_percent_discount_in_compute_totals():
    totals = compute_totals([line("2", "50.00"), line("1", "25.00")], discount_type="percent",
                            discount_value=D("10"))
    assert totals.discount_total == D("12.50")
    assert [lt.discount for lt in totals.lines] == [D("10.00"), D("2.50")]
    assert totals.total == D("112.50")


def test_full_discount_makes_a_free_invoice():
    totals = compute_totals([line("1", "40.00", "18")], discount_type="percent", discount_value=D("100"))
    assert totals.taxable_total == D("0.00") and totals.tax_total == D("0.00") and totals.total == D("0.00")
    assert_all_money(totals)


# --- tax --------------------------------------------------------------------------------


def test_tax_is_computed_per_rate_on_the_summed_taxable_value():
    # Per line: 0.33 × 18 % = 0.0594 → 0.06, three times 0.18. Per rate: 0.99 → 0.1782 → 0.18.
    totals = compute_totals([line("1", "0.33", "18"), line("1", "0.33", "18.00"), line("1", "0.33", "18")])
    assert len(totals.tax_rows) == 1
    assert totals.tax_rows[0].taxable_value == D("0.99")
    assert totals.tax_rows[0].tax == D("0.18")
    assert totals.total == D("1.17")


def test_tax_rows_are_ordered_by_rate_and_include_zero_rated():
    totals = compute_totals([line("1", "200.00", "18"), line("1", "100.00", "5"), line("1", "50.00", "0"),
                             line("1", "50.00", "5.00")])
    assert [(row.rate, row.taxable_value, row.tax) for row in totals.tax_rows] == [
        (D("0"), D("50.00"), D("0.00")), (D("5"), D("150.00"), D("7.50")), (D("18"), D("200.00"), D("36.00"))]
    assert totals.tax_total == D("43.50")
    assert totals.total == D("443.50")


@pytest.mark.parametrize(
    ("rate", "shown"),
    [("10", "10"), ("10.00", "10"), ("20", "20"), ("100", "100"), ("12.50", "12.5"), ("5.00", "5"), ("0", "0"),
     ("0.00", "0")],
)
def test_tax_row_rate_reads_plainly(rate, shown):
    # The rate is printed on invoices ("10%"), never in exponent form ("1E+1%").
    totals = compute_totals([line("1", "100.00", rate)])
    assert str(totals.tax_rows[0].rate) == shown
    assert totals.tax_rows[0].rate == D(rate)


def test_cgst_and_sgst_are_each_half_the_rate_rounded_separately():
    # 94.68 × 2.5 % = 2.367 → 2.37 each: 4.74 (one 5 % rounding would give 4.73).
    totals = compute_totals([line("1", "94.68", "5")], gst_split=True)
    row = totals.tax_rows[0]
    assert (row.cgst, row.sgst, row.igst) == (D("2.37"), D("2.37"), D("0.00"))
    assert row.tax == D("4.74")
    assert totals.tax_total == D("4.74")
    assert totals.total == D("99.42")
    assert_all_money(totals)


def test_cgst_sgst_at_18_percent():
    totals = compute_totals([line("3", "33.33", "18")], gst_split=True)
    row = totals.tax_rows[0]
    # 99.99 × 9 % = 8.9991 → 9.00 each
    assert (row.cgst, row.sgst, row.tax) == (D("9.00"), D("9.00"), D("18.00"))
    assert totals.total == D("117.99")


def test_igst_for_inter_state_supply():
    totals = compute_totals([line("1", "94.68", "5")], gst_split=True, inter_state=True)
    row = totals.tax_rows[0]
    assert (row.igst, row.cgst, row.sgst) == (D("4.73"), D("0.00"), D("0.00"))
    assert row.tax == D("4.73")
    assert totals.total == D("99.41")
    assert_all_money(totals)


@pytest.mark.parametrize("inter_state", [False, True])
def test_no_split_without_gst_split(inter_state):
    totals = compute_totals([line("1", "94.68", "5")], inter_state=inter_state)
    row = totals.tax_rows[0]
    assert (row.cgst, row.sgst, row.igst) == (D("0.00"), D("0.00"), D("0.00"))
    assert row.tax == D("4.73")
    assert totals.total == D("99.41")


# --- round-off ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "total", "round_off_amount"),
    [
        ("100.50", "101.00", "0.50"),    # x.50 goes up
        ("100.49", "100.00", "-0.49"),   # negative round-off
        ("100.40", "100.00", "-0.40"),
        ("100.51", "101.00", "0.49"),
        ("100.00", "100.00", "0.00"),
        ("0.50", "1.00", "0.50"),
        ("0.49", "0.00", "-0.49"),
    ],
)
def test_round_off_to_the_whole_unit_half_up(price, total, round_off_amount):
    totals = compute_totals([line("1", price)], round_off=True)
    assert totals.total == D(total)
    assert totals.round_off_amount == D(round_off_amount)
    assert totals.taxable_total + totals.tax_total + totals.round_off_amount == totals.total
    assert_all_money(totals)


def test_round_off_after_gst_split():
    totals = compute_totals([line("1", "94.68", "5")], gst_split=True, round_off=True)
    assert totals.total == D("99.00")
    assert totals.round_off_amount == D("-0.42")


def test_no_round_off_unless_asked():
    totals = compute_totals([line("1", "100.50")])
    assert totals.total == D("100.50")
    assert totals.round_off_amount == D("0.00")


# --- zero-price lines and types ---------------------------------------------------------


def test_zero_price_lines():
    totals = compute_totals([line("2", "0.00", "18"), line("1", "50.00", "18")], discount_value=D("5"),
                            gst_split=True, round_off=True)
    assert totals.lines[0].line_net == D("0.00")
    assert totals.lines[0].discount == D("0.00")
    assert totals.lines[0].taxable_value == D("0.00")
    assert totals.lines[1].discount == D("5.00")
    # 45.00 × 9 % = 4.05 each → 53.10 → 53.00
    assert totals.tax_rows[0].cgst == D("4.05")
    assert totals.total == D("53.00")
    assert totals.round_off_amount == D("-0.10")
    assert_all_money(totals)


def test_everything_is_decimal_with_int_inputs():
    totals = compute_totals([LineInput(quantity=D(2), unit_price=D(5), tax_rate=D(12), description="Pen")],
                            discount_value=D(1), gst_split=True, round_off=True)
    assert_all_money(totals)
    assert totals.total == D("10.00")  # 9.00 + 0.54 + 0.54 = 10.08 → 10
    assert totals.round_off_amount == D("-0.08")
