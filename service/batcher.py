"""Micro-batching of free-text queries: encode once for all that arrived together.

Requests queue on the event loop; one worker thread encodes and scores a batch while the
next one gathers, so the model runs once per batch and the loop never blocks on it. An idle
worker takes a lone query at once (optionally after `window_ms` more for company); under
load, everything that queued while the previous batch ran goes together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class _Item:
    text: str
    k: int
    types: tuple[str, ...]
    future: asyncio.Future


Run = Callable[[Sequence[str], Sequence[int], Sequence[Sequence[str]]], list]  # texts, ks, types


class QueryBatcher:
    """`await batcher.submit(text, k, types)` → that query's answer from `run`."""

    def __init__(
        self,
        run: Run,
        window_ms: float = 0.0,
        max_batch: int = 32,
        on_batch: Callable[[int], None] | None = None,
        initializer: Callable[[], object] | None = None,
    ) -> None:
        self.run = run
        self.window = window_ms / 1000
        self.max_batch = max_batch
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="query-batch", initializer=initializer
        )

    async def submit(self, text: str, k: int, types: Sequence[str] = ()) -> list:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._loop(self._queue))
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(text, k, tuple(types), future))
        return await future

    async def _loop(self, queue: asyncio.Queue[_Item]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            deadline = loop.time() + self.window
            while len(batch) < self.max_batch and self.window > 0:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), timeout))
                except TimeoutError:
                    break
            batch = [item for item in batch if not item.future.cancelled()]
            if not batch:
                continue
            if self.on_batch:
                self.on_batch(len(batch))
            try:
                answers = await loop.run_in_executor(
                    self._executor,
                    self.run,
                    [i.text for i in batch],
                    [i.k for i in batch],
                    [i.types for i in batch],
                )
            except Exception as exc:  # hand the failure to every waiting request
                log.exception("query batch of %d failed", len(batch))
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, answer in zip(batch, answers, strict=True):
                if not item.future.done():
                    item.future.set_result(answer)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
        self._executor.shutdown(wait=False, cancel_futures=True)
