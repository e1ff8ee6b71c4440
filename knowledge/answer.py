"""Question → answer text, a confident flag and cited sources.

Indicator and project questions are answered from the structured records; everything else is
answered extractively from the best passages. A question the plan does not cover is refused.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import jieba.posseg
import yaml

from . import terms
from .chunks import Chunk, indicator_lines, indicator_title, project_title, sentences, with_unit
from .index import Index, load
from .normalize import normalize, problem
from .parse import Indicator, IndicatorPart, Project
from .search import search

CONFIDENT_COVERAGE = 0.6     # share of the question's (IDF-weighted) subject words the answer must contain
INDICATOR_MATCH = 0.6        # share of an indicator name's character pairs the question must contain
PROJECT_MATCH = 0.7
RERANK_DEPTH = 10
RECORD_KINDS = ("indicator", "project", "unmet")
TITLE_WEIGHT = 0.1           # a heading that names the subject breaks ties between passages
RETRIEVAL_BONUS = 0.2      # added to the name match of retrieval's first record
MAX_LISTED_PROJECTS = 8
MAX_ANSWER_SENTENCES = 3

HELP = ("我可以帮您：查询41项生态文明建设指标的现状、目标和达标情况，查询88项重点工程，"
        "解读《规划》中的政策措施，提供绿色生活建议和环境问题举报渠道。")
DISTRICTS = {"溧阳": "溧阳", "金坛": "金坛", "武进": "武进", "新北": "新北", "天宁": "天宁",
             "钟楼": "钟楼", "经开区": "经开区", "经济开发区": "经开区"}

_UNMET = re.compile(r"(没|未|不|尚未|还没)(有)?(达标|完成|达到|实现)|落后|差距大|短板|not (yet )?(met|achieved)|unmet|behind")
_LIST = re.compile(r"哪些|哪几|几个|几项|多少个|多少项|有啥|列|which|what|how many|list")
_INDICATOR_INTENT = re.compile(r"多少|几|目标|达标|现状|现在|比例|比重|率|指标|数据|数值|水平|进展|完成|20[23]\d|%|"
                               r"value|target|rate|status|how much|percent")
_PROJECT_INTENT = re.compile(r"项目|工程|投资|多少钱|资金|经费|花了|花多少|预算|project|invest|budget|fund")
_TOTAL = re.compile(r"总投资|一共|总共|合计|总计|加起来|总额|全部|所有|多少项|几项|多少个|total|in all|altogether|how many")
_SPLIT = re.compile(r"[，,；;？?。！!]|还有|另外|以及|同时|and also|also")


@dataclass
class Source:
    title: str
    text: str
    score: float
    line_start: int
    line_end: int


@dataclass
class Answer:
    question: str
    text: str
    confident: bool
    sources: list[Source] = field(default_factory=list)
    kind: str = "text"          # indicator, unmet, project, text, refusal, invalid

    def to_dict(self) -> dict:
        return asdict(self)


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fffa-z0-9.]", "", text.lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


_GENERIC_NAME = re.compile(r"（[^）]*）|\([^)]*\)|工程|项目|建设|常州市?|江苏|[一二]期|"
                           r"(溧阳市|金坛区|武进区|新北区|天宁区|钟楼区|经开区)")


def _name_score(name: str, query_grams: set[str]) -> float:
    """Share of a record name's character pairs found in the question (generic words left out)."""
    core = _GENERIC_NAME.sub("", name) or name
    grams = _bigrams(core)
    return len(grams & query_grams) / len(grams) if grams else 0.0


# ---- what the plan covers ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _scope_rules() -> dict:
    return yaml.safe_load((terms.DATA / "out_of_scope.yml").read_text(encoding="utf-8"))


def _corpus(index: Index) -> str:
    if not hasattr(index, "_corpus"):
        index._corpus = "\n".join(c.text.lower() for c in index.chunks)
        index._corpus_plain = re.sub(r"[^\w]", "", index._corpus)
        index._df = {}
    return index._corpus


def _term_weight(index: Index, term: str) -> float:
    """IDF of a term counted as a substring of the chunks; unknown terms weigh most."""
    _corpus(index)
    if term not in index._df:
        index._df[term] = sum(term in c.text.lower() for c in index.chunks)
    n, df = len(index.chunks), max(1, index._df[term])
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def out_of_scope(index: Index, q: str) -> str | None:
    """Why the plan cannot answer a normalized question (real-time data, after 2030, another place), or None."""
    rules = _scope_rules()
    for word in rules["realtime"]:
        if word in q:
            return f"《规划》不提供“{word}”这类实时数据"
    for year in re.findall(r"(?<!\d)(20\d\d)(?!\d)", q):
        if int(year) > rules["last_plan_year"]:
            return f"《规划》的期限是2021-2030年，没有{year}年的目标"
    _corpus(index)
    for word, flag in jieba.posseg.cut(q):
        if flag == "ns" and len(word) >= 2 and word not in index._corpus_plain and word not in terms.STOPWORDS:
            return f"《规划》只涉及常州市，没有关于“{word}”的内容"
    return None


