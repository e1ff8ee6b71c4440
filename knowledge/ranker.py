"""The learned chooser: a gradient-boosted model of "this candidate answer is right", trained at build time.

Training questions are the tune questions in bench/ (the dev set, the tune half of the blind set and the three
extra blind sets written later for training; never the blind test half, nor a question that repeats one of
it word for word) plus questions the plan's tables yield by themselves (each indicator's and project's name,
and the colloquial names of synonyms.yml, with the cell that answers them). A candidate is labelled right when
it holds every key fact of its question; every candidate of an unanswerable question is wrong. One feature is
the question's own answerability score (knowledge.answerability), out of fold for the training questions
(stacking), so the chooser learns how far to trust it.
Since stop 23 a second model of the same kind, the preference, also reads the adapted similarities of a
candidate's units (knowledge.adapter, out of fold in the same way) and picks which candidate is given; whether to
answer at all is still decided by the first model's best chance, against the threshold swept on it alone.
Thresholds are swept on out-of-fold predictions (5 folds, grouped by question) and the sweep is kept in
ranker.json beside the model:
- answer_threshold: the chance of being right above which the best candidate is given; chosen on the
  questions of SWEEP_SETS to make the most questions come out right (answered correctly, or refused when the
  plan cannot answer; a question the explicit cues refuse up front counts as refused whatever its score),
  averaged with its two neighbouring thresholds: the top of the sweep is flat, and the average moves less with
  the folds than the single best step does;
- closest_threshold: the lowest chance at which a passage is still shown as "the closest the plan has",
  chosen so that in the band below answer_threshold the shown passage holds the fact at least half the time.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import adapter, answerability
from .chunks import fmt_number, with_unit
from .features import Candidate, Question, question_rows, vector
from .forest import Forest
from .index import ROOT, Index
from .normalize import normalize, without_punctuation

# The sets whose mix of questions is the citizens' (about one in ten the plan cannot answer) come first: the
# thresholds are swept on them alone. blind_extra.jsonl, blind_more.jsonl and blind_third.jsonl, written later
# for training, hold larger shares of hard unanswerable questions (120 of 322, 78 of 483, 148 of 411); they
# train the model but do not set the thresholds.
SWEEP_SETS = [ROOT / "bench" / "devset.jsonl", ROOT / "bench" / "blind_tune.jsonl"]
TRAINING_SETS = SWEEP_SETS + [ROOT / "bench" / f for f in ("blind_extra.jsonl", "blind_more.jsonl",
                                                           "blind_third.jsonl")]
# The blind test half is never trained on; a training question that asks what one of its questions asks, word
# for word (the dev set was written before it, and common questions repeat), is left out of training.
BLIND_TEST = ROOT / "bench" / "blind_test.jsonl"
SYNTHETIC_WEIGHT = 0.3       # questions the tables yield are easy; they count less than real ones
STATUS_VARIANTS = 3          # colloquial names per indicator asked "怎么样" in synthetic questions
STATUS_ASKED = "现在怎么样了"
COLLOQUIAL_SKIP = re.compile(r"[a-z]|怎|谁|吗|不|多少|这个|规划")   # English or already a question: not a name
FOLDS = 5
CLOSEST_MIN_PRECISION = 0.5
FIT_JOBS = 2                  # the build machines have two cores
_CODE = [Path(__file__).parent / f for f in ("answer.py", "features.py", "ranker.py", "records.py", "outline.py",
                                             "search.py", "chunks.py", "terms.py", "forest.py",
                                             "answerability.py", "adapter.py")]
MODEL_FILE, REPORT_FILE = "ranker.pkl", "ranker.json"
QUESTION_FEATURE = "question_unanswerable"


@dataclass
class Ranker:
    model: Forest                    # each candidate's chance of being right, without the adapted similarities
    names: tuple[str, ...]           # every column; the model reads all but adapter.FEATURES
    answer_threshold: float
    closest_threshold: float
    questions: answerability.QuestionModel
    question_map: np.ndarray         # W of knowledge.adapter
    preference: Forest               # the same with the adapted similarities: which candidate to give

    def score(self, index: Index, q: Question, cands: list[Candidate],
              whole: tuple[str, str] | None = None) -> tuple[list[float], list[float]]:
        """Each candidate's preference (which one to give) and its chance of being right (the best chance decides
        whether to answer at all). The adapted similarities and the question's answerability score are the last
        columns.
        whole: the normalized text and search query of the question q is one part of. A part is as answerable as
        the question it comes from: in "举报企业偷排有没有奖金，一般奖多少" the first part alone reads like one the plan
        answers."""
        text, expanded = whole or (q.text, q.expanded)
        unanswerable = float(self.questions.unanswerable([text], index.encode_query(expanded))[0])
        sims = adapter.similarities(self.question_map, index.encode_query(q.expanded), index.unit_vectors)[0]
        adapted = adapter.columns(sims, [adapter.candidate_units(index, c) for c in cands])
        rows = []
        for feats, extra in zip(question_rows(index, q, cands), adapted, strict=True):
            names, row = vector(feats)
            if names + adapter.FEATURES + (QUESTION_FEATURE,) != self.names:
                raise RuntimeError("ranker features changed since it was trained: rebuild the index")
            rows.append(row + list(extra) + [unanswerable])
        rows = np.array(rows)
        preference = self.preference.predict_proba(rows)[:, 1]
        chance = self.model.predict_proba(np.delete(rows, _adapted_columns(self.names), axis=1))[:, 1]
        return [float(p) for p in preference], [float(p) for p in chance]


def _adapted_columns(names: tuple[str, ...]) -> list[int]:
    return [names.index(f) for f in adapter.FEATURES]


def inputs_hash(index: Index) -> str:
    """What a trained ranker depends on: the index, the answer code and the training questions."""
    h = hashlib.sha256(index.manifest["corpus_hash"].encode() + index.manifest.get("model_id", "").encode())
    for path in _CODE + TRAINING_SETS + [BLIND_TEST]:
        if path.exists():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def is_stale(index: Index) -> bool:
    try:
        report = json.loads((index.folder / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return report.get("inputs_hash") != inputs_hash(index) or not (index.folder / MODEL_FILE).exists()


_cache: dict[str, Ranker | None] = {}


def ranker_for(index: Index) -> Ranker | None:
    """The trained ranker in the index folder (None while there is none, e.g. during training)."""
    key = str(index.folder)
    if key not in _cache:
        path = index.folder / MODEL_FILE
        _cache[key] = pickle.loads(path.read_bytes()) if path.exists() else None
    return _cache[key]


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def same_question(q: str) -> str:
    """A question's words as compared for repeats: normalized, without punctuation, spaces or case."""
    return without_punctuation(normalize(q)).lower().replace(" ", "")


