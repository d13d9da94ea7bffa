"""`matcher serve` itself (`service.cli.main`, so `--workers N` runs N uvicorn processes on one
socket) with the fake encoder: `python fake_workers_server.py --db URL --port P --workers N`,
settings from the environment (`workers_server.launch` sets them).

Each worker process is started by multiprocessing's spawn, which first runs this file again as
`__mp_main__`: the hook below then swaps `service.main.load_models` for the fake in every
worker, as soon as the worker imports `service.main`. (Importing it here instead would take
~5 s before uvicorn's health-check thread starts, and uvicorn kills a worker that does not
answer within 5 s.) The first worker to load gets the models at once; the others wait
`FAKE_LOAD_SECONDS` more, as real workers do when they load the encoders side by side on a
busy machine (52 s on 2 cores in bench/RESULTS.md).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parents[1])]  # tests/ first: its conftest


def _fake_models(settings: Any) -> Any:
    from conftest import HashEncoder  # tests/conftest.py
    from service_helpers import fake_models

    first = settings.data_dir / "first-worker-loaded"
    try:
        os.close(os.open(first, os.O_CREAT | os.O_EXCL))
    except FileExistsError:  # another worker came first: this one is the slow one
        time.sleep(float(os.environ.get("FAKE_LOAD_SECONDS", "0")))
    return fake_models(HashEncoder())


class _FakeModelsOnImport(importlib.abc.MetaPathFinder):
    """Once `service.main` is imported, its `load_models` is the fake."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "service.main":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            module.load_models = _fake_models  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _FakeModelsOnImport())

if __name__ == "__main__":
    from service.cli import main

    main(sys.argv[1:])
