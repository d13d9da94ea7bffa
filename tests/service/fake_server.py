"""The real app under uvicorn with the fake encoder:
`python fake_server.py DATA_DIR PORT [SAMPLE_DIR] [--db URL]` (default sample: tests/fixtures;
default database: SQLite in DATA_DIR).

Started as a separate process by the crash test, so it can be killed with SIGKILL, and twice on
one PostgreSQL database by the several-workers test.
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
    args = sys.argv[1:]
    changes: dict[str, object] = {}
    if "--db" in args:
        at = args.index("--db")
        changes["db_url"] = args[at + 1]
        del args[at : at + 2]
    folder, port = Path(args[0]), int(args[1])
    if len(args) > 2:
        changes["sample_dir"] = Path(args[2])
    app = create_app(settings_for(folder, **changes), fake_models(HashEncoder()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
