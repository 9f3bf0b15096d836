"""Scope helpers for tests (the suite runs each test in its shop's scope: see conftest)."""

import contextlib

from django_scopes.state import state


@contextlib.contextmanager
def no_scope():
    """No scope at all inside the block, as in a worker, a cron job or a management
    command before it opens its own: a query of a tenant model raises ``ScopeError``."""
    token = state.set({})
    try:
        yield
    finally:
        state.reset(token)
