"""Question → answer text, a confident flag and cited sources.

Indicator and project questions are answered from the structured records; everything else is
answered extractively from the best passages. A question the plan does not cover is refused.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import jieba.posseg
import yaml

from . import terms
from .chunks import Chunk, sentences
from .index import Index, load
from .normalize import normalize, problem
from .records import (
    RETRIEVAL_BONUS,
    best_records,
    find_projects,
    indicator_answer,
    indicators_overview,
    project_answer,
    totals_answer,
    unmet_answer,
)
from .result import Answer, Source
from .result import make_source as _source
from .search import search

CONFIDENT_COVERAGE = 0.5     # share of the question's (IDF-weighted) subject words the answer must contain
INDICATOR_MATCH = 0.6        # share of an indicator name's character pairs the question must contain
PROJECT_MATCH = 0.7
RERANK_DEPTH = 10
UNKNOWN_WORD_WEIGHT = 5.5    # a word the plan never uses: the plan may well not cover the question
SINGLE_CHAR_WEIGHT = 0.3     # one character says little about the subject
EXPANSION_WEIGHT = 2.0       # cap for plan terms added by synonym expansion (the citizen's own words count more)
RECORD_KINDS = ("indicator", "project", "unmet")
TITLE_WEIGHT = 0.4           # a heading that names the subject breaks ties between passages
MAX_ANSWER_SENTENCES = 3

HELP = ("我可以帮您：查询41项生态文明建设指标的现状、目标和达标情况，查询88项重点工程，"
        "解读《规划》中的政策措施，提供绿色生活建议和环境问题举报渠道。")
_UNMET = re.compile(r"(没|未|不|尚未|还没)(有)?(达标|完成|达到|实现)|落后|差距大|短板|not (yet )?(met|achieved)|unmet|behind")
_LIST = re.compile(r"哪些|哪几|几个|几项|多少个|多少项|有啥|列|which|what|how many|list")
_INDICATOR_INTENT = re.compile(r"多少|几|目标|达标|现状|现在|比例|比重|率|指标|数据|数值|水平|进展|完成|20[23]\d|%|"
                               r"怎么样|咋样|如何|情况|"
                               r"value|target|rate|status|how much|percent")
_PROJECT_INTENT = re.compile(r"项目|工程|投资|多少钱|资金|经费|花了|花多少|预算|project|invest|budget|fund")
_TOTAL = re.compile(r"总投资|一共|总共|合计|总计|加起来|总额|全部|所有|多少项|几项|多少个|total|in all|altogether|how many")
_SPLIT = re.compile(r"[，,；;？?。！!]|还有|另外|以及|同时|and also|also")


# ---- what the plan covers ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _scope_rules() -> dict:
    return yaml.safe_load((terms.DATA / "out_of_scope.yml").read_text(encoding="utf-8"))


def _term_weight(index: Index, term: str) -> float:
    """IDF of a term counted as a substring of the chunks; unknown terms weigh most."""
    n, df = len(index.chunks), index.document_frequency(term)
    if df == 0:
        return UNKNOWN_WORD_WEIGHT
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def out_of_scope(index: Index, q: str) -> str | None:
    """Why the plan cannot answer a normalized question (real-time data, after 2030, another place), or None."""
    rules = _scope_rules()
    for word in rules["realtime"]:
        if word in q:
            return f"《规划》不提供“{word}”这类实时数据"
    missing = rules.get("not_in_plan") or {}
    if any(word in q for word in missing.get("words", [])):
        return missing["reason"]
    for year in re.findall(r"(?<!\d)(20\d\d)(?!\d)", q):
        if int(year) > rules["last_plan_year"]:
            return f"《规划》的期限是2021-2030年，没有{year}年的目标"
    for word, flag in jieba.posseg.cut(q):
        if flag == "ns" and len(word) >= 2 and word not in index.plain_text and word not in terms.STOPWORDS:
            return f"《规划》只涉及常州市，没有关于“{word}”的内容"
    return None


def _subject(index: Index, question: str) -> list[tuple[str, float]]:
    """The question's subject words with IDF weights; unknown English words carry no weight."""
    _, canon, stripped = terms.expand(question)
    words = terms.content_terms(stripped) + [c for c in canon if c not in stripped]
    out = []
    for w in words:
        weight = _term_weight(index, w)
        if re.fullmatch(r"[a-z']+", w) and index.document_frequency(w) == 0:
            weight = 0.0
        elif len(w) == 1:
            weight *= SINGLE_CHAR_WEIGHT
        elif w in canon:
            weight = min(weight, EXPANSION_WEIGHT)
        out.append((w, weight))
    return out


