"""Hybrid retrieval: BM25 over jieba tokens and dense vectors in faiss, fused by reciprocal rank."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import terms
from .chunks import Chunk
from .index import Index

MODES = ("hybrid", "bm25", "dense")
RRF_K = 60
POOL = 50          # candidates taken from each ranker before fusion


@dataclass
class Hit:
    chunk: Chunk
    score: float       # fused score (hybrid) or the ranker's own score
    bm25: float
    dense: float


def _top(scores: np.ndarray, k: int) -> list[int]:
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in idx[np.argsort(-scores[idx])]]


def search(index: Index, query: str, k: int = 10, mode: str = "hybrid", kinds: tuple[str, ...] = ()) -> list[Hit]:
    """The k best chunks for an already-normalized (and synonym-expanded) query."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    bm25 = index.bm25.scores(terms.tokens(query)) if mode != "dense" else np.zeros(len(index.chunks), "float32")
    if mode != "bm25":
        dense = np.zeros(len(index.chunks), dtype="float32")
        sims, ids = index.faiss.search(index.encode_query(query), len(index.chunks))
        dense[ids[0]] = sims[0]
    else:
        dense = np.zeros(len(index.chunks), dtype="float32")
    if kinds:
        allowed = np.array([c.kind in kinds for c in index.chunks])
        bm25 = np.where(allowed, bm25, -1.0)
        dense = np.where(allowed, dense, -1.0)
    if mode == "bm25":
        fused = bm25
    elif mode == "dense":
        fused = dense
    else:
        fused = np.zeros(len(index.chunks), dtype="float32")
        for scores in (bm25, dense):
            for rank, i in enumerate(_top(scores, POOL)):
                if scores[i] > 0:
                    fused[i] += 1.0 / (RRF_K + rank + 1)
    order = [i for i in _top(fused, k) if fused[i] > 0]
    return [Hit(index.chunks[i], float(fused[i]), float(bm25[i]), float(dense[i])) for i in order]
