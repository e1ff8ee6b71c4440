"""What the learned chooser sees: features of a question and of each candidate answer to it.

A candidate is one answer the plan could give (a table record, a project list, a passage, the best
sentences, an outline list). The features describe how well it matches the question (retrieval scores
and ranks, coverage of the question's subject words, the year and kind of fact asked) and how well the
plan as a whole covers the question (unknown words, the best retrieval scores), so one model scores
both "which candidate" and "answer at all".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import terms
from .index import Index
from .normalize import without_punctuation
from .records import char_pairs
from .result import Answer

CANDIDATE_KINDS = ("indicator", "project", "project_list", "totals", "extreme", "overview", "unmet",
                   "passage", "sentences", "outline")
UNKNOWN_WORD_WEIGHT = 5.5    # IDF given to a word no chunk contains (above every real IDF of the corpus)
SINGLE_CHAR_WEIGHT = 0.3
EXPANSION_WEIGHT = 2.0

CUES = {
    "indicator_intent": re.compile(r"多少|几|目标|达标|现状|现在|比例|比重|率|指标|数据|数值|水平|进展|完成|%|"
                                   r"怎么样|咋样|情况|value|target|rate|status|how much|percent"),
    "project_intent": re.compile(r"项目|工程|投资|多少钱|资金|经费|花了|花多少|预算|project|invest|budget|fund"),
    "list_cue": re.compile(r"哪些|哪几|几个|几项|几条|几大|几类|多少个|多少项|有啥|列|which|what are|how many|list"),
    "total_cue": re.compile(r"总投资|一共|总共|合计|总计|加起来|总额|全部|所有|total|in all|altogether"),
    "unmet_cue": re.compile(r"(没|未|不|尚未|还没)(有)?(达标|完成|达到|实现)|落后|差距|短板|not (yet )?(met|achieved)|unmet"),
    "superlative_cue": re.compile(r"最(多|少|大|小|高|低|贵|便宜)|biggest|largest|smallest|most|least"),
    "how_much": re.compile(r"多少|几|多大|多高|how (much|many)"),
    "how_to": re.compile(r"怎么|如何|怎样|咋|措施|办法|要求|做法|how|what will"),
    "asks_person": re.compile(r"谁是|是谁|局长|市长|书记|名字|who is|who's"),
    "asks_personal": re.compile(r"我家|我们家|孩子|我能|我该|我要不要|能不能出门|推荐|建议我|should i|my "),
    "chat_cue": re.compile(r"笑话|你是|你叫|你好|谢谢|哈哈|joke|who are you|hello|thanks"),
    "year_2020": re.compile(r"2020|现在|现状|目前|当前|now|current"),
    "year_2025": re.compile(r"2025|十四五|25年"),
    "year_2030": re.compile(r"2030|30年"),
}


@dataclass
class Candidate:
    """One answer the plan could give, with the retrieval figures of the unit it came from."""
    kind: str
    answer: Answer
    evidence: str                       # the text coverage is measured on
    unit: dict = field(default_factory=dict)   # rrf, bm25, dense, rank of its chunk or sentence
    name_score: float = 0.0             # record-name match, for table candidates
    sentence_ids: list[int] = field(default_factory=list)   # the plan sentences the answer quotes


@dataclass
class Question:
    """A normalized question with what every candidate's features need of it."""
    text: str                           # normalized, typos fixed
    expanded: str                       # with the plan's terms for colloquial words appended
    subject: list[tuple[str, float]]    # subject words with IDF weights
    top: dict                           # best retrieval figures over the whole plan
    sentence_sims: object = None        # dense similarity of the question to every sentence (numpy array)


def term_weight(index: Index, term: str) -> float:
    """IDF of a term counted as a substring of the chunks; a word no chunk contains weighs most."""
    n, df = len(index.chunks), index.document_frequency(term)
    if df == 0:
        return UNKNOWN_WORD_WEIGHT
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def subject(index: Index, question: str) -> list[tuple[str, float]]:
    """The question's subject words with IDF weights; unknown English words carry no weight."""
    _, canon, stripped = terms.expand(question)
    words = terms.content_terms(stripped) + [c for c in canon if c not in stripped]
    out = []
    for w in words:
        weight = term_weight(index, w)
        if re.fullmatch(r"[a-z']+", w) and index.document_frequency(w) == 0:
            weight = 0.0
        elif len(w) == 1:
            weight *= SINGLE_CHAR_WEIGHT
        elif w in canon:
            weight = min(weight, EXPANSION_WEIGHT)
        out.append((w, weight))
    return out


