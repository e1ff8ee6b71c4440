"""Question → answer text, a confident flag and cited sources.

Every question gets candidate answers: table records (indicators, projects, project lists, totals and
extremes), the best passages, the plan's best sentences across passages, and outline lists (a heading's
parts). A model trained at build time on the tune questions (knowledge.ranker) scores each candidate's
chance of being right; the best is given when that chance clears a fitted threshold, a lower band gives
the closest passage framed as such, and below that the answer is a polite refusal. Questions the plan
cannot answer by their nature (real-time data, years after 2030, another city as the subject) are refused
up front. Nothing is generated: every sentence comes from the plan or its tables.
"""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from . import english, terms
from .chunks import Chunk, Sentence, sentences
from .features import CUES, Candidate, Question, coverage, subject
from .index import Index, load
from .normalize import normalize, problem
from .outline import outline_answer
from .records import (
    best_records,
    indicator_answer,
    indicators_overview,
    project_answer,
    project_extreme,
    project_filter,
    totals_answer,
    unmet_answer,
)
from .result import Answer, Source
from .result import make_source as _source
from .search import Hit, search

INDICATOR_MATCH = 0.6        # name match for an indicator the bot's follow-ups may resolve on their own
PROJECT_MATCH = 0.7          # name match for a project named outright
MIN_RECORD_MATCH = 0.3       # below this a record is not offered as a candidate at all
MAX_RECORDS = 3
PASSAGE_DEPTH = 8            # passages offered as candidates
SENTENCE_DEPTH = 12          # sentences searched; the best 1–3 make candidates
MAX_ANSWER_SENTENCES = 3
FALLBACK_COVERAGE = 0.5      # used only when no trained model is in the index folder
RECORD_KINDS = ("indicator", "project", "unmet")

HELP = ("我可以帮您：查询41项生态文明建设指标的现状、目标和达标情况，查询88项重点工程，"
        "解读《规划》中的政策措施，提供绿色生活建议和环境问题举报渠道。")
_SPLIT = re.compile(r"[，,；;？?。！!]|还有|另外|以及|同时|and also|also")


# ---- what the plan cannot cover by nature -----------------------------------------------------

@lru_cache(maxsize=1)
def _scope_rules() -> dict:
    return yaml.safe_load((terms.DATA / "out_of_scope.yml").read_text(encoding="utf-8"))


def out_of_scope(q: str) -> str | None:
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
    place = other_place(q)
    if place and not any(own in q for own in rules["own_places"]):
        return f"《规划》只涉及常州市，没有关于“{place}”的数据"
    return None


def outside_plan(question: str) -> str | None:
    """out_of_scope for a question as the citizen typed it."""
    return out_of_scope(terms.fix_typos(normalize(question)))


def other_place(q: str) -> str | None:
    """A city, province or country other than Changzhou that a normalized question names, or None."""
    return next((p for p in _scope_rules()["other_places"] if p in q), None)


# ---- candidates --------------------------------------------------------------------------------

def _cite(title: str, start: int, end: int) -> str:
    lines = f"第{start}行" if start == end else f"第{start}–{end}行"
    return f"（出处：《规划》{title}，{lines}）"


def _figures(hit: Hit | None, rank: int) -> dict:
    if hit is None:
        return {}
    return {"rrf": hit.score, "bm25": hit.bm25, "dense": hit.dense, "rank": rank}


def _extract(index: Index, q: Question, chunk: Chunk) -> list[int]:
    """Indexes (into the passage's sentences) of those that carry the question's subject words, plus the one
    closest to the question in meaning, in document order."""
    sents = sentences(chunk.body)
    scored = [(sum(w for t, w in q.subject if t in s.lower()), i) for i, s in enumerate(sents)]
    best = max((s for s, _ in scored), default=0)
    keep = {i for s, i in sorted(scored, reverse=True)[:MAX_ANSWER_SENTENCES] if best > 0 and s >= best * 0.5}
    ids = {s.body: s.id for s in index.sentences_of.get(chunk.id, [])}
    by_sim = sorted((i for i, s in enumerate(sents) if s in ids), key=lambda i: -q.sentence_sims[ids[sents[i]]])
    if by_sim and len(keep) < MAX_ANSWER_SENTENCES:
        keep.add(by_sim[0])
    return sorted(keep) or list(range(min(2, len(sents))))