def training_questions(paths: list[Path]) -> list[dict]:
    """The questions of the given sets, less those that repeat a question of the blind test half."""
    held_out = {same_question(i["q"]) for i in _read(BLIND_TEST)}
    return [i for path in paths for i in _read(path) if same_question(i["q"]) not in held_out]


def synthetic_questions(index: Index) -> list[dict]:
    """Questions the plan answers by construction: an indicator's value and targets, a project's money or owner,
    the projects of a category, subcategory or district, the parts of a heading."""
    from .terms import synonyms
    out = []
    variants = synonyms()
    for ind in index.plan.indicators:
        if ind.parts:
            continue
        colloquial = [vs for canon, vs in variants.items() if canon in ind.name]    # per synonym entry
        names = [ind.name] + [vs[0] for vs in colloquial if vs]
        for name in names[:2]:
            out.append({"q": f"{name}现在多少", "answerable": True, "keys": [with_unit(ind.value_2020, ind.unit)]})
            out.append({"q": f"{name}2030年目标", "answerable": True, "keys": [with_unit(ind.target_2030, ind.unit)]})
        spoken = [v for vs in colloquial for v in vs if not COLLOQUIAL_SKIP.search(v)][:STATUS_VARIANTS]
        for name in spoken:                         # a colloquial status question: the record answers it
            out.append({"q": f"{name}{STATUS_ASKED}", "answerable": True,
                        "keys": [with_unit(ind.value_2020, ind.unit)]})
    for pr in index.plan.projects:
        money = fmt_number(pr.investment) if pr.investment is not None else "未列"   # the table's "/" is said so
        out.append({"q": f"{pr.name}投资多少", "answerable": True, "keys": [money]})
        if pr.investment is None:
            out.append({"q": f"{pr.name}谁负责", "answerable": True, "keys": [pr.owners[0]]})
    from .records import DISTRICTS
    groups = [(f"列一下{cat}的重点工程", [p for p in index.plan.projects if p.category == cat])
              for cat in sorted({p.category for p in index.plan.projects})]
    groups += [(f"{sub}包括哪些项目", [p for p in index.plan.projects if p.subcategory == sub])
               for sub in sorted({p.subcategory for p in index.plan.projects})]
    groups += [(f"{d}的重点工程都有什么", [p for p in index.plan.projects if d in "".join(p.owners) + p.name])
               for d in sorted(set(DISTRICTS.values()))]
    for q, listed in groups:
        if len(listed) >= 2:                         # only a list holds the first two and the count
            out.append({"q": q, "answerable": True, "keys": [f"共{len(listed)}项", listed[0].name, listed[1].name]})
    from .outline import NUMBERING, headings
    paths = headings(index)
    for path in paths:
        children = [p[-1] for p in paths if len(p) == len(path) + 1 and p[:len(path)] == path]
        if len(children) >= 2:
            name = NUMBERING.sub("", path[-1])
            out.append({"q": f"{name}有哪几条", "answerable": True,
                        "keys": [NUMBERING.sub("", c) for c in children[:2]]})
    return out