def coverage(index: Index, question: str, evidence: str) -> float:
    """IDF-weighted share of the question's subject words that the evidence text contains."""
    subject = _subject(index, question)
    total = sum(w for _, w in subject)
    if total <= 0:
        return 0.0
    ev = evidence.lower()
    plain = re.sub(r"[^\w]", "", ev)
    return sum(w for t, w in subject if t in ev or t in plain) / total


def _cite(title: str, start: int, end: int) -> str:
    lines = f"第{start}行" if start == end else f"第{start}–{end}行"
    return f"（出处：《规划》{title}，{lines}）"


# ---- prose ----------------------------------------------------------------------------------

def _extract(index: Index, question: str, chunk: Chunk) -> str:
    """The sentences of a passage that carry the question's subject words, in document order."""
    subject = _subject(index, question)
    sents = sentences(chunk.body)
    scored = [(sum(w for t, w in subject if t in s.lower()), i) for i, s in enumerate(sents)]
    best = max((s for s, _ in scored), default=0)
    if best <= 0:
        return "".join(sents[:2])
    keep = sorted(i for s, i in sorted(scored, reverse=True)[:MAX_ANSWER_SENTENCES] if s >= best * 0.5)
    return "".join(sents[i] for i in keep)


def refusal(question: str, sources: list[Source], reason: str = "") -> Answer:
    why = f"{reason}。" if reason else f"《常州市生态文明建设规划（2021-2030年）》中没有找到能回答“{question.strip()[:40]}”的内容。"
    return Answer(question, f"抱歉，{why}为避免误导，我不作推测。{HELP}", False, sources, "refusal")


def _passage_answer(index: Index, question: str, q: str, qx: str, mode: str) -> tuple[float, Answer]:
    """The best passage among the top hits, re-ranked by how much of the question it covers."""
    hits = search(index, qx, k=RERANK_DEPTH, mode=mode)
    sources = [_source(h.chunk.title, h.chunk.body, h.score, h.chunk.line_start, h.chunk.line_end) for h in hits]
    if not hits:
        return 0.0, refusal(question, [])
    ranked = sorted(((coverage(index, q, h.chunk.text) + TITLE_WEIGHT * coverage(index, q, h.chunk.title), -rank, h.chunk)
                     for rank, h in enumerate(hits)), key=lambda x: (round(x[0], 2), x[1]), reverse=True)
    top = ranked[0][2]
    cov = coverage(index, q, top.text)
    if top.kind == "indicator":
        return cov, indicator_answer(question, [i for i in index.plan.indicators if i.number == top.ref])
    if top.kind == "project":
        return cov, project_answer(question, "", [p for p in index.plan.projects if p.number == top.ref])
    # A second passage that covers the question as well as the first is quoted too: ties are common
    # between neighbouring paragraphs, and the citizen's fact may sit in either.
    chosen = [top] + [c for score, _, c in ranked[1:2] if c.kind == "text" and round(score, 2) >= round(ranked[0][0], 2)]
    order = {(c.title, c.line_start): i for i, c in enumerate(chosen)}
    sources.sort(key=lambda s: order.get((s.title, s.line_start), len(order)))
    text = "\n".join(f"根据《规划》“{c.title.split(' > ')[-1]}”部分：{_extract(index, q, c)}\n"
                     f"{_cite(c.title, c.line_start, c.line_end)}" for c in chosen)
    return cov, Answer(question, text, True, sources, "text")


