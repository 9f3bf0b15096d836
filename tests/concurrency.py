"""Run calls at the same moment on separate threads (and so separate database
connections), for the MariaDB-only tests of row locks."""

import contextvars
import threading

from django.db import connection


def run_together(*calls, timeout: float = 60) -> list:
    """Start every call on its own thread once all are ready; return, in order, each
    call's result or the exception it raised. Fails if a call does not finish.

    Each thread runs in a copy of the caller's context, so in the caller's scope: a
    request of that shop, as in production."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(worker, i, call))
               for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a call did not finish"
    return results
