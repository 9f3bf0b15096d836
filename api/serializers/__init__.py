"""The API's JSON shapes, one module per app served: money is a string with two decimals
(``"250.00"``, the shop's currency), quantities a string with three, dates ISO 8601."""
