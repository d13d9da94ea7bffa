"""Lexical text signals: BM25 over jieba-segmented words, and character n-gram TF-IDF."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

import bm25s
import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .fold import fold

jieba.setLogLevel(logging.WARNING)
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"[\w\-+]*\w[\w\-+]*")
_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "为",
        "对",
        "将",
        "并",
        "可",
        "已",
        "于",
        "以",
        "由",
        "其",
        "该",
        "我们",
        "我司",
        "本",
        "项目",
        "公司",
        "提供",
        "进行",
        "相关",
        "主要",
        "具有",
        "目前",
        "通过",
        "开展",
        "包括",
        "一个",
        "一种",
        "基于",
        "用于",
        "能够",
        "希望",
        "需要",
        "服务",
        "企业",
        "团队",
        "技术",
        "the",
        "of",
        "and",
        "for",
        "to",
        "in",
        "a",
        "an",
        "with",
        "on",
        "by",
    ]
)


@cache
def _load_terms() -> None:
    """Teach jieba the domain's compound terms once (三类证, 配方颗粒, CAR-T, …)."""
    terms = resources.files("matcher.text").joinpath("terms.txt").read_text(encoding="utf-8")
    for line in terms.splitlines():
        if line.strip():
            jieba.add_word(line.strip())


def words(text: str) -> list[str]:
    """Content words of a text: jieba segmentation minus punctuation and stop words."""
    return list(_words(text))


@lru_cache(maxsize=50_000)  # a text is segmented for BM25, its need clauses and the reasons
def _words(text: str) -> tuple[str, ...]:
    _load_terms()
    tokens = jieba.lcut(fold(text))
    return tuple(
        t for t in tokens if _WORD.fullmatch(t) and t not in _STOPWORDS and not t.isdigit()
    )


class BM25Scorer:
    """Okapi BM25 (bm25s) over segmented words; queries score against the fitted documents."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, documents: Sequence[str]) -> BM25Scorer:
        self.retriever_ = bm25s.BM25(k1=self.k1, b=self.b)
        self.retriever_.index([words(d) or ["∅"] for d in documents], show_progress=False)
        self.n_documents_ = len(documents)
        return self

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """Scores (n_queries, n_documents), float32."""
        out = np.zeros((len(queries), self.n_documents_), dtype=np.float32)
        for i, query in enumerate(queries):
            tokens = words(query)
            if tokens:
                out[i] = self.retriever_.get_scores(tokens)
        return out


class CharNgramScorer:
    """Cosine similarity of character 2–3-gram TF-IDF vectors (needs no segmentation)."""

    def __init__(self, ngram_range: tuple[int, int] = (2, 3)) -> None:
        self.ngram_range = ngram_range

    def fit(self, corpus: Sequence[str]) -> CharNgramScorer:
        """Learn n-gram weights from every text of both sides."""
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.ngram_range,
            sublinear_tf=True,
            preprocessor=fold,
            dtype=np.float32,
        )
        self.vectorizer_.fit(corpus)
        return self

    def score(self, queries: Sequence[str], documents: Sequence[str]) -> np.ndarray:
        """Cosine similarities (n_queries, n_documents)."""
        q = self.vectorizer_.transform(queries)
        d = self.vectorizer_.transform(documents)
        return np.asarray((q @ d.T).toarray(), dtype=np.float32)
