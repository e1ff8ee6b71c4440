"""The question map (knowledge.adapter): it learns where questions' answers lie, and it feeds the chooser."""
from __future__ import annotations

import json

import numpy as np

from knowledge import adapter, ranker


def _world(n_questions: int, seed: int):
    """Units, and questions that are a fixed rotation of their answering unit plus noise: the raw similarity
    cannot find the answer, a learned linear map can."""
    units = np.random.default_rng(98).normal(size=(30, 16)).astype(np.float32)
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(np.random.default_rng(99).normal(size=(16, 16)))
    rng = np.random.default_rng(seed)
    answer = rng.integers(0, len(units), size=n_questions)
    questions = (units[answer] @ rotation.T + 0.05 * rng.normal(size=(n_questions, 16))).astype(np.float32)
    return units, questions, [[int(a)] for a in answer]


def test_the_map_puts_new_questions_nearer_their_answers_than_the_raw_embedding_does():
    units, questions, answering = _world(300, seed=0)
    w = adapter.fit(questions, answering, units)
    _, new, new_answering = _world(100, seed=1)
    raw = adapter.mean_reciprocal_rank(new @ units.T, new_answering)
    mapped = adapter.mean_reciprocal_rank(adapter.similarities(w, new, units), new_answering)
    assert mapped > 0.9 > 0.5 > raw


def test_a_candidate_that_quotes_no_unit_gets_the_missing_values_and_the_others_their_gap_to_the_best():
    sims = np.array([0.1, 0.7, 0.4, 0.9], dtype=np.float32)
    cols = adapter.columns(sims, [[0, 2], [], [3], [1]])
    assert np.allclose(cols, [[0.4, 0.5], list(adapter.MISSING), [0.9, 0.0], [0.7, 0.2]])


def test_the_built_map_ranks_answers_higher_than_the_raw_embedding_out_of_fold(index_dir):
    report = json.loads((index_dir / ranker.REPORT_FILE).read_text(encoding="utf-8"))["adapter"]
    assert report["mrr_out_of_fold"] > report["mrr_unmapped"], report
