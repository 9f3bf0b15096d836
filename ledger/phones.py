"""Phone numbers in E.164 for click-to-chat links (WhatsApp, SMS).

The functions live in :mod:`customers.phones` (customers store their number in E.164
too, and customers cannot import the ledger); they are re-exported here for the ledger.
"""

from customers.phones import MOBILE_TYPES, region_for_locale, shop_e164, to_e164

__all__ = ["MOBILE_TYPES", "region_for_locale", "shop_e164", "to_e164"]
