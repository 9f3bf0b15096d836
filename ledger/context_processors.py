"""Template context the ledger adds to every page: the nav's pending-claims badge."""

from functools import partial

from ledger.selectors.statements import pending_claims_count


def pending_claims(request):
    """``pending_claims_count``: a callable (the query runs only where a template uses it)
    giving how many payment reports wait in the current shop; 0 without a shop."""
    shop = getattr(request, "shop", None)
    return {"pending_claims_count": partial(pending_claims_count, shop=shop) if shop is not None else 0}
