"""Invoice arithmetic: line nets, discount spread, tax per rate, round-off.

All money is ``Decimal`` in the shop's currency, rounded ROUND_HALF_UP to the money
scale (``core.money.quantize_money``). A price excludes tax (tax is added on the
taxable value: line net − its share of the invoice discount) or includes it (an MRP,
``LineInput.price_includes_tax``): then the line's amount after its discount share is
what the customer pays, and its taxable value is worked back from it, rounded half up
per line: ``amount × 100 / (100 + rate)``. Tax is then computed per rate as for any
line, and what is left between the taxable values plus tax and the amounts the
customer sees (a paisa or two) is a rounding line, so a ₹105 MRP item at 5% is 100.00
taxable + 5.00 tax = 105.00, and 3 × ₹99 at 18% is 251.69 + 45.30 + 0.01 = 297.00.

GST: an invoice's tax is computed per rate on the sum of the taxable values at that
rate. For a shop with a GSTIN it is shown as CGST + SGST, each at half the rate and
rounded separately (intra-state supply), or as IGST at the full rate (inter-state),
per the CGST Act 2017 s.9 and IGST Act 2017 s.5.

Bangladesh (``with_sd``; VAT and SD Act 2012, issue 16): a line may carry supplementary
duty, and VAT is charged on the value with it, both per line and rounded half up:
SD = taxable × SD rate, VAT = (taxable + SD) × VAT rate, value including all duties and
taxes = taxable + SD + VAT (the Mushak-6.3 shows each per line and their column totals).
A tax-inclusive price then holds both: taxable = amount × 100 × 100 / ((100 + SD rate) ×
(100 + VAT rate)). Every other scheme ignores the SD rate (SD is 0) and keeps the
computation per rate above.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import CENT, ZERO, quantize_money, round_to_whole

HUNDRED = Decimal(100)


@dataclass
class LineInput:
    """One line as entered: ``quantity`` (Decimal, up to 3 places), ``unit_price``
    (Decimal money, before tax unless ``price_includes_tax``),
    ``tax_rate`` (Decimal percent), ``sd_rate`` (Decimal percent of supplementary duty,
    Bangladesh only; ``None``: the product's, else 0 — ``billing.services.invoices``)."""

    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    description: str = ""
    product: object = None
    hsn_code: str = ""
    unit: str = ""
    price_includes_tax: bool = False
    sd_rate: Decimal | None = None


@dataclass
class LineTotals:
    """One line's figures: its net (qty × price), its share of the discount, the taxable
    value; with SD (``compute_totals(with_sd=True)``) also its ``sd_amount`` and its VAT
    (``tax``), else both 0 (tax is computed per rate)."""

    line: LineInput
    line_net: Decimal
    discount: Decimal
    taxable_value: Decimal
    sd_amount: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass
class TaxRow:
    """Tax at one rate: ``cgst``/``sgst`` (intra-state GST), ``igst`` (inter-state) or
    just ``tax`` (no GST split). ``sd``: the supplementary duty of the lines at this rate
    (Bangladesh; VAT is charged on ``taxable_value + sd``), else 0."""

    rate: Decimal
    taxable_value: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    tax: Decimal = ZERO
    sd: Decimal = ZERO

    @property
    def base(self) -> Decimal:
        """What the tax is charged on: the taxable value with its SD."""
        return self.taxable_value + self.sd

    @property
    def half_rate(self) -> Decimal:
        """The CGST (and SGST) rate: half of ``rate``."""
        return self.rate / 2


@dataclass
class InvoiceTotals:
    """An invoice's figures (Decimal, shop currency): per line, per tax rate, and the totals."""

    lines: list[LineTotals] = field(default_factory=list)
    tax_rows: list[TaxRow] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    taxable_total: Decimal = ZERO
    #: Supplementary duty (Bangladesh; 0 elsewhere).
    sd_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    #: Tax-inclusive prices' rounding (what the customer sees − taxable − tax); part of round_off_amount.
    inclusive_rounding: Decimal = ZERO
    #: Every rounding between taxable + SD + tax and the total: inclusive_rounding + the round-off to a whole unit.
    round_off_amount: Decimal = ZERO
    total: Decimal = ZERO


class TotalsError(DomainError):
    """The discount does not fit the invoice (negative, or more than the subtotal);
    ``field`` is ``"discount_value"``."""

    def __init__(self, message: str, field: str | None = "discount_value"):
        super().__init__(message, field=field)


def invoice_discount(subtotal: Decimal, discount_type: str, discount_value: Decimal) -> Decimal:
    """The discount as an amount: ``discount_value`` itself (type ``"amount"``) or that
    percentage of ``subtotal`` (type ``"percent"``). Raises ``TotalsError`` when
    negative, above 100 %, or above the subtotal."""
    discount_value = discount_value or ZERO
    if discount_value < 0:
        raise TotalsError(_("A discount cannot be negative."))
    if discount_type == "percent":
        if discount_value > HUNDRED:
            raise TotalsError(_("A percentage discount cannot be more than %(limit)s.") % {"limit": "100%"})
        return quantize_money(subtotal * discount_value / HUNDRED)
    discount = quantize_money(discount_value)
    if discount > subtotal:
        raise TotalsError(_("The discount is more than the invoice subtotal."))
    return discount


def _plain_rate(rate) -> Decimal:
    """``rate`` without trailing zeros and never in exponent form: 18.00 → 18, 12.50 → 12.5,
    10 → 10 (``Decimal("10").normalize()`` alone would print as ``1E+1``)."""
    rate = Decimal(rate).normalize()
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate


def spread_discount(nets: list[Decimal], discount: Decimal) -> list[Decimal]:
    """Split ``discount`` over lines in proportion to their nets, to the money scale,
    so that the shares add up exactly to ``discount`` (largest remainders get the
    leftover cents)."""
    total = sum(nets, ZERO)
    if discount == 0 or total == 0:
        return [ZERO for _ in nets]
    exact = [discount * net / total for net in nets]
    shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover = int((discount - sum(shares, ZERO)) / CENT)
    order = sorted(range(len(nets)), key=lambda i: (exact[i] - shares[i], nets[i]), reverse=True)
    for i in order[:leftover]:
        shares[i] += CENT
    return shares


def tax_row(taxable: Decimal, rate: Decimal, *, gst_split: bool = False, inter_state: bool = False) -> TaxRow:
    """The tax on ``taxable`` (Decimal money) at ``rate`` percent: CGST + SGST at half the
    rate each, rounded separately (``gst_split``), IGST (``gst_split`` and ``inter_state``),
    or one plain tax."""
    row = TaxRow(rate=rate, taxable_value=taxable)
    if gst_split and not inter_state:
        row.cgst = row.sgst = quantize_money(taxable * rate / 2 / HUNDRED)
        row.tax = row.cgst + row.sgst
    elif gst_split:
        row.igst = row.tax = quantize_money(taxable * rate / HUNDRED)
    else:
        row.tax = quantize_money(taxable * rate / HUNDRED)
    return row


def taxable_from_inclusive(amount: Decimal, rate: Decimal, sd_rate: Decimal = ZERO) -> Decimal:
    """The taxable value inside a tax-inclusive ``amount`` at ``rate`` percent (and
    ``sd_rate`` percent of supplementary duty under it), rounded half up: ``105.00`` at 5 →
    ``100.00``; ``297.00`` at 18 → ``251.69``; ``126.50`` at 15 with SD 10 → ``100.00``."""
    if not sd_rate:
        return quantize_money(amount * HUNDRED / (HUNDRED + rate))
    return quantize_money(amount * HUNDRED * HUNDRED / ((HUNDRED + sd_rate) * (HUNDRED + rate)))


def sd_and_vat(taxable: Decimal, sd_rate: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Bangladesh's duties on one line's ``taxable`` value (Decimal money): ``(SD, VAT)``,
    each rounded half up, SD = taxable × ``sd_rate`` %, VAT = (taxable + SD) × ``vat_rate`` %.
    ``sd_and_vat(Decimal("900.00"), Decimal("10"), Decimal("15")) == (Decimal("90.00"), Decimal("148.50"))``."""
    sd = quantize_money(taxable * (sd_rate or ZERO) / HUNDRED)
    return sd, quantize_money((taxable + sd) * vat_rate / HUNDRED)


def line_figures(line: LineInput, line_net: Decimal, discount: Decimal, *, with_sd: bool = False) -> LineTotals:
    """One line's :class:`LineTotals` from its ``line_net`` and ``discount`` share (Decimal
    money): the amount after the discount is the taxable value, or, with
    ``line.price_includes_tax``, the taxable value is worked back from it
    (:func:`taxable_from_inclusive`, half up). With SD (``with_sd``, Bangladesh) the line's SD
    and VAT are computed too (:func:`sd_and_vat`); otherwise both stay 0 (tax is per rate)."""
    rate = _plain_rate(line.tax_rate)
    sd_rate = _plain_rate(line.sd_rate or ZERO) if with_sd else ZERO
    amount = line_net - discount
    taxable = taxable_from_inclusive(amount, rate, sd_rate) if line.price_includes_tax else amount
    figures = LineTotals(line=line, line_net=line_net, discount=discount, taxable_value=taxable)
    if with_sd:
        figures.sd_amount, figures.tax = sd_and_vat(taxable, sd_rate, rate)
    return figures


def compute_totals(lines: list[LineInput], *, discount_type: str = "amount", discount_value: Decimal = ZERO,
                   round_off: bool = False, gst_split: bool = False, inter_state: bool = False,
                   with_sd: bool = False) -> InvoiceTotals:
    """Totals of an invoice. ``gst_split`` shows tax as CGST+SGST (or IGST when
    ``inter_state``). The discount is spread over the line amounts as entered (with or
    without tax). Lines with ``price_includes_tax`` have their taxable value worked back
    per line (:func:`line_figures`); the rest is :func:`totals_of_lines`. ``round_off``
    rounds the total to the nearest whole unit (half up). ``with_sd`` (Bangladesh's VAT and
    SD): SD and VAT per line; otherwise each line's ``sd_rate`` is ignored. Raises
    ``TotalsError`` for a bad discount."""
    nets = [quantize_money(line.quantity * line.unit_price) for line in lines]
    subtotal = sum(nets, ZERO)
    discount_total = invoice_discount(subtotal, discount_type, discount_value)
    shares = spread_discount(nets, discount_total)
    figures = [line_figures(line, net, share, with_sd=with_sd) for line, net, share in zip(lines, nets, shares,
                                                                                          strict=True)]
    return totals_of_lines(figures, round_off=round_off, gst_split=gst_split, inter_state=inter_state,
                           with_sd=with_sd)


def totals_of_lines(lines: list[LineTotals], *, round_off: bool = False, gst_split: bool = False,
                    inter_state: bool = False, with_sd: bool = False) -> InvoiceTotals:
    """The totals of lines whose own figures are known (:func:`line_figures`, or the stored
    figures of a document's lines, as a credit note's returned lines): subtotal and discount
    are their sums. Tax is computed per rate on the sum of the taxable values at that rate
    (:func:`tax_row`); with SD (``with_sd``) the lines' own SD and VAT are summed per rate.
    Whatever the taxable values plus SD and tax miss of what the customer sees (the
    tax-inclusive lines' amounts, plus the exclusive lines with their own tax) is
    ``inclusive_rounding``; ``round_off`` then rounds the total to the nearest whole unit (half
    up); ``round_off_amount`` = total − taxable − SD − tax: both roundings."""
    result = InvoiceTotals(lines=list(lines))
    result.subtotal = sum((lt.line_net for lt in lines), ZERO)
    result.discount_total = sum((lt.discount for lt in lines), ZERO)
    if with_sd:
        by_rate: dict[Decimal, TaxRow] = {}
        for lt in lines:
            rate = _plain_rate(lt.line.tax_rate)
            if lt.line.price_includes_tax:
                result.inclusive_rounding += lt.line_net - lt.discount - lt.taxable_value - lt.sd_amount - lt.tax
            row = by_rate.setdefault(rate, TaxRow(rate=rate, taxable_value=ZERO))
            row.taxable_value += lt.taxable_value
            row.sd += lt.sd_amount
            row.tax += lt.tax
        result.tax_rows = [by_rate[rate] for rate in sorted(by_rate)]
    else:
        taxable_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        inclusive: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)  # per rate: what the customer pays
        exclusive: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)  # per rate: taxable of exclusive lines
        for lt in lines:
            rate = _plain_rate(lt.line.tax_rate)
            if lt.line.price_includes_tax:
                inclusive[rate] += lt.line_net - lt.discount
            else:
                exclusive[rate] += lt.taxable_value
            taxable_by_rate[rate] += lt.taxable_value
        for rate in sorted(taxable_by_rate):
            row = tax_row(taxable_by_rate[rate], rate, gst_split=gst_split, inter_state=inter_state)
            result.tax_rows.append(row)
            if rate in inclusive:
                seen = inclusive[rate] + exclusive[rate]
                if exclusive[rate]:
                    seen += tax_row(exclusive[rate], rate, gst_split=gst_split, inter_state=inter_state).tax
                result.inclusive_rounding += seen - row.taxable_value - row.tax
    result.taxable_total = sum((row.taxable_value for row in result.tax_rows), ZERO)
    result.sd_total = sum((row.sd for row in result.tax_rows), ZERO)
    result.tax_total = sum((row.tax for row in result.tax_rows), ZERO)
    taxed = result.taxable_total + result.sd_total + result.tax_total
    before = taxed + result.inclusive_rounding
    result.total = round_to_whole(before) if round_off else before
    result.round_off_amount = result.total - taxed
    return result
