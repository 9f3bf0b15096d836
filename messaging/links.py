"""Links that go to customers: absolute site links, and the click-to-chat links of
WhatsApp and SMS.

Every link to the site that a customer gets (in an email, a WhatsApp or SMS text, a
shared statement) is made absolute by :func:`absolute_url`: on ``settings.SITE_URL``,
else on the web request's own host; without either (a command), the link is left out
and a warning names the setting (:func:`warn_missing_site_url`).
"""

import logging
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings

from messaging.models import Message

logger = logging.getLogger(__name__)

SITE_URL_MISSING = ("SITE_URL is not set, so messages built without a web request (by this command or a task) "
                    "leave out links to the site, such as statement links. Set SITE_URL to the address your "
                    "customers use, e.g. SITE_URL=https://khata.example.com")

_site_url_warned = False  # the logged warning is given once per process


def site_url() -> str:
    """``settings.SITE_URL`` without a trailing slash (e.g. ``"https://khata.example.com"``),
    or ``""`` when it is not set."""
    return (getattr(settings, "SITE_URL", "") or "").strip().rstrip("/")


def warn_missing_site_url(write: Callable[[str], object] | None = None) -> bool:
    """Say that ``SITE_URL`` is not set, if it is not; return whether it is missing.

    With ``write`` (a command's ``self.stderr.write``; the command calls this once per
    run, before it builds any message) the warning goes there; without, it is logged as a
    warning of this module, at most once per process. Either way :func:`absolute_url`
    logs nothing more afterwards, so a run warns once.
    """
    global _site_url_warned
    if site_url():
        return False
    if write is not None:
        write(SITE_URL_MISSING)
    elif not _site_url_warned:
        logger.warning(SITE_URL_MISSING)
    _site_url_warned = True
    return True


def absolute_url(path: str, *, request=None) -> str:
    """The absolute URL of ``path`` (from ``reverse``/``get_absolute_url``, starting
    with ``/``) for a link that goes to a customer or user.

    On ``settings.SITE_URL`` when it is set; else on the host (and scheme) that
    ``request`` came to (``request.build_absolute_uri``). Without either, ``""``: the
    caller leaves the link out (never a guessed host), and :func:`warn_missing_site_url`
    logs the warning once.
    """
    base = site_url()
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    warn_missing_site_url()
    return ""


def whatsapp_url(number: str, text: str) -> str:
    """``https://wa.me/<digits>?text=<text>`` for an E.164 ``number`` (``+`` dropped)."""
    return f"https://wa.me/{number.lstrip('+')}?text={quote(text, safe='')}"


def sms_url(number: str, text: str) -> str:
    """``sms:<E.164>?body=<text>`` (RFC 5724)."""
    return f"sms:{number}?body={quote(text, safe='')}"


#: The click-to-chat channels and the link that opens each with a text filled in.
CHAT_CHANNELS = {Message.Channel.WHATSAPP: whatsapp_url, Message.Channel.SMS: sms_url}


def chat_url(channel: str, number: str, text: str) -> str:
    """The link that opens a chat with ``number`` (E.164) on ``channel`` (``"whatsapp"``
    or ``"sms"``) with ``text`` filled in. Raises ``ValueError`` for another channel."""
    if channel not in CHAT_CHANNELS:
        raise ValueError(f"not a click-to-chat channel: {channel!r}")
    return CHAT_CHANNELS[channel](number, text)
