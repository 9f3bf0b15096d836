"""Ledger reads (DESIGN §5), one module per area, billing's shape:

- ``entries``: one customer's open dues, a due's outstanding, the statement;
- ``dashboard``: the dashboard's figures;
- ``drift``: ``check_ledger``'s recomputation of every stored figure;
- ``reminders``: who is reminded on a day, the reminder texts and links, the customer
  page's reminder buttons;
- ``statements``: statement links by token, the public statement, payment claims.

Nothing here writes. Writes are in ``ledger.services``.
"""
