"""The layout keeps its promises: light modules stay light, and no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest


def _loaded_after(module: str, heavy: tuple[str, ...]) -> list[str]:
    probe = f"import sys, {module}; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout)


@pytest.mark.parametrize("module", ["matcher.concepts", "matcher.prose", "matcher.specialties"])
def test_regex_only_modules_load_no_models(module):
    assert _loaded_after(module, ("jieba", "sklearn", "pandas", "torch", "fastapi")) == []


def test_the_library_never_imports_the_web_layer():
    assert _loaded_after("matcher.engine", ("service", "fastapi", "starlette")) == []
