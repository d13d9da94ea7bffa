"""Project-side centres: stored per encoder build, subtracted from queries only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.text.centre import centre_path, mean_query, read_centre, write_centre
from matcher.text.encoders import ENCODERS, load_encoder

REFERENCE = [
    "可降解冠脉支架，已完成动物实验，需要临床试验合作",
    "中药配方颗粒质量标准研究，寻找生产合作企业",
    "AI眼底影像筛查软件，准备注册申报",
]


def test_a_centre_is_read_back_only_for_the_build_it_was_computed_with(tmp_path: Path):
    centre = np.linspace(-1, 1, 8)
    assert read_centre(tmp_path, "e5-small", "e5-small@abc") is None  # none stored yet
    path = write_centre(tmp_path, "e5-small", "e5-small@abc", centre, "judged-train", 3)
    assert path == centre_path(tmp_path, "e5-small") and path.is_file()
    assert np.allclose(read_centre(tmp_path, "e5-small", "e5-small@abc"), centre, atol=1e-6)
    assert read_centre(tmp_path, "e5-small", "e5-small@rebuilt") is None


def test_a_centre_needs_texts():
    with pytest.raises(ValueError):
        mean_query(None, [])


@pytest.mark.slow
def test_queries_are_centred_and_passages_left_alone(built_models_dir: Path, tmp_path: Path):
    folder = ENCODERS["e5-small"].folder
    (tmp_path / folder).symlink_to(built_models_dir / folder)
    raw = load_encoder("e5-small", tmp_path)
    assert load_encoder("e5-small", tmp_path).model_id == raw.model_id  # no centre stored yet
    centre = mean_query(raw, REFERENCE)
    write_centre(tmp_path, "e5-small", raw.model_id, centre, "test", len(REFERENCE))

    centred = load_encoder("e5-small", tmp_path)
    assert centred.model_id != raw.model_id  # caches and indexes never mix the two
    queries = centred.encode_queries(REFERENCE)
    assert np.allclose(queries, raw.encode_queries(REFERENCE) - centre, atol=1e-5)
    assert np.allclose(queries.mean(axis=0), 0, atol=1e-5)  # the reference is what is typical
    assert np.allclose(centred.encode_passages(REFERENCE), raw.encode_passages(REFERENCE))
    assert load_encoder("e5-small", tmp_path, centred=False).model_id == raw.model_id
