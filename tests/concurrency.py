"""Work released in several threads at the same moment (a barrier), for the PostgreSQL concurrency tests."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def release_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads that start together; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
