"""Indian GST: the state codes and the GSTIN check (CGST Rules 2017, rule 10 and the
GSTN's format).

A GSTIN has 15 characters:

- 1–2: the state code (:data:`STATES`: 01–38, and 97 for "Other Territory");
- 3–12: the holder's PAN (5 letters, 4 digits, 1 letter);
- 13: the registration's number for that PAN in the state (1–9, then A–Z);
- 14: ``Z`` by convention for regular taxpayers. Registrations of other kinds (e.g.
  e-commerce operators collecting TCS) carry other letters, so this module accepts any
  letter or digit there: the check digit still catches a mistyped character;
- 15: the check character, computed by :func:`gstin_check_character`.

Public names: :data:`STATES`, :data:`STATE_CHOICES`, :func:`state_name`,
:func:`state_label`, :func:`gstin_check_character`, :func:`gstin_errors`,
:func:`validate_gstin`, :func:`gstin_state`.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: GST state and union-territory codes (the first two digits of a GSTIN) and their names.
#: 25 (Daman and Diu) and 28 (Andhra Pradesh before 2014) stay valid for GSTINs issued
#: under them.
STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (before 2014)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}

#: ``[(code, "27 · Maharashtra"), …]`` by name, for a form's select.
STATE_CHOICES: list[tuple[str, str]] = sorted(((code, f"{name} ({code})") for code, name in STATES.items()),
                                              key=lambda choice: choice[1])

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAN_RE = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
GSTIN_LENGTH = 15


def state_name(code: str) -> str:
    """The state's name for a code (``"27"`` → ``"Maharashtra"``); ``""`` when unknown or blank."""
    return STATES.get(code or "", "")


def state_label(code: str) -> str:
    """``"Maharashtra (27)"`` (how invoices print a state); ``""`` when unknown or blank."""
    name = state_name(code)
    return f"{name} ({code})" if name else ""


def gstin_check_character(first_14: str) -> str:
    """The 15th (check) character of a GSTIN from its first 14 (upper-case letters and
    digits), by the GSTN's mod-36 algorithm: each character's value in ``0-9A-Z`` is
    multiplied by 1, 2, 1, 2, … from the left; each product adds its quotient and
    remainder by 36 to the sum; the check is ``(36 − sum mod 36) mod 36`` as a character.
    Raises ``ValueError`` for a character outside ``0-9A-Z`` or a length other than 14."""
    if len(first_14) != GSTIN_LENGTH - 1:
        raise ValueError("a GSTIN's check character is computed from 14 characters")
    total = 0
    for position, char in enumerate(first_14):
        value = ALPHABET.index(char)  # ValueError for anything else
        product = value * (1 if position % 2 == 0 else 2)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def gstin_errors(value: str) -> list[str]:
    """What is wrong with ``value`` as a GSTIN (upper case expected), as messages for the
    user (in the active language); ``[]`` when it is valid. Checks in order: length and characters, state code, PAN,
    registration number, check character (only once the rest is right)."""
    if len(value) != GSTIN_LENGTH or not all(c in ALPHABET for c in value):
        length = {"count": len(value)}
        if all(c in ALPHABET for c in value):
            return [ngettext("A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has %(count)s character.",
                             "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has %(count)s characters.",
                             len(value)) % length]
        return [ngettext("A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has %(count)s character, "
                         "some of them not letters or digits.",
                         "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has %(count)s characters, "
                         "some of them not letters or digits.", len(value)) % length]
    errors = []
    if value[:2] not in STATES:
        errors.append(_("A GSTIN starts with a state code (01 to 38, or 97); %(code)s is not one.")
                      % {"code": value[:2]})
    if not PAN_RE.match(value[2:12]):
        errors.append(_("Characters 3 to 12 of a GSTIN are the PAN (5 letters, 4 digits, 1 letter); "
                        "%(pan)s is not a PAN.") % {"pan": value[2:12]})
    if value[12] == "0":
        errors.append(_("The 13th character of a GSTIN (the registration number) cannot be 0."))
    if not errors and gstin_check_character(value[:14]) != value[14]:
        errors.append(_("This GSTIN's last character (its check digit) does not match the rest: a character "
                        "may be mistyped. Copy it from the registration certificate."))
    return errors


def validate_gstin(value: str) -> None:
    """A model/form validator: raises ``ValidationError`` (code ``"invalid_gstin"``) unless
    ``value`` is a valid GSTIN. Blank values are the field's ``blank`` business."""
    if not value:
        return
    errors = gstin_errors(value)
    if errors:
        raise ValidationError(errors, code="invalid_gstin")


def gstin_state(gstin: str) -> str:
    """The state code of a GSTIN (its first two characters) when it is a known code, else ``""``."""
    code = (gstin or "")[:2]
    return code if code in STATES else ""


def state_with_gstin(gstin: str, state: str) -> str:
    """The state code that goes with ``gstin``: the GSTIN's own (``state`` when the GSTIN
    has no known state). Raises ``ValueError`` (its message for the user, in the active
    language) when ``state`` is given and is not the GSTIN's (a GSTIN is registered in
    exactly one state)."""
    own = gstin_state(gstin)
    if own and state and state != own:
        raise ValueError(_("The GSTIN is registered in %(state)s; choose that state or leave it empty.")
                         % {"state": state_label(own)})
    return own or state
