"""Int8 query copies of the real encoders: close to float32, same nearest passages."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.text.encoders import load_encoder
from matcher.text.quantize import int8_queries

QUERIES = [
    "可降解冠脉支架，已完成动物实验，正在准备多中心临床试验，需要融资",
    "经典名方中药配方颗粒，希望对接中药提取生产基地",
    "ADC偶联药物，临床前药效完成，急需CDMO中试放大",
    "AI 辅助诊断平台：肺结节 CT 影像识别，已获二类证，寻求医院合作",
    "Digital therapeutics for insomnia (CBT-I) — pilot RCT done, seeking investors.",
]
pytestmark = pytest.mark.slow  # loads the real encoders

PASSAGES = [
    "心血管介入器械临床试验基地，具备多中心冠脉研究经验",
    "中药饮片与配方颗粒提取生产，GMP 车间可代工",
    "生物药 CDMO：抗体偶联药物工艺开发与中试放大",
    "三甲医院影像科，开放数据与临床验证合作",
    "数字医疗早期投资基金，关注软件类医疗器械",
]


def test_int8_e5_keeps_query_vectors_and_nearest_passages(built_models_dir):
    e5 = load_encoder("e5-small", built_models_dir, centred=False)
    int8 = int8_queries(e5)
    assert int8.model_id != e5.model_id  # a cache can never mix the two
    full, quick = e5.encode_queries(QUERIES), int8.encode_queries(QUERIES)
    assert quick.dtype == np.float32 and np.allclose(np.linalg.norm(quick, axis=1), 1, atol=1e-4)
    assert (full * quick).sum(axis=1).min() > 0.95
    passages = e5.encode_passages(PASSAGES)
    assert list((quick @ passages.T).argmax(axis=1)) == list((full @ passages.T).argmax(axis=1))
    assert np.allclose(e5.encode_queries(QUERIES[:1]), full[:1], atol=1e-5)  # original untouched


def test_int8_copy_shares_the_float_tensors_and_tokenizer(built_models_dir):
    e5 = load_encoder("e5-small", built_models_dir, centred=False)
    int8 = int8_queries(e5)
    kept = {p.data_ptr() for p in int8.model.parameters()}  # embeddings, layer norms
    assert kept and kept <= {p.data_ptr() for p in e5.model.parameters()}
    assert int8.model[0].tokenizer is e5.model[0].tokenizer


def test_encoders_without_linear_layers_are_left_alone(built_models_dir):
    use = load_encoder("use-m3", built_models_dir, centred=False)
    assert int8_queries(use) is use