def _record_candidates(index: Index, question: str, q: str, qx: str, mode: str) -> list[Answer]:
    """Answers from the structured tables that the question may be asking for, most specific first."""
    out = []
    ind_score, inds = best_records(index, qx, "indicator", mode)
    if ind_score >= INDICATOR_MATCH and len(inds) <= 3 and _INDICATOR_INTENT.search(qx):
        out.append(indicator_answer(question, inds))
    project_intent = _PROJECT_INTENT.search(q)
    label, found = find_projects(index, qx, PROJECT_MATCH + (0 if project_intent else RETRIEVAL_BONUS), mode)
    if found and (project_intent or not label):
        out.append(project_answer(question, label, found))
    elif project_intent and _TOTAL.search(q):
        out.append(totals_answer(index, question))
    if _TOTAL.search(q) and "指标" in q:
        out.append(indicators_overview(index, question))
    return out


def _evidence(index: Index, ans: Answer) -> str:
    """What a table answer covers: its text plus the colloquial names citizens use for its indicators."""
    names = [i.name for i in index.plan.indicators if i.number in ans.indicators]
    names += [p.name for i in index.plan.indicators if i.number in ans.indicators for p in i.parts]
    variants = [v for canon, vs in terms.synonyms().items() if any(canon in n for n in names) for v in vs]
    return " ".join([ans.text, *variants])


def _answer_one(index: Index, question: str, mode: str) -> Answer:
    q = terms.fix_typos(normalize(question))
    qx, _, _ = terms.expand(q)
    reason = out_of_scope(index, q)
    if reason:
        return refusal(question, [], reason)
    if _UNMET.search(qx) and (_LIST.search(qx) or best_records(index, qx, "indicator", mode)[0] < INDICATOR_MATCH):
        return unmet_answer(index, question)
    candidates = [(coverage(index, q, _evidence(index, a)), -i, a)
                  for i, a in enumerate(_record_candidates(index, question, q, qx, mode))]
    passage_cov, passage = _passage_answer(index, question, q, qx, mode)
    candidates.append((passage_cov, -len(candidates), passage))
    cov, _, best = max(candidates, key=lambda x: (round(x[0], 2), x[1]))
    if cov < CONFIDENT_COVERAGE:
        return refusal(question, passage.sources[:3])
    return best


_FOLLOW_UP_WORDS = frozenset("目标 目标值 现状 现状值 达标 达标了 情况 数据 比例 数值 进展 完成 投资 年限 单位 负责".split())


def has_own_subject(segment: str) -> bool:
    """Whether a part of a question names a subject, not only a year or a field such as 目标."""
    return any(len(t) > 1 and not re.fullmatch(r"\d{4}年?", t) and t not in _FOLLOW_UP_WORDS
               for t in terms.content_terms(normalize(segment)))


def _segments(question: str) -> list[str]:
    """The parts of a multi-part question that each name a subject of their own."""
    parts = [p.strip() for p in _SPLIT.split(normalize(question)) if p and p.strip()]
    return [p for p in parts if terms.content_terms(p)]


def answer(question: str, mode: str = "hybrid", index: Index | None = None) -> Answer:
    """Answer one citizen question from the plan; a question in several parts gets each part answered."""
    msg = problem(question)
    if msg:
        return Answer(question or "", msg, False, [], "invalid")
    index = index or load()
    whole = _answer_one(index, question, mode)
    segs = _segments(question)
    if len(segs) <= 1:
        return whole
    results: list[Answer] = []
    for i, seg in enumerate(segs):
        if i and not has_own_subject(seg):             # "…，2030年目标呢": the subject sits in the first part
            seg = f"{segs[0]} {seg}"
        res = _answer_one(index, seg, mode)
        if i and res.kind not in RECORD_KINDS:
            joined = _answer_one(index, f"{segs[0]} {seg}", mode)
            if joined.confident and (joined.kind in RECORD_KINDS or not res.confident):
                res = joined
        if res.confident and all(r.text != res.text for r in results):
            results.append(res)
    if len(results) < 2:
        return whole if whole.confident or not results else results[0]
    sources = [s for r in results for s in r.sources]
    kinds = {r.kind for r in results}
    return Answer(question, "\n\n".join(r.text for r in results), True, sources,
                  kinds.pop() if len(kinds) == 1 else "text", [n for r in results for n in r.indicators])
