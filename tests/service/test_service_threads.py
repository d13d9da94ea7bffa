"""Thread limits reach the USE engine through its public method, not a patched attribute."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.mark.slow
def test_limit_threads_rebuilds_the_use_engine_with_the_service_thread_count(monkeypatch):
    import threadpoolctl
    import torch

    from matcher.text.use_module import UseModule
    from service.main import limit_threads

    monkeypatch.setattr(threadpoolctl, "threadpool_limits", lambda limits: None)  # process-wide
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    module = UseModule(threads=2)
    engine = module._use
    limit_threads({"use-m3": SimpleNamespace(model=[module])}, 1)  # type: ignore[dict-item]
    assert module.threads == 1 and module._use is not engine
    limit_threads({"use-m3": SimpleNamespace(model=[module])}, 1)  # type: ignore[dict-item]
    assert module.threads == 1
