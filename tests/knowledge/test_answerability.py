"""The question-level answerability model: what it learns from worded questions, and how its C is chosen."""
from __future__ import annotations

import json

import numpy as np

from knowledge import answerability, ranker

ASKED = ["{}现在是多少", "{}2025年目标多少", "{}达标了吗", "规划里{}怎么做"]
NOT_IN_A_PLAN = ["{}几点开门", "{}是哪家公司施工的", "{}的电话是多少", "{}今天怎么样"]
SUBJECTS = ["空气优良天数", "污水处理率", "绿化覆盖率", "垃圾分类", "湿地保护率", "公园", "河道", "太湖", "林木覆盖率",
            "噪声", "秸秆利用率", "新能源车"]


def _questions():
    texts = [t.format(s) for s in SUBJECTS for t in ASKED + NOT_IN_A_PLAN]
    labels = np.array([t in NOT_IN_A_PLAN for s in SUBJECTS for t in ASKED + NOT_IN_A_PLAN])
    embeddings = np.random.default_rng(0).normal(size=(len(texts), 8))      # no signal: the words must carry it
    return texts, embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True), labels


def test_a_question_worded_like_the_unanswerable_ones_scores_higher_than_one_worded_like_the_answerable():
    texts, embeddings, labels = _questions()
    model, oof, table = answerability.train(texts, embeddings, labels)
    new = model.unanswerable(["博物馆几点开门", "博物馆2025年目标多少"], np.zeros((2, 8)))
    assert new[0] > 0.5 > new[1]
    assert len(oof) == len(texts) and oof[labels].mean() > oof[~labels].mean()
    assert [r["C"] for r in table] == list(answerability.C_GRID)
    assert model.c == min(table, key=lambda r: r["log_loss"])["C"]


def test_the_built_chooser_reads_a_question_model_chosen_out_of_fold(index_dir):
    report = json.loads((index_dir / ranker.REPORT_FILE).read_text(encoding="utf-8"))
    sweep = report["question_model"]["sweep"]
    best = min(sweep, key=lambda r: r["log_loss"])
    assert report["question_model"]["C"] == best["C"]
    assert best["auc"] > 0.8, "the answerability model barely tells the plan's questions from the others"


def test_the_fast_score_is_scikit_learns():
    texts, embeddings, labels = _questions()
    model = answerability.fit(texts, embeddings, labels, c=10.0)
    new = ["博物馆几点开门", "绿化覆盖率2025年目标多少", "zzz 没见过的字眼", ""]
    emb = np.random.default_rng(1).normal(size=(len(new), 8))
    sklearn = model.model.predict_proba(answerability._rows(model.vectorizer.transform(new), emb))[:, 1]
    assert np.allclose(model.unanswerable(new, emb), sklearn, atol=1e-12)