def _is_right(item: dict, text: str) -> bool:
    return bool(item["answerable"]) and all(k in text for k in item["keys"])


def examples(index: Index, items: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...],
                                                     list[Question], list[list[int]]]:
    """Feature rows, labels and question ids of every candidate of every item, each item's Question (what
    the answerability model reads of it, as at run time) and each candidate's units (knowledge.adapter)."""
    from .answer import candidates, query_text
    index.prime_queries([query_text(index, i["q"]) for i in items])
    rows, labels, groups, names, questions, units = [], [], [], (), [], []
    for gi, item in enumerate(items):
        q, cands = candidates(index, item["q"])
        questions.append(q)
        for c, feats in zip(cands, question_rows(index, q, cands), strict=True):
            names, row = vector(feats)
            rows.append(row)
            labels.append(_is_right(item, c.answer.text))
            groups.append(gi)
            units.append(adapter.candidate_units(index, c))
    return np.array(rows), np.array(labels, dtype=int), np.array(groups), names, questions, units


def _rows_of(groups: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Each question id with its rows, in row order (a question's candidates are consecutive rows)."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return [(int(groups[a]), np.arange(a, b)) for a, b in zip(starts, np.r_[starts[1:], len(groups)], strict=True)]


def _model():
    # Histogram gradient boosting: a fit takes about 7 s here against 40-55 s for plain gradient boosting, which
    # kept `make index` over its 3 minutes; its trees are scored as arrays (knowledge/forest.py). Settings picked
    # on the out-of-fold figures of the training questions, three seeds (README "Benchmarks", chooser settings):
    # smoothed utility 0.825 against the plain model's 0.829.
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(max_iter=500, learning_rate=0.03, max_depth=6, min_samples_leaf=20,
                                          max_features=0.7, early_stopping=False, random_state=0)


def _fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray, idx: np.ndarray | None):
    """The chooser fitted on the rows idx (all rows when None)."""
    if idx is None:
        return _model().fit(X, y, sample_weight=weights)
    return _model().fit(X[idx], y[idx], sample_weight=weights[idx])


def _outcomes(items: list[dict], groups: np.ndarray, labels: np.ndarray, probs: np.ndarray,
              preference: np.ndarray | None = None) -> list[tuple[float, bool, bool]]:
    """Per question: the best chance, whether the candidate given (the preferred one, else the likeliest) is
    right, whether the question is answerable."""
    out = []
    for gi, item in enumerate(items):
        idx = np.flatnonzero(groups == gi)
        if len(idx) == 0:
            out.append((0.0, False, bool(item["answerable"])))
            continue
        given = idx[np.argmax((probs if preference is None else preference)[idx])]
        out.append((float(probs[idx].max()), bool(labels[given]), bool(item["answerable"])))
    return out


def sweep(outcomes: list[tuple[float, bool, bool]]) -> list[dict]:
    """Figures for each answer threshold: accuracy, wrongly refused, unanswerable refused, share of questions
    right, and the utility the threshold is chosen by: +1 for each right answer or right refusal, −1 for each
    answer to a question the plan cannot answer (it passes off an unrelated passage, or another city's or a
    later year's matter, as the plan's answer), 0 for refusing an answerable question or answering it with a
    passage that misses the fact (both cited, neither invents anything, neither helps)."""
    n_ans = max(1, sum(a for _, _, a in outcomes))
    n_una = max(1, sum(not a for _, _, a in outcomes))
    rows = []
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        acc = sum(p >= t and r for p, r, a in outcomes if a) / n_ans
        refused = sum(p < t for p, _, a in outcomes if a) / n_ans
        una_refused = sum(p < t for p, _, a in outcomes if not a) / n_una
        n_right = sum(p >= t and r for p, r, a in outcomes if a) + sum(p < t for p, _, a in outcomes if not a)
        n_wrong = sum(p >= t and not a for p, r, a in outcomes)
        rows.append({"threshold": float(t), "accuracy": round(acc, 3), "answerable_refused": round(refused, 3),
                     "unanswerable_refused": round(una_refused, 3), "overall": round(n_right / len(outcomes), 3),
                     "utility": round((n_right - n_wrong) / len(outcomes), 3)})
    return rows


def smoothed(table: list[dict]) -> list[dict]:
    """Add to each sweep row the mean utility of its threshold and the two beside it (one at the ends)."""
    utility = [r["utility"] for r in table]
    for i, row in enumerate(table):
        window = utility[max(0, i - 1):i + 2]
        row["utility_smoothed"] = round(sum(window) / len(window), 3)
    return table


def _closest_threshold(outcomes: list[tuple[float, bool, bool]], answer_at: float) -> float:
    """The lowest threshold whose band below answer_at still shows a passage holding the fact half the time."""
    for t in np.round(np.arange(0.05, answer_at, 0.05), 2):
        band = [r for p, r, _ in outcomes if t <= p < answer_at]
        if band and sum(band) / len(band) >= CLOSEST_MIN_PRECISION:
            return float(t)
    return answer_at


def train(index: Index) -> dict:
    """Fit the chooser on the training questions, sweep its thresholds out of fold, save model and report."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold
    started = time.perf_counter()
    real = training_questions(TRAINING_SETS)
    n_sweep = len(training_questions(SWEEP_SETS))      # they come first in `real`
    synthetic = synthetic_questions(index)
    items = real + synthetic
    _cache[str(index.folder)] = None                  # candidates are generated without a model
    X, y, groups, names, asked, units = examples(index, items)
    texts = [q.text for q in asked]
    embedded = np.vstack([index.encode_query(q.expanded) for q in asked])    # primed by examples()
    n = len(real)
    questions, oof_unanswerable, c_sweep = answerability.train(
        texts[:n], embedded[:n], np.array([not i["answerable"] for i in real]), jobs=FIT_JOBS)
    unanswerable = np.concatenate([oof_unanswerable, questions.unanswerable(texts[n:], embedded[n:])])
    answering = adapter.positives(index, real)
    question_map = adapter.fit(embedded[:n], answering, index.unit_vectors)
    held_out = adapter.out_of_fold(embedded[:n], answering, index.unit_vectors)
    adapter_report = {"mrr_out_of_fold": adapter.mean_reciprocal_rank(held_out, answering),
                      "mrr_unmapped": adapter.mean_reciprocal_rank(embedded[:n] @ index.unit_vectors.T, answering)}
    sims = np.vstack([held_out, adapter.similarities(question_map, embedded[n:], index.unit_vectors)])
    adapted = np.vstack([adapter.columns(sims[gi], [units[r] for r in rows])
                         for gi, rows in _rows_of(groups)])
    X = np.column_stack([X, adapted, unanswerable[groups]])
    names = names + adapter.FEATURES + (QUESTION_FEATURE,)
    weights = np.where(groups < len(real), 1.0, SYNTHETIC_WEIGHT)
    plain = np.delete(X, _adapted_columns(names), axis=1)
    folds = list(GroupKFold(n_splits=FOLDS).split(X, y, groups))
    # The fold models and the final ones are independent: fitted side by side, one per core.
    fits = [(M, idx) for M in (plain, X) for idx in [f for f, _ in folds] + [None]]
    fitted = Parallel(n_jobs=FIT_JOBS)(delayed(_fit)(M, y, weights, idx) for M, idx in fits)
    oof, oof_preference = np.zeros(len(y)), np.zeros(len(y))
    for (_, test_idx), m, mp in zip(folds, fitted[:FOLDS], fitted[FOLDS + 1:-1], strict=True):
        oof[test_idx] = m.predict_proba(plain[test_idx])[:, 1]
        oof_preference[test_idx] = mp.predict_proba(X[test_idx])[:, 1]
    swept = groups < n_sweep
    from .answer import outside_plan
    refused_up_front = [bool(outside_plan(item["q"])) for item in real[:n_sweep]]

    def swept_outcomes(preference: np.ndarray | None = None) -> list[tuple[float, bool, bool]]:
        """The swept questions' outcomes; one the explicit cues refuse up front counts as refused."""
        return [(0.0 if refused else p, right, answerable) for refused, (p, right, answerable) in zip(
            refused_up_front, _outcomes(real[:n_sweep], groups[swept], y[swept], oof[swept], preference), strict=True)]

    outcomes = swept_outcomes()
    table = sweep(outcomes)
    smoothed(table)
    best = max(table, key=lambda r: (r["utility_smoothed"], -r["threshold"]))
    answer_at = best["threshold"]
    given = swept_outcomes(oof_preference[swept])      # the preferred candidate, when the best chance clears it
    adapter_report["out_of_fold_given"] = next(r for r in sweep(given) if r["threshold"] == answer_at)
    closest_at = _closest_threshold(given, answer_at)
    ranker = Ranker(Forest.from_model(fitted[FOLDS]), names, answer_at, closest_at, questions, question_map,
                    Forest.from_model(fitted[-1]))
    (index.folder / MODEL_FILE).write_bytes(pickle.dumps(ranker))
    report = {"inputs_hash": inputs_hash(index), "questions": len(real), "swept_on": n_sweep,
              "synthetic_questions": len(synthetic),
              "candidates": int(len(y)), "answer_threshold": answer_at, "closest_threshold": closest_at,
              "out_of_fold": best, "sweep": table, "question_model": {"C": questions.c, "sweep": c_sweep},
              "adapter": adapter_report,
              "train_seconds": round(time.perf_counter() - started, 1)}
    (index.folder / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    _cache[str(index.folder)] = ranker
    return report
