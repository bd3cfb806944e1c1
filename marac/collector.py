"""Python's cycle collector held off while a batch of work builds thousands of short-lived objects.

The collector runs whenever 700 more container objects (tuples, dicts, instances) exist than it last saw,
and every tenth and hundredth run it walks older and older objects, up to all of the process's.  A
reminder sweep builds several objects per reminder, so collections came hundreds of times in a sweep of
10,000 and cost a tenth of its time, while finding nothing: the objects are freed by their reference
counts as each batch ends.  Held off for a batch, the collector catches up with the next allocation after
it.  Held by a count, so that batches running side by side (PostgreSQL sweeps) resume it only when the
last one ends; all of them run on the event loop's thread.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_holders = 0
_was_enabled = False


@contextmanager
def collection_held() -> Iterator[None]:
    """No cycle collection inside the block (unless it was off already, it is back on after)."""
    global _holders, _was_enabled
    if _holders == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holders += 1
    try:
        yield
    finally:
        _holders -= 1
        if _holders == 0 and _was_enabled:
            gc.enable()