def coverage(subject_words: list[tuple[str, float]], evidence: str) -> float:
    """IDF-weighted share of the subject words that the evidence text contains."""
    total = sum(w for _, w in subject_words)
    if total <= 0:
        return 0.0
    ev = evidence.lower()
    plain = without_punctuation(ev)
    return sum(w for t, w in subject_words if t in ev or t in plain) / total


# A kind of fact the question asks for, and how an answer that gives it looks.
ANSWER_TYPES = {
    "money": (re.compile(r"多少钱|补贴|费用|价格|收费|花多少|投资|资金|cost|price|fee|invest|budget|subsid"),
              re.compile(r"\d\s*(万元|亿元|元)")),
    "when": (re.compile(r"什么时候|何时|哪年|哪一年|几年|啥时候|时间表|when|what year|by when"),
             re.compile(r"20\d\d|年底|年前|年以前")),
    "where": (re.compile(r"在哪|哪里|哪儿|地址|位置|where"), re.compile(r"[区市县镇村湖河山路园]")),
    "count": (re.compile(r"多少个|几个|多少项|几项|多少家|几家|多少处|how many"), re.compile(r"\d+\s*(个|项|家|处|座|条|所)")),
    "share": (re.compile(r"比例|比重|率|百分之|percent|rate|share"), re.compile(r"\d\s*%|百分点")),
    "day": (re.compile(r"哪天|哪一天|几号|几月几日|几月几号|具体日期|什么日子|which day|what date"),
            re.compile(r"\d+月\d*日?|\d+日")),
    "clock": (re.compile(r"几点|开放时间|营业时间|开门|关门|opening hours|what time"), re.compile(r"\d+[:：点]\d*")),
    "owner": (re.compile(r"负责|牵头|哪个部门|哪些部门|什么部门|谁管|谁来|责任|主管|who (is|are) responsible|in charge"),
              re.compile(r"局|人民政府|委员会|管委会|公司|集团|责任主体")),
}


# "多少个4A景区" / "几个垃圾填埋场": the thing a count is asked of, read after the measure word.
_COUNTED = re.compile(r"(?:多少|几)(?:个|种|家|座|处|条|项|所|名|位|辆|台|户|只|棵|亩|公里|平方公里|万人|人)?([\u4e00-\u9fffA-Za-z0-9]{2,8})")


def counted_with_number(question: str, body: str) -> float:
    """1 when the answer puts a number right before the thing the question counts, 0 when it does not, 0.5 when
    the question counts nothing."""
    m = _COUNTED.search(question)
    if not m:
        return 0.5
    thing = m.group(1)
    for size in range(len(thing), 1, -1):          # "垃圾填埋场是" → "垃圾填埋场": the longest head the body holds
        head = thing[:size]
        for hit in re.finditer(re.escape(head), body):
            if re.search(r"\d", body[max(0, hit.start() - 8):hit.start()]):
                return 1.0
        if head in body:
            return 0.0
    return 0.0


def _body(text: str) -> str:
    """An answer's text without its citation lines."""
    return "\n".join(line for line in text.splitlines() if "出处" not in line)


def question_features(index: Index, q: Question) -> dict[str, float]:
    total = sum(w for _, w in q.subject) or 1.0
    feats = {name: float(bool(rx.search(q.expanded))) for name, rx in CUES.items()}
    feats.update({
        "q_chars": min(len(q.text), 80) / 80,
        "q_ascii": sum(c.isascii() and c.isalpha() for c in q.text) / max(1, len(q.text)),
        "q_unknown": sum(w for t, w in q.subject if w == UNKNOWN_WORD_WEIGHT) / total,
        "q_subject_weight": min(total, 40) / 40,
        "q_subject_words": min(len(q.subject), 10) / 10,
        "top_chunk_dense": q.top.get("chunk_dense", 0.0),
        "top_sentence_dense": q.top.get("sentence_dense", 0.0),
        "top_chunk_bm25": q.top.get("chunk_bm25", 0.0),
        "top_sentence_bm25": q.top.get("sentence_bm25", 0.0),
    })
    return feats


