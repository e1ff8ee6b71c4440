"""A learned map of question embeddings toward the plan units that answer them, trained at build time.

A linear map W of the question's embedding (the identity at the start, held near it by a penalty) is fitted so
that each training question's answering units, the chunks and sentences that hold all its key facts, come first
among all units of the plan (softmax over units, 150 Adam steps in torch, a few seconds). The map is one 512×512
matrix in the chooser's pickle; applying it costs a matrix product per question.

Its score for a candidate answer (the best adapted similarity among the units it quotes, and the gap to the best
candidate's) is a feature of the chooser's preference model only (knowledge.ranker): it says which candidate to
give, never whether to answer. Out of fold it mostly recalls facts that another training question asked (with
folds that keep questions answered by the same unit together it ranks worse than the raw embedding), so it is
kept out of the decision to answer, which it made too sure (README "Benchmarks", stop 23).
"""
from __future__ import annotations

import numpy as np

PENALTY = 1e-2          # on ||W - I||²; swept 1e-1 / 1e-2 / 1e-3 / 3e-4 (README, stop 23)
TEMPERATURE = 0.05
STEPS = 150
LEARNING_RATE = 2e-3
FOLDS = 5
FEATURES = ("adapted_sim", "adapted_sim_gap")
MISSING = (-1.0, 1.0)   # a candidate that quotes no unit of the plan (a total over the tables, say)


def unit_texts(index) -> list[str]:
    """The texts of the units Index.unit_vectors holds, in the same order."""
    return [c.text for c in index.chunks] + [s.text for s in index.sentences]


def candidate_units(index, cand) -> list[int]:
    """The units a candidate answer stands on: the sentences it quotes, else the chunks its sources span."""
    n_chunks = len(index.chunks)
    if cand.sentence_ids:
        return [n_chunks + i for i in cand.sentence_ids]
    starts, ends = index.chunk_spans
    out: set[int] = set()
    for s in cand.answer.sources[:5]:
        out.update(np.flatnonzero((starts <= s.line_end) & (ends >= s.line_start)).tolist())
    return sorted(out)


def positives(index, items: list[dict]) -> list[list[int]]:
    """For each question, the units that hold every one of its key facts (none for an unanswerable one)."""
    texts = unit_texts(index)
    return [[j for j, t in enumerate(texts) if all(k in t for k in item["keys"])] if item["answerable"] else []
            for item in items]


def fit(questions: np.ndarray, answering: list[list[int]], unit_vectors: np.ndarray) -> np.ndarray:
    """W fitted on the questions that have answering units."""
    import torch
    rows = [i for i, p in enumerate(answering) if p]
    q = torch.tensor(questions[rows])
    u = torch.tensor(unit_vectors)
    mask = torch.zeros(len(rows), len(unit_vectors), dtype=torch.bool)
    for r, i in enumerate(rows):
        mask[r, answering[i]] = True
    eye = torch.eye(questions.shape[1])
    w = eye.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=LEARNING_RATE)
    for _ in range(STEPS):
        z = torch.nn.functional.normalize(q @ w, dim=1) @ u.T / TEMPERATURE
        log_p = torch.logsumexp(z.masked_fill(~mask, -1e9), 1) - torch.logsumexp(z, 1)
        loss = -log_p.mean() + PENALTY * ((w - eye) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach().numpy()


def similarities(w: np.ndarray, questions: np.ndarray, unit_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of each mapped question to every unit (questions × units)."""
    mapped = np.asarray(questions, dtype=np.float32) @ w
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    return mapped @ unit_vectors.T


def out_of_fold(questions: np.ndarray, answering: list[list[int]], unit_vectors: np.ndarray) -> np.ndarray:
    """Each question's similarities from a map fitted on the other folds."""
    from sklearn.model_selection import KFold
    out = np.zeros((len(questions), len(unit_vectors)), dtype=np.float32)
    for train_idx, test_idx in KFold(FOLDS, shuffle=True, random_state=0).split(questions):
        w = fit(questions[train_idx], [answering[i] for i in train_idx], unit_vectors)
        out[test_idx] = similarities(w, questions[test_idx], unit_vectors)
    return out


def mean_reciprocal_rank(sims: np.ndarray, answering: list[list[int]]) -> float:
    """How high the best answering unit ranks among all units, averaged over questions that have one."""
    ranks = [1.0 / (1 + int((row > row[p].max()).sum())) for row, p in zip(sims, answering, strict=True) if p]
    return round(float(np.mean(ranks)), 4) if ranks else 0.0


def columns(sims: np.ndarray, cand_units: list[list[int]]) -> np.ndarray:
    """The features of one question's candidates: the best adapted similarity among a candidate's units and its
    gap to the best candidate's."""
    best = [float(sims[u].max()) if u else None for u in cand_units]
    top = max((b for b in best if b is not None), default=0.0)
    return np.array([[b, top - b] if b is not None else list(MISSING) for b in best]).reshape(-1, len(FEATURES))
