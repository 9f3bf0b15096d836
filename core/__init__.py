"""The bottom of the import order (DESIGN §2): code every app shares, and no models.

- :mod:`core.money`: quantizing, formatting, the model and form fields with the
  project's money digits, and the SQLite rounding helper for sums;
- :mod:`core.errors`: :class:`~core.errors.DomainError`, the one error type services
  raise (each app's error is a subclass);
- :mod:`core.views`: the helpers views share (a service's error onto its form, an
  amount in the shop's currency) and :mod:`core.pdf`, the one HTML-to-PDF renderer of
  the pages that answer with a PDF.

``core`` imports no app. Nothing else belongs here: a rule of an area lives in that
app's ``services`` or ``selectors``.
"""
