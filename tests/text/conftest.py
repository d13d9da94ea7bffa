"""Real encoders for the text tests: built once per session (a no-op once `make setup` ran)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matcher.text.encoders import build_models, models_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: everything is local


@pytest.fixture(scope="session")
def built_models_dir() -> Path:
    """The models directory with every encoder folder built."""
    directory = models_dir()
    build_models(directory)
    return directory
