"""Whether the plan can answer a question at all, judged from the question alone.

A logistic regression on the question's characters and character pairs (TF-IDF) beside its sentence embedding
(the one the dense search computes anyway), trained at build time on the tune questions labelled answerable or
not. Its score is one more feature of the chooser (knowledge.ranker): the candidates' own evidence says how well
a passage matches, this says whether the question asks for something a plan does not hold (a school list, a
company, opening hours, this year's real figure), worded as citizens word such questions.
The regularization C is chosen at build time by out-of-fold log loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
EMBEDDING_WEIGHT = 1.0    # swept 0 / 1 / 2 on the training questions (README "Benchmarks")
FOLDS = 5


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True, min_df=2)


def _regression(c: float):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


@dataclass
class QuestionModel:
    vectorizer: object            # fitted TfidfVectorizer: its analyzer, vocabulary and idf
    model: object                 # fitted LogisticRegression over [tf-idf, embedding]
    c: float

    def unanswerable(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Each question's chance that the plan cannot answer it: the regression's own formula on the question's
        TF-IDF and embedding, about 0.1 ms a question where scikit-learn's transform and predict take 2.5 ms."""
        analyze = self.vectorizer.build_analyzer()
        vocab, idf = self.vectorizer.vocabulary_, self.vectorizer.idf_
        coef, n = self.model.coef_[0], len(vocab)
        out = np.empty(len(texts))
        for i, text in enumerate(texts):
            grams = [j for j in (vocab.get(g) for g in analyze(text)) if j is not None]
            z = float(self.model.intercept_[0]) + float(np.asarray(embeddings[i]) @ coef[n:]) * EMBEDDING_WEIGHT
            if grams:
                ids, counts = np.unique(grams, return_counts=True)
                tfidf = (1 + np.log(counts)) * idf[ids]                 # sublinear tf, as fitted
                z += float(tfidf @ coef[ids]) / float(np.linalg.norm(tfidf))
            out[i] = 1 / (1 + np.exp(-z))
        return out


def _rows(tfidf, embeddings: np.ndarray):
    return sp.hstack([tfidf, sp.csr_matrix(np.asarray(embeddings) * EMBEDDING_WEIGHT)]).tocsr()


def fit(texts: list[str], embeddings: np.ndarray, unanswerable: np.ndarray, c: float) -> QuestionModel:
    vec = _vectorizer()
    rows = _rows(vec.fit_transform(texts), embeddings)
    return QuestionModel(vec, _regression(c).fit(rows, unanswerable), c)


def out_of_fold(texts: list[str], embeddings: np.ndarray, unanswerable: np.ndarray, c: float) -> np.ndarray:
    """Each question's score from a model fitted on the other folds."""
    from sklearn.model_selection import KFold
    out = np.zeros(len(texts))
    for train_idx, test_idx in KFold(FOLDS, shuffle=True, random_state=0).split(texts):
        m = fit([texts[i] for i in train_idx], embeddings[train_idx], unanswerable[train_idx], c)
        out[test_idx] = m.unanswerable([texts[i] for i in test_idx], embeddings[test_idx])
    return out


def train(texts: list[str], embeddings: np.ndarray, unanswerable: np.ndarray,
          jobs: int = 1) -> tuple[QuestionModel, np.ndarray, list[dict]]:
    """The model with the C of least out-of-fold log loss, its out-of-fold scores and the sweep over C (the
    values of C fitted `jobs` at a time)."""
    from joblib import Parallel, delayed
    from sklearn.metrics import log_loss, roc_auc_score
    y = np.asarray(unanswerable, dtype=int)
    scores = Parallel(n_jobs=jobs)(delayed(out_of_fold)(texts, embeddings, y, c) for c in C_GRID)
    table = [{"C": c, "log_loss": round(float(log_loss(y, s)), 4), "auc": round(float(roc_auc_score(y, s)), 4)}
             for c, s in zip(C_GRID, scores, strict=True)]
    best = min(range(len(C_GRID)), key=lambda i: table[i]["log_loss"])
    return fit(texts, embeddings, y, C_GRID[best]), scores[best], table
