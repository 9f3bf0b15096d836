"""Registration and shop settings."""

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Membership, Shop
from accounts.permissions import check_actor
from core.markets import Country, market


@transaction.atomic
def shop_register(*, username: str, email: str, password: str, shop_name: str, phone: str = "",
                  address: str = "", country: str = Country.INDIA, language: str = "",
                  currency: str = "", locale: str = ""):
    """Create a user, their shop and the owner membership in one transaction.

    ``country`` (a ``core.markets.Country``) sets the shop's currency, locale and
    financial year (``core.markets.MARKETS``) unless ``currency``/``locale`` are given.
    ``language`` (a code of ``settings.LANGUAGES``, e.g. the one the sign-up page was
    read in) becomes the shop's language, which the owner's pages follow until they pick
    one in the header; empty keeps English.

    Returns ``(user, shop)``. Raises ``django.core.exceptions.ValidationError`` when
    a model rule fails (e.g. a taken username); nothing is written then.
    """
    defaults = market(country)
    user = get_user_model()(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    shop = Shop(name=shop_name, phone=phone, address=address, country=country or Country.INDIA,
                currency=currency or defaults.currency, locale=locale or defaults.locale,
                financial_year_start_month=defaults.financial_year_start_month, language=language or "en")
    shop.full_clean()
    shop.save()
    Membership.objects.create(user=user, shop=shop, role=Membership.Role.OWNER)
    return user, shop


@transaction.atomic
def shop_update(*, shop: Shop, membership=None, **fields) -> Shop:
    """Change a shop's settings (see ``allowed``); raises ``ValidationError`` on bad values
    and ``accounts.permissions.PermissionError`` unless ``membership`` (the acting user's,
    ``None`` for commands) may change settings (``settings.change``)."""
    check_actor(shop=shop, action="settings.change", membership=membership)
    allowed = {"name", "phone", "address", "country", "currency", "locale", "language", "upi_id", "tax_number",
               "mobile_money", "gstin", "invoice_prefix",
               "state", "gst_registration", "prices_include_tax", "financial_year_start_month",
               "send_payment_receipts", "reminders_enabled", "remind_days_before",
               "remind_on_due_date", "remind_every_days_after", "remind_max_after", "remind_monthly_after"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown shop fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(shop, name, value)
    shop.full_clean()
    shop.save(update_fields=sorted(fields))
    return shop
