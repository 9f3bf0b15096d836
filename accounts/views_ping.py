"""``/accounts/ping/``: the smallest login-protected page, a benchmark's ceiling.

It does what every shop page does before its own work — session, user, the tenancy
middleware's membership lookup, ``@shop_required``, a template rendered with the
context processors — and nothing else, so the throughput of a real page divided by
this page's shows the cost of that page's own queries and rendering (``bench/``).
"""

from django.shortcuts import render

from accounts.tenancy import shop_required


@shop_required
def ping(request):
    return render(request, "accounts/ping.html")