def _subject(index: Index, question: str) -> list[tuple[str, float]]:
    """The question's subject words with IDF weights; unknown English words carry no weight."""
    _, canon, stripped = terms.expand(question)
    words = terms.content_terms(stripped) + [c for c in canon if c not in stripped]
    out = []
    for w in words:
        weight = _term_weight(index, w)
        if re.fullmatch(r"[a-z']+", w) and index._df[w] == 0:
            weight = 0.0
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


def _source(title: str, text: str, score: float, start: int, end: int) -> Source:
    return Source(title, text, round(float(score), 4), start, end)


def _cite(title: str, start: int, end: int) -> str:
    lines = f"第{start}行" if start == end else f"第{start}–{end}行"
    return f"（出处：《规划》{title}，{lines}）"


# ---- indicators -------------------------------------------------------------------------------

def _num(cell: str) -> float | None:
    m = re.fullmatch(r"[≥≤>＞<]?\s*(\d+(?:\.\d+)?)\s*%?", cell.strip())
    return float(m.group(1)) if m else None


def _gap(value: str, target: str, unit: str, year: int) -> str:
    v, t = _num(value), _num(target)
    if v is None or t is None:
        return ""
    diff = round(t - v, 4)
    unit = "个百分点" if unit == "%" else unit
    if diff > 0:
        return f"距{year}年目标还差{diff:g}{unit}"
    return f"已达到{year}年目标值"


def _gaps(p: Indicator | IndicatorPart, unit: str) -> list[str]:
    unit = p.unit if p.unit is not None else unit
    if p.value_2020 is None:
        return []
    return [g for g in (_gap(p.value_2020, p.target_2025 or "", unit, 2025),
                        _gap(p.value_2020, p.target_2030 or "", unit, 2030)) if g]


def indicator_text(ind: Indicator) -> str:
    """The status of one indicator in full: value, targets, attribute, status and gap."""
    lines = [f"【指标{ind.number}】{ind.name}（{ind.domain}领域·{ind.task}，{ind.attribute}指标）"]
    items = ind.parts or [ind]
    for i, text in enumerate(indicator_lines(ind)):
        gaps = _gaps(items[i], ind.unit) if i < len(items) else []
        lines.append(("· " if ind.parts else "") + text + ("；" + "，".join(gaps) if gaps else "") + "。")
    return "\n".join(lines)


def _indicator_answer(question: str, inds: list[Indicator]) -> Answer:
    body = "\n\n".join(indicator_text(i) for i in inds)
    srcs = [_source(indicator_title(i), indicator_text(i), 1.0, i.line_start, i.line_end) for i in inds]
    cite = "（出处：《规划》表1 常州市生态文明建设指标体系）"
    return Answer(question, f"{body}\n{cite}", True, srcs, "indicator")


def _best_records(index: Index, qx: str, kind: str, mode: str) -> tuple[float, list]:
    """Records of one kind whose names best match the question; retrieval's first pick gets a bonus."""
    grams = _bigrams(qx)
    if kind == "indicator":
        records = index.plan.indicators
        names = {r.number: [r.name, *(p.name for p in r.parts), *(r.name + p.name for p in r.parts)] for r in records}
    else:
        records = index.plan.projects
        names = {r.number: [r.name] for r in records}
    scores = {r.number: max(_name_score(n, grams) for n in names[r.number]) for r in records}
    hits = search(index, qx, k=1, mode=mode, kinds=(kind,))
    if hits:
        scores[hits[0].chunk.ref] += RETRIEVAL_BONUS
    best = max(scores.values())
    return best, [r for r in records if scores[r.number] >= best - 1e-9 and best > 0]


