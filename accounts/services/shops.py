"""Registration and shop settings."""

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Membership, Shop
from accounts.permissions import check_actor


@transaction.atomic
def shop_register(*, username: str, email: str, password: str, shop_name: str, phone: str = "",
                  address: str = "", currency: str = Shop.Currency.INR, locale: str = Shop.Locale.EN_IN):
    """Create a user, their shop and the owner membership in one transaction.

    Returns ``(user, shop)``. Raises ``django.core.exceptions.ValidationError`` when
    a model rule fails (e.g. a taken username); nothing is written then.
    """
    user = get_user_model()(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    shop = Shop(name=shop_name, phone=phone, address=address, currency=currency, locale=locale)
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
    allowed = {"name", "phone", "address", "currency", "locale", "upi_id", "gstin", "invoice_prefix",
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
