"""Brute-force protection: failed credentials counted per client and per key id.

A client (its IP address as the server sees it) with `per_client` failures within `window`
seconds, or a key id with `per_key` failures from anywhere, is answered 429 with Retry-After
until the oldest failure ages out — even for the right credential, so guessing cannot go on.
Counts live in this process (a restart starts afresh): the app uses this with SQLite, which one
process serves; on PostgreSQL `shared_throttle.SharedThrottle` counts every process's failures
together. Behind a proxy every client shares the proxy's address: put the limit there too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

PER_CLIENT = 20  # failures per client address within the window
PER_KEY = 100  # failures per key id (mk_<id>, or the one id of MATCHER_ADMIN_KEY) within the window
WINDOW = 300.0  # seconds
TRACKED = 100_000  # addresses and keys remembered at once; the least recent are forgotten


class Throttle:
    """Failure counts over a sliding window; thread-safe."""

    def __init__(
        self,
        per_client: int = PER_CLIENT,
        per_key: int = PER_KEY,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"client": per_client, "key": per_key}
        self.window, self.clock = window, clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def retry_after(self, client: str, key: str) -> float | None:
        """Seconds until this client may try this key again; None: it may now."""
        now = self.clock()
        waits = []
        with self._lock:
            for kind, name in (("client", client), ("key", key)):
                times = self._recent((kind, name), now)
                if len(times) >= self.limits[kind]:
                    waits.append(times[0] + self.window - now)
        return max(waits) if waits else None

    def failed(self, client: str, key: str) -> None:
        now = self.clock()
        with self._lock:
            for kind, name in (("client", client), ("key", key)):
                times = self._recent((kind, name), now)
                times.append(now)
                while len(times) > self.limits[kind]:  # keep only what the limit needs
                    times.popleft()
                self._failures[(kind, name)] = times
                self._failures.move_to_end((kind, name))
            while len(self._failures) > TRACKED:
                self._failures.popitem(last=False)

    def _recent(self, entry: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(entry, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