def _passage(index: Index, question: str, q: Question, hit: Hit, rank: int) -> Candidate:
    c = hit.chunk
    sents = sentences(c.body)
    keep = _extract(index, q, c)
    ids = {s.body: s.id for s in index.sentences_of.get(c.id, [])}
    text = (f"根据《规划》“{c.title.split(' > ')[-1]}”部分：{''.join(sents[i] for i in keep)}\n"
            f"{_cite(c.title, c.line_start, c.line_end)}")
    src = _source(c.title, c.body, hit.score, c.line_start, c.line_end)
    return Candidate("passage", Answer(question, text, True, [src], "text"), c.text, _figures(hit, rank),
                     sentence_ids=[ids[sents[i]] for i in keep if sents[i] in ids])


def _sentences(question: str, index: Index, hits: list[Hit]) -> Candidate:
    """The best sentences across passages, each quoted with its section and line, in document order."""
    chosen: list[Sentence] = sorted((h.chunk for h in hits), key=lambda s: s.id)
    by_title: dict[str, list[Sentence]] = {}
    for s in chosen:
        by_title.setdefault(s.title, []).append(s)
    parts, sources = [], []
    for title, group in by_title.items():
        lines = sorted({s.line for s in group})
        cite = f"第{lines[0]}行" if len(lines) == 1 else "第" + "、".join(map(str, lines)) + "行"
        parts.append(f"根据《规划》“{title.split(' > ')[-1]}”部分：{''.join(s.body for s in group)}\n"
                     f"（出处：《规划》{title}，{cite}）")
        chunk = index.chunks[group[0].chunk]
        sources.append(_source(title, chunk.body, hits[0].score, chunk.line_start, chunk.line_end))
    evidence = " ".join(s.text for s in chosen)
    return Candidate("sentences", Answer(question, "\n".join(parts), True, sources, "text"), evidence,
                     _figures(hits[0], 0), sentence_ids=[s.id for s in chosen])


def _record_evidence(index: Index, ans: Answer) -> str:
    """What a table answer covers: its text plus the colloquial names citizens use for its indicators."""
    names = [i.name for i in index.plan.indicators if i.number in ans.indicators]
    names += [p.name for i in index.plan.indicators if i.number in ans.indicators for p in i.parts]
    variants = [v for canon, vs in terms.synonyms().items() if any(canon in n for n in names) for v in vs]
    return " ".join([ans.text, *variants])


def _record(index: Index, kind: str, ans: Answer, hit: Hit | None, rank: int, name_score: float = 0.0) -> Candidate:
    return Candidate(kind, ans, _record_evidence(index, ans), _figures(hit, rank), name_score)


def _query(index: Index, question: str) -> tuple[str, str, str]:
    """The question normalized with typos fixed; the search query (the plan's terms for colloquial and English
    words appended); and the words its subject is read from (an English question's Chinese words included)."""
    q = terms.fix_typos(normalize(question))
    qx, _, rest = terms.expand(q)
    if not english.is_english(q):
        return q, qx, q
    zh = " ".join(english.translate(index.glossary, rest))     # words synonyms.yml did not already map
    return q, f"{qx} {zh}", f"{q} {zh}"


def query_text(index: Index, question: str) -> str:
    """What is searched for a question (the expanded query)."""
    return _query(index, question)[1]


def prepare(index: Index, question: str, mode: str = "hybrid") -> tuple[Question, list[Hit], list[Hit]]:
    """The normalized question with its subject words, and the top passages and sentences for it."""
    q, qx, said = _query(index, question)
    chunk_hits = search(index, qx, k=PASSAGE_DEPTH, mode=mode)
    sent_hits = search(index, qx, k=SENTENCE_DEPTH, mode=mode, level="sentence")
    top = {"chunk_dense": max((h.dense for h in chunk_hits), default=0.0),
           "sentence_dense": max((h.dense for h in sent_hits), default=0.0),
           "chunk_bm25": min(max((h.bm25 for h in chunk_hits), default=0.0), 40) / 40,
           "sentence_bm25": min(max((h.bm25 for h in sent_hits), default=0.0), 40) / 40}
    sims = index.similarities(qx, "sentence")              # computed once: the sentence search used them
    return Question(q, qx, subject(index, said), top, sims), chunk_hits, sent_hits