def unmet_answer(index: Index, question: str) -> Answer:
    """The indicators the table marks 不达标, with their values, targets and gaps."""
    unmet = [i for i in index.plan.indicators
             if i.status == "不达标" or any(p.status == "不达标" for p in i.parts)]
    lines = [f"按《规划》表1，2020年现状有{len(unmet)}项指标未达标："]
    for ind in unmet:
        gap = _gap(ind.value_2020, ind.target_2025, ind.unit, 2025)
        lines.append(f"· 指标{ind.number} {ind.name}：2020年{with_unit(ind.value_2020, ind.unit)}，"
                     f"2025年目标{with_unit(ind.target_2025, ind.unit)}，2030年目标{with_unit(ind.target_2030, ind.unit)}"
                     + (f"，{gap}" if gap else ""))
    for ind in (i for i in index.plan.indicators if i.status is None and not i.parts):
        lines.append(f"另：指标{ind.number} {ind.name}的“达标情况”一栏原文为“{ind.status_raw}”，未写明是否达标。")
    srcs = [_source(indicator_title(i), indicator_text(i), 1.0, i.line_start, i.line_end) for i in unmet]
    lines.append("（出处：《规划》表1 常州市生态文明建设指标体系）")
    return Answer(question, "\n".join(lines), True, srcs, "unmet")


def indicators_overview(index: Index, question: str) -> Answer:
    """How many indicators there are, by domain and attribute, and how many are met."""
    inds = index.plan.indicators
    by_domain: dict[str, int] = {}
    by_attr: dict[str, int] = {}
    for i in inds:
        by_domain[i.domain] = by_domain.get(i.domain, 0) + 1
        by_attr[i.attribute] = by_attr.get(i.attribute, 0) + 1
    status = {s: sum(i.status == s for i in inds) for s in ("达标", "不达标", "—")}
    text = (f"《规划》表1“常州市生态文明建设指标体系”共{len(inds)}项指标。按领域："
            + "、".join(f"{d}{n}项" for d, n in by_domain.items()) + "；按属性："
            + "、".join(f"{a}{n}项" for a, n in by_attr.items())
            + f"。2020年达标情况：达标{status['达标']}项，不达标{status['不达标']}项，"
            f"不涉及或未评价（“—”）{status['—']}项，其余为表中写法特殊的项。\n（出处：《规划》表1 常州市生态文明建设指标体系）")
    src = _source("表1 常州市生态文明建设指标体系", text, 1.0, inds[0].line_start, inds[-1].line_end)
    return Answer(question, text, True, [src], "indicator")


# ---- projects -------------------------------------------------------------------------------

