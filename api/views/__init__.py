"""API views, one module per area (``customers``, ``ledger``, ``billing``, ``reports``),
on the shared base of ``base``; ``tokens`` and ``docs`` are the web pages of the app."""
