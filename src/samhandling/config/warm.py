"""A server process's long-lived objects kept out of the garbage collector's full collections.

`config/wsgi.py` freezes what loading the application made (`gc.freeze()`). More long-lived
objects come with the first requests: each template compiled the first time a page is shown,
the translation catalogues, the URL resolver's caches. A full collection scans every tracked
object that is not frozen, so after warm-up one of them took some 85 ms in the middle of a
request (bench/README.md). `freeze_when_warm` freezes once more after the process has served
its first requests, so that a full collection scans only what requests make and drop.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

from django.core.signals import request_finished

# After these many requests of a process: most pages have been shown once by the first, the
# rarer ones by the second.
FREEZE_AFTER = (200, 2000)


def freeze_when_warm(after: Sequence[int] = FREEZE_AFTER) -> None:
    """Collect and freeze when the process has finished `after[0]`, `after[1]`, … requests.
    The collection before each freeze frees the garbage of the requests so far; what is
    frozen is what they left alive (caches), which lives as long as the process anyway.
    The collection runs after the response has been sent (request_finished)."""
    remaining = sorted(after)
    served = 0

    def count(**_kwargs: Any) -> None:
        nonlocal served
        served += 1
        if served == remaining[0]:
            gc.collect()
            gc.freeze()
            remaining.pop(0)
            if not remaining:
                request_finished.disconnect(count, dispatch_uid=__name__)

    if remaining:
        request_finished.connect(count, dispatch_uid=__name__, weak=False)
