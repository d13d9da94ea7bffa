"""The engine: the command line's in-memory catalogue and the fitted fusion it loads."""

from __future__ import annotations

import pytest

from matcher.engine import load_fusion, open_catalogue
from matcher.errors import ModelError
from matcher.features import feature_names
from matcher.fusion import Fusion
from matcher.settings import Settings


def test_open_catalogue_scores_the_records_it_is_given(
    fixture_projects, fixture_resources, hash_encoder
):
    fusion = Fusion(feature_names(("hash",)), "zsum")
    catalogue = open_catalogue(
        fixture_projects, fixture_resources, fusion=fusion, encoders={"hash": hash_encoder}
    )
    snapshot = catalogue.current()
    assert [p.project_id for p in snapshot.projects] == ["P1", "P2", "P3"]
    assert len(snapshot.resources_for("P1", 10)) == len(fixture_resources)


def test_load_fusion_refuses_a_model_fitted_on_other_features(tmp_path, fixture_projects):
    import numpy as np

    names = ("a", "b")
    x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    Fusion(names, "linear").fit(x, (x[..., 0] > 0).astype(np.float32) * 2).save(tmp_path / "fusion")
    settings = Settings.from_env(
        {}, models_dir=tmp_path, cache_dir=tmp_path / "cache", encoders=("hash",)
    )
    with pytest.raises(ModelError, match="refit"):
        load_fusion(settings)
    assert Fusion.load(tmp_path / "fusion", names).kind == "linear"