def _fmt_wan(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "万元" + (f"（约{value / 10000:.1f}亿元）" if value >= 10000 else "")


def project_line(pr: Project) -> str:
    money = "投资未列（表中为“/”）" if pr.investment is None else f"投资{pr.investment:g}万元"
    return (f"· 第{pr.number}项 {pr.name}（{pr.category}·{pr.subcategory}）：{pr.years_raw}年，{money}，"
            f"责任主体：{'、'.join(pr.owners)}")


def _project_filter(index: Index, q: str) -> tuple[str, list[Project]]:
    """Projects picked by district, category, owner or subcategory words in the question, with a label."""
    projects = index.plan.projects
    for word, district in DISTRICTS.items():
        if word in q:
            hits = [p for p in projects if district in "".join(p.owners) + p.name]
            return f"{district}相关（名称或责任主体含“{district}”）", hits
    for cat in sorted({p.category for p in projects}):
        if cat in q or cat.rstrip("类") in q:
            return cat, [p for p in projects if p.category == cat]
    grams = _bigrams(q)
    owners = sorted({o for p in projects for o in p.owners})
    best = max(owners, key=lambda o: _name_score(o.removeprefix("市"), grams))
    if _name_score(best.removeprefix("市"), grams) >= 0.99 and len(best) >= 4:
        return f"责任主体为{best}", [p for p in projects if best in p.owners]
    for sub in sorted({p.subcategory for p in projects}):
        if _name_score(sub, grams) >= 0.99:
            return f"“{sub}”类", [p for p in projects if p.subcategory == sub]
    return "", []


def _project_answer(question: str, label: str, projects: list[Project]) -> Answer:
    total = sum(p.investment or 0 for p in projects)
    head = f"《规划》附表中{label}的重点工程共{len(projects)}项" if label else f"《规划》附表中找到{len(projects)}项重点工程"
    head += f"，列明的投资合计{_fmt_wan(total)}：" if total and len(projects) > 1 else "："
    shown = projects[:MAX_LISTED_PROJECTS]
    lines = [head] + [project_line(p) for p in shown]
    if len(projects) > len(shown):
        lines.append(f"……另有{len(projects) - len(shown)}项，可补充地区、单位或类别缩小范围。")
    if len(projects) <= 4:
        lines += [f"第{p.number}项建设内容：{p.content}" for p in projects]
    lines.append("（出处：《规划》附表 常州市生态文明建设重点工程表）")
    srcs = [_source(project_title(p), p.content, 1.0, p.line_start, p.line_end) for p in shown]
    return Answer(question, "\n".join(lines), True, srcs, "project")


def totals_answer(index: Index, question: str) -> Answer:
    """How many key projects there are and what they cost, in all and by category."""
    plan = index.plan
    by_cat: dict[str, list[Project]] = {}
    for p in plan.projects:
        by_cat.setdefault(p.category, []).append(p)
    lines = [f"《规划》附表列出重点工程{len(plan.projects)}项，投资匡算合计{_fmt_wan(plan.total_investment or 0)}。按大类："]
    for cat, ps in by_cat.items():
        listed = [p.investment for p in ps if p.investment is not None]
        money = f"投资{_fmt_wan(sum(listed))}" if listed else "均未列投资额（表中为“/”）"
        unlisted = len(ps) - len(listed)
        lines.append(f"· {cat}{len(ps)}项，{money}" + (f"（其中{unlisted}项未列投资额）" if listed and unlisted else ""))
    lines.append("（出处：《规划》附表 常州市生态文明建设重点工程表“合计”行；"
                 "正文九、（一）称“六大类88项重点工程，总投资约331亿元”）")
    src = _source("附表 常州市生态文明建设重点工程表 合计", f"合计 {plan.total_investment}", 1.0, 939, 942)
    return Answer(question, "\n".join(lines), True, [src], "project")


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
    ranked = [(coverage(index, q, h.chunk.text) + TITLE_WEIGHT * coverage(index, q, h.chunk.title), -rank, h.chunk)
              for rank, h in enumerate(hits)]
    _, _, top = max(ranked, key=lambda x: (round(x[0], 2), x[1]))
    cov = coverage(index, q, top.text)
    if top.kind == "indicator":
        return cov, _indicator_answer(question, [i for i in index.plan.indicators if i.number == top.ref])
    if top.kind == "project":
        return cov, _project_answer(question, "", [p for p in index.plan.projects if p.number == top.ref])
    sources.sort(key=lambda s: s.title != top.title or s.line_start != top.line_start)
    text = f"根据《规划》“{top.title.split(' > ')[-1]}”部分：{_extract(index, q, top)}\n" \
           f"{_cite(top.title, top.line_start, top.line_end)}"
    return cov, Answer(question, text, True, sources, "text")


def _record_candidates(index: Index, question: str, q: str, qx: str, mode: str) -> list[Answer]:
    """Answers from the structured tables that the question may be asking for, most specific first."""
    out = []
    ind_score, inds = _best_records(index, qx, "indicator", mode)
    if ind_score >= INDICATOR_MATCH and len(inds) <= 3 and _INDICATOR_INTENT.search(qx):
        out.append(_indicator_answer(question, inds))
    proj_score, projs = _best_records(index, qx, "project", mode)
    project_intent = _PROJECT_INTENT.search(q)
    if proj_score >= PROJECT_MATCH + (0 if project_intent else RETRIEVAL_BONUS) and len(projs) <= MAX_LISTED_PROJECTS:
        out.append(_project_answer(question, "", projs))
    if project_intent:
        label, found = _project_filter(index, q)
        if found:
            out.append(_project_answer(question, label, found))
        elif _TOTAL.search(q):
            out.append(totals_answer(index, question))
    if _TOTAL.search(q) and "指标" in q:
        out.append(indicators_overview(index, question))
    return out


def _answer_one(index: Index, question: str, mode: str) -> Answer:
    q = terms.fix_typos(normalize(question))
    qx, _, _ = terms.expand(q)
    reason = out_of_scope(index, q)
    if reason:
        return refusal(question, [], reason)
    if _UNMET.search(qx) and (_LIST.search(qx) or _best_records(index, qx, "indicator", mode)[0] < INDICATOR_MATCH):
        return unmet_answer(index, question)
    candidates = [(coverage(index, q, a.text), -i, a) for i, a in enumerate(_record_candidates(index, question, q, qx, mode))]
    passage_cov, passage = _passage_answer(index, question, q, qx, mode)
    candidates.append((passage_cov, -len(candidates), passage))
    cov, _, best = max(candidates, key=lambda x: (round(x[0], 2), x[1]))
    if cov < CONFIDENT_COVERAGE:
        return refusal(question, passage.sources[:3])
    return best


_FOLLOW_UP_WORDS = frozenset("目标 目标值 现状 现状值 达标 达标了 情况 数据 比例 数值 进展 完成 投资 年限 单位 负责".split())


def _own_subject(segment: str) -> bool:
    """Whether a part of a question names a subject, not only a year or a field such as 目标."""
    return any(not re.fullmatch(r"\d{4}年?", t) and t not in _FOLLOW_UP_WORDS for t in terms.content_terms(segment))


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
        if i and not _own_subject(seg):             # "…，2030年目标呢": the subject sits in the first part
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
                  kinds.pop() if len(kinds) == 1 else "text")