def candidates(index: Index, question: str, mode: str = "hybrid") -> tuple[Question, list[Candidate]]:
    """Every answer the plan could give to one question, with what the chooser needs to score it."""
    q, chunk_hits, sent_hits = prepare(index, question, mode)
    qx = q.expanded
    hit_of = {(h.chunk.kind, h.chunk.ref): (h, r) for r, h in enumerate(chunk_hits) if h.chunk.kind != "text"}
    out: list[Candidate] = []
    ind_score, inds = best_records(index, qx, "indicator", mode)
    if inds and len(inds) <= MAX_RECORDS and ind_score >= MIN_RECORD_MATCH:
        h, r = hit_of.get(("indicator", inds[0].number), (None, 10))
        out.append(_record(index, "indicator", indicator_answer(question, inds), h, r, ind_score))
    proj_score, projs = best_records(index, qx, "project", mode)
    if projs and len(projs) <= MAX_RECORDS and proj_score >= MIN_RECORD_MATCH:
        h, r = hit_of.get(("project", projs[0].number), (None, 10))
        out.append(_record(index, "project", project_answer(question, "", projs), h, r, proj_score))
    label, listed = project_filter(index, qx)
    if listed:
        out.append(_record(index, "project_list", project_answer(question, label, listed), None, 10, 1.0))
    flags = {name: bool(rx.search(qx)) for name, rx in CUES.items()}
    if flags["project_intent"]:
        out.append(_record(index, "totals", totals_answer(index, question), None, 10))
    if flags["superlative_cue"]:
        out.append(_record(index, "extreme", project_extreme(index, question, qx, label, listed), None, 10))
    if "指标" in qx and (flags["total_cue"] or flags["list_cue"] or flags["how_much"]):
        out.append(_record(index, "overview", indicators_overview(index, question), None, 10))
    if flags["unmet_cue"]:
        out.append(_record(index, "unmet", unmet_answer(index, question), None, 10))
    if flags["list_cue"] or flags["how_to"]:
        outline = outline_answer(index, question, qx)
        if outline is not None:
            ans, score = outline
            out.append(Candidate("outline", ans, ans.text, {}, score))
    seen = {(c.kind, tuple(c.answer.indicators)) for c in out}
    for rank, h in enumerate(chunk_hits):
        c = h.chunk
        if c.kind == "text":
            out.append(_passage(index, question, q, h, rank))
        elif c.kind == "indicator" and ("indicator", (c.ref,)) not in seen:
            ind = [i for i in index.plan.indicators if i.number == c.ref]
            out.append(_record(index, "indicator", indicator_answer(question, ind), h, rank))
            seen.add(("indicator", (c.ref,)))
        elif c.kind == "project" and not any(k == "project" for k, _ in seen):
            pr = [p for p in index.plan.projects if p.number == c.ref]
            out.append(_record(index, "project", project_answer(question, "", pr), h, rank))
            seen.add(("project", ()))
    for n in range(1, MAX_ANSWER_SENTENCES + 1):
        if len(sent_hits) >= n:
            out.append(_sentences(question, index, sent_hits[:n]))
    return q, out


# ---- choosing ----------------------------------------------------------------------------------

def refusal(question: str, sources: list[Source], reason: str = "") -> Answer:
    why = f"{reason}。" if reason else f"《常州市生态文明建设规划（2021-2030年）》中没有找到能回答“{question.strip()[:40]}”的内容。"
    return Answer(question, f"抱歉，{why}为避免误导，我不作推测。{HELP}", False, sources, "refusal")


def closest(question: str, cand: Candidate) -> Answer:
    """The nearest passage, framed as not answering the question directly."""
    text = ("《规划》里没有直接回答这个问题的内容。最接近的是下面这段，仅供参考：\n" + cand.answer.text)
    return Answer(question, text, False, cand.answer.sources, "closest", cand.answer.indicators, cand.answer.score)


def choose(index: Index, question: str, q: Question, cands: list[Candidate], chooser: str = "learned",
           whole: tuple[str, str] | None = None) -> Answer:
    """The best candidate when it is likely right; the closest passage or a refusal otherwise. A question that
    also names another city gets no "closest passage": a loosely related passage about Changzhou would read
    as that city's answer.

    chooser "rule" scores candidates by subject-word coverage alone (the benchmark's comparison row). whole: the
    question this one is a part of (its normalized text and search query), whose answerability the part takes.
    """
    from .ranker import ranker_for
    if not cands:
        return refusal(question, [])
    model = ranker_for(index) if chooser == "learned" else None
    if model is None:
        probs = preference = [coverage(q.subject, c.evidence) for c in cands]
        answer_at, closest_at = FALLBACK_COVERAGE, 1.01
    else:
        preference, probs = model.score(index, q, cands, whole)
        answer_at, closest_at = model.answer_threshold, model.closest_threshold
    best_i = max(range(len(cands)), key=lambda i: (round(preference[i], 4), -i))
    best, p = cands[best_i], max(probs)
    best.answer.score = round(float(p), 4)
    if p >= answer_at:
        return best.answer
    passages = [c for c in cands if c.kind in ("passage", "sentences")]
    if p >= closest_at and best.kind in ("passage", "sentences", "outline") and not other_place(q.text):
        return closest(question, best)
    refused = refusal(question, [s for c in passages[:3] for s in c.answer.sources[:1]])
    refused.score = best.answer.score
    return refused


