"""The free-text batcher: a lone query runs at once; queries that arrive meanwhile go together."""

from __future__ import annotations

import asyncio
import threading

import pytest

from service.batcher import QueryBatcher


def test_queries_arriving_during_a_batch_share_the_next_one():
    release = threading.Event()
    batches: list[list[str]] = []

    def run(texts, ks, types):
        batches.append(list(texts))
        if len(batches) == 1:
            assert release.wait(10)  # hold the first batch while others queue
        return [f"{t}:{k}:{','.join(ty)}" for t, k, ty in zip(texts, ks, types, strict=True)]

    async def scenario() -> list[str]:
        batcher = QueryBatcher(run, window_ms=0)
        first = asyncio.ensure_future(batcher.submit("a", 1))
        while not batches:  # the first query started without waiting for company
            await asyncio.sleep(0.001)
        rest = [asyncio.ensure_future(batcher.submit(t, 2, ("bank",))) for t in "bcde"]
        await asyncio.sleep(0.05)
        release.set()
        answers = await asyncio.gather(first, *rest)
        await batcher.close()
        return answers

    answers = asyncio.run(scenario())
    assert batches == [["a"], ["b", "c", "d", "e"]]
    assert answers == ["a:1:", "b:2:bank", "c:2:bank", "d:2:bank", "e:2:bank"]


def test_a_failing_batch_fails_its_queries_and_the_batcher_goes_on():
    def run(texts, ks, types):
        if "bad" in texts:
            raise ValueError("model failed")
        return list(texts)

    async def scenario() -> str:
        batcher = QueryBatcher(run)
        with pytest.raises(ValueError, match="model failed"):
            await batcher.submit("bad", 1)
        answer = await batcher.submit("good", 1)
        await batcher.close()
        return answer

    assert asyncio.run(scenario()) == "good"
