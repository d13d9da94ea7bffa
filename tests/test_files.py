"""The one atomic-write helper: a file is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.files import atomic_path


def test_the_target_is_replaced_only_when_the_block_completes(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise OSError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    with atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temp files left
    assert target.stat().st_mode & 0o777 == 0o644