def candidate_features(q: Question, cand: Candidate, qf: dict[str, float]) -> dict[str, float]:
    body = _body(cand.answer.text)
    title = " ".join(s.title for s in cand.answer.sources[:2])
    qgrams = char_pairs(q.text)
    years_asked = [y for y in ("2020", "2025", "2030") if qf[f"year_{y}"]]
    feats = dict(qf)
    feats.update({f"kind_{k}": float(cand.kind == k) for k in CANDIDATE_KINDS})
    feats.update({
        "coverage": coverage(q.subject, cand.evidence),
        "body_coverage": coverage(q.subject, body),
        "title_coverage": coverage(q.subject, title),
        "bigram_share": len(qgrams & char_pairs(cand.evidence)) / max(1, len(qgrams)),
        "unit_rrf": cand.unit.get("rrf", 0.0) * 30,
        "unit_dense": cand.unit.get("dense", 0.0),
        "unit_dense_gap": qf["top_chunk_dense"] - cand.unit.get("dense", qf["top_chunk_dense"]),
        "unit_bm25": cand.unit.get("bm25", 0.0),
        "unit_rank": 1.0 / (1 + cand.unit.get("rank", 10)),
        "name_score": cand.name_score,
        "has_year_asked": float(any(y in body for y in years_asked)) if years_asked else 0.5,
        "has_number": float(bool(re.search(r"\d", body))),
        "has_percent": float("%" in body),
        "answer_chars": math.log1p(len(body)) / 8,
        "answer_sentences": min(body.count("。") + body.count("\n"), 12) / 12,
    })
    sims = sorted((float(q.sentence_sims[i]) for i in cand.sentence_ids), reverse=True) \
        if q.sentence_sims is not None and cand.sentence_ids else []
    best_all = q.top.get("sentence_dense", 0.0)
    feats["quoted_sentence_sim"] = sims[0] if sims else 0.0
    feats["quoted_sentence_gap"] = best_all - sims[0] if sims else 1.0
    feats["quoted_sentence_rank"] = (1.0 / (1 + int((q.sentence_sims > sims[0]).sum()))) if sims else 0.0
    feats["quoted_sentences"] = min(len(sims), 6) / 6
    feats["counted_with_number"] = counted_with_number(q.text, body)
    for name, (asked, given) in ANSWER_TYPES.items():
        feats[f"asks_{name}"] = float(bool(asked.search(q.expanded)))
        feats[f"gives_{name}"] = float(bool(given.search(body))) if feats[f"asks_{name}"] else 0.5
    return feats


RELATIVE = ("coverage", "body_coverage", "title_coverage", "bigram_share", "unit_rrf", "unit_dense", "name_score",
            "quoted_sentence_sim", "quoted_sentence_rank", "has_year_asked")


def with_relative(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """Each candidate's standing among its question's candidates: for the features that compare candidates,
    the gap to the best candidate's value and whether it is the best."""
    for name in RELATIVE:
        best = max((r[name] for r in rows), default=0.0)
        for r in rows:
            r[f"{name}_gap"] = best - r[name]
            r[f"{name}_is_best"] = float(r[name] >= best - 1e-9)
    for r in rows:
        r["candidates"] = min(len(rows), 30) / 30
    return rows


def question_rows(index: Index, q: Question, cands: list[Candidate]) -> list[dict[str, float]]:
    """The feature rows of all candidates of one question."""
    qf = question_features(index, q)
    return with_relative([candidate_features(q, c, qf) for c in cands])


def vector(feats: dict[str, float]) -> tuple[tuple[str, ...], list[float]]:
    """The feature names in a fixed (sorted) order and the values in that order."""
    names = tuple(sorted(feats))
    return names, [float(feats[n]) for n in names]