def _answer_one(index: Index, question: str, mode: str, chooser: str = "learned",
                whole: tuple[str, str] | None = None) -> Answer:
    q = terms.fix_typos(normalize(question))
    reason = out_of_scope(q)
    if reason:
        return refusal(question, [], reason)
    qq, cands = candidates(index, question, mode)
    return choose(index, question, qq, cands, chooser, whole)


_FOLLOW_UP_WORDS = frozenset("目标 目标值 现状 现状值 达标 达标了 情况 数据 比例 数值 进展 完成 投资 年限 单位 负责".split())


def has_own_subject(segment: str) -> bool:
    """Whether a part of a question names a subject, not only a year or a field such as 目标."""
    return any(len(t) > 1 and not re.fullmatch(r"\d{4}年?", t) and t not in _FOLLOW_UP_WORDS
               for t in terms.content_terms(normalize(segment)))


def _segments(question: str) -> list[str]:
    """The parts of a multi-part question that each name a subject of their own."""
    parts = [p.strip() for p in _SPLIT.split(normalize(question)) if p and p.strip()]
    return [p for p in parts if terms.content_terms(p)]


def answer(question: str, mode: str = "hybrid", index: Index | None = None, chooser: str = "learned") -> Answer:
    """Answer one citizen question from the plan; a question in several parts gets each part answered."""
    msg = problem(question)
    if msg:
        return Answer(question or "", msg, False, [], "invalid")
    index = index or load()
    segs = _segments(question)
    if len(segs) <= 1 or outside_plan(question):       # one part, or refused whole as _answer_one refuses it
        return _answer_one(index, question, mode, chooser)
    asked = _query(index, question)[:2]                # each part is scored as answerable as the whole question
    parts = [segs[0]] + [t for seg in segs[1:] for t in (seg, f"{segs[0]} {seg}")]
    index.prime_queries([asked[1]] + [query_text(index, t) for t in parts])   # every text searched, one batch
    whole = _answer_one(index, question, mode, chooser)
    results: list[Answer] = []
    uncovered: list[str] = []                          # parts of their own the plan gives no answer to
    for i, seg in enumerate(segs):
        own = not i or has_own_subject(seg)
        if not own:                                    # "…，2030年目标呢": the subject sits in the first part
            seg = f"{segs[0]} {seg}"
        res = _answer_one(index, seg, mode, chooser, asked)
        if i and res.kind not in RECORD_KINDS:
            joined = _answer_one(index, f"{segs[0]} {seg}", mode, chooser, asked)
            if joined.confident and (joined.kind in RECORD_KINDS or not res.confident):
                res = joined
        if res.confident and all(r.text != res.text for r in results):
            results.append(res)
        elif not res.confident and own:
            uncovered.append(seg)
    if not results or (whole.confident and (len(results) < 2 or all(_covers(whole.text, r.text) for r in results))):
        return whole
    if len(results) == 1 and not uncovered:
        return results[0]
    sources = [s for r in results for s in r.sources]
    kinds = {r.kind for r in results}
    text = "\n\n".join([r.text for r in results] + [_not_covered(seg) for seg in uncovered])
    return Answer(question, text, True, sources, kinds.pop() if len(kinds) == 1 else "text",
                  [n for r in results for n in r.indicators], results[0].score if len(results) == 1 else None)


def _not_covered(part: str) -> str:
    """The line that tells a citizen which part of the question the plan gives no answer to."""
    return f"您问的“{part.strip()[:40]}”，《规划》里没有找到相关内容，我不作推测。"


def _covers(whole: str, part: str) -> bool:
    """Whether an answer's text already holds every line of another answer."""
    return all(line in whole for line in part.splitlines() if line.strip())
