"""The real app under uvicorn with the fake encoder:
`python fake_server.py DATA_DIR PORT [SAMPLE_DIR]` (default sample: tests/fixtures).

Started as a separate process by the crash test, so it can be killed with SIGKILL.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parents[1])]  # tests/ first: its conftest

import uvicorn  # noqa: E402
from conftest import HashEncoder  # noqa: E402  (tests/conftest.py)
from service_helpers import fake_models, settings_for  # noqa: E402

from service.main import create_app  # noqa: E402

if __name__ == "__main__":
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    changes = {"sample_dir": Path(sys.argv[3])} if len(sys.argv) > 3 else {}
    app = create_app(settings_for(folder, **changes), fake_models(HashEncoder()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
