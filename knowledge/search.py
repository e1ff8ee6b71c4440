"""Hybrid retrieval: BM25 over jieba tokens and dense vectors in faiss, fused by reciprocal rank.

One search serves both levels of the index: passages (chunks, including the table records) and
single prose sentences.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import terms
from .chunks import Chunk, Sentence
from .index import Index

MODES = ("hybrid", "bm25", "dense")
RRF_K = 60
POOL = 50          # candidates taken from each ranker before fusion


@dataclass
class Hit:
    chunk: Chunk | Sentence
    score: float       # fused score (hybrid) or the ranker's own score
    bm25: float
    dense: float
    rank_bm25: int = -1    # 0-based rank in each ranker (-1: not in its pool)
    rank_dense: int = -1


def _top(scores: np.ndarray, k: int) -> list[int]:
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in idx[np.argsort(-scores[idx])]]


def search(index: Index, query: str, k: int = 10, mode: str = "hybrid", kinds: tuple[str, ...] = (),
           level: str = "chunk") -> list[Hit]:
    """The k best chunks (level "chunk") or sentences (level "sentence") for a normalized, expanded query."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    units, bm25_index = (index.chunks, index.bm25) if level == "chunk" else (index.sentences, index.sentence_bm25)
    n = len(units)
    bm25 = bm25_index.scores(terms.tokens(query)) if mode != "dense" else np.zeros(n, "float32")
    dense = index.similarities(query, level) if mode != "bm25" else np.zeros(n, dtype="float32")
    if kinds:
        allowed = np.array([c.kind in kinds for c in units])
        bm25 = np.where(allowed, bm25, -1.0)
        dense = np.where(allowed, dense, -1.0)
    ranks = []
    for scores in (bm25, dense):
        ranked = [i for i in _top(scores, POOL) if scores[i] > 0]
        ranks.append({i: r for r, i in enumerate(ranked)})
    if mode == "bm25":
        fused = bm25
    elif mode == "dense":
        fused = dense
    else:
        fused = np.zeros(n, dtype="float32")
        for rank in ranks:
            for i, r in rank.items():
                fused[i] += 1.0 / (RRF_K + r + 1)
    order = [i for i in _top(fused, k) if fused[i] > 0]
    return [Hit(units[i], float(fused[i]), float(bm25[i]), float(dense[i]), ranks[0].get(i, -1), ranks[1].get(i, -1))
            for i in order]
