"""Running a coroutine from a synchronous test, whatever ran before it in the worker.

Once a browser test has run in a pytest worker, pytest-playwright's session-scoped sync API
keeps an asyncio event loop running in the main thread until the session ends, and
``asyncio.run`` refuses to start there. :func:`run` starts the coroutine's own loop in a
fresh thread instead, so a test's outcome does not depend on which tests shared its worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own; its result or its exception."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
