"""The plan's tables as answers: indicator status (表1) and key projects (附表), looked up by name or filter."""
from __future__ import annotations

import re

from .chunks import fmt_number, indicator_lines, indicator_title, project_title, with_unit
from .index import Index
from .parse import Indicator, IndicatorPart, Project, cell_number, leading_number
from .result import Answer
from .result import make_source as _source
from .search import search

MAX_LISTED_PROJECTS = 12
RETRIEVAL_BONUS = 0.2        # added to the name match of retrieval's first record
INDICATOR_TABLE = "表1 常州市生态文明建设指标体系"
PROJECT_TABLE = "附表 常州市生态文明建设重点工程表"
DISTRICTS = {"溧阳": "溧阳", "金坛": "金坛", "武进": "武进", "新北": "新北", "天宁": "天宁",
             "钟楼": "钟楼", "经开区": "经开区", "经济开发区": "经开区"}


def char_pairs(text: str) -> set[str]:
    """The character pairs of a text (letters, digits and 汉字 only), for name and wording matches."""
    text = re.sub(r"[^\u4e00-\u9fffa-z0-9.]", "", text.lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


_GENERIC_NAME = re.compile(r"（[^）]*）|\([^)]*\)|工程|项目|建设|常州市?|江苏|[一二]期|"
                           r"(溧阳市|金坛区|武进区|新北区|天宁区|钟楼区|经开区)")


def _name_score(name: str, query_grams: set[str]) -> float:
    """Share of a record name's character pairs found in the question (generic words left out)."""
    core = _GENERIC_NAME.sub("", name) or name
    grams = char_pairs(core)
    return len(grams & query_grams) / len(grams) if grams else 0.0


# ---- indicators -------------------------------------------------------------------------------

def _gap(value: str, target: str, unit: str, year: int) -> str:
    v, t = cell_number(value), cell_number(target)
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
    for part, text in indicator_lines(ind):
        gaps = _gaps(part, ind.unit) if part is not None else []
        lines.append(("· " if ind.parts else "") + text + ("；" + "，".join(gaps) if gaps else "") + "。")
    return "\n".join(lines)


def indicator_answer(question: str, inds: list[Indicator]) -> Answer:
    body = "\n\n".join(indicator_text(i) for i in inds)
    srcs = [_source(indicator_title(i), indicator_text(i), 1.0, i.line_start, i.line_end) for i in inds]
    cite = "（出处：《规划》表1 常州市生态文明建设指标体系）"
    return Answer(question, f"{body}\n{cite}", True, srcs, "indicator", [i.number for i in inds])


def best_records(index: Index, qx: str, kind: str, mode: str = "hybrid", bonus: bool = True) -> tuple[float, list]:
    """Records of one kind whose names best match the question; retrieval's first pick gets a bonus."""
    grams = char_pairs(qx)
    if kind == "indicator":
        records = index.plan.indicators
        names = {r.number: [r.name, *(p.name for p in r.parts), *(r.name + p.name for p in r.parts)] for r in records}
    else:
        records = index.plan.projects
        names = {r.number: [r.name] for r in records}
    scores = {r.number: max(_name_score(n, grams) for n in names[r.number]) for r in records}
    hits = search(index, qx, k=1, mode=mode, kinds=(kind,)) if bonus else []
    if hits:
        scores[hits[0].chunk.ref] += RETRIEVAL_BONUS
    best = max(scores.values())
    return best, [r for r in records if scores[r.number] >= best - 1e-9 and best > 0]


def indicator_chart(ind: Indicator | None) -> dict | None:
    """Chart data for one indicator: its 2020 value and 2025/2030 targets as numbers (None where a cell is
    text); None for a multi-part row, whose cells mix several measures."""
    if ind is None or ind.parts:
        return None
    return {"name": ind.name, "unit": ind.unit if ind.unit not in ("", "—", "-") else "",
            "value_2020": leading_number(ind.value_2020), "target_2025": leading_number(ind.target_2025),
            "target_2030": leading_number(ind.target_2030)}


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
    return fmt_number(value) + "万元" + (f"（约{value / 10000:.1f}亿元）" if value >= 10000 else "")


def project_line(pr: Project) -> str:
    money = "未列（表中为“/”）" if pr.investment is None else f"{fmt_number(pr.investment)}万元"
    return (f"· 第{pr.number}项 {pr.name}（{pr.category}·{pr.subcategory}）：建设起止年限{pr.years_raw}年，"
            f"投资匡算{money}，责任主体：{'、'.join(pr.owners)}")


def project_filter(index: Index, q: str) -> tuple[str, list[Project]]:
    """Projects picked by district, category, owner or subcategory words in the question, with a label."""
    projects = index.plan.projects
    for word, district in DISTRICTS.items():
        if word in q:
            hits = [p for p in projects if district in "".join(p.owners) + p.name]
            return f"{district}相关（名称或责任主体含“{district}”）", hits
    grams = char_pairs(q)
    # A subcategory named in full comes before the category its name starts with ("生态安全缓冲区建设工程").
    for sub in sorted({p.subcategory for p in projects}):
        if _name_score(sub, grams) >= 0.99:
            return f"“{sub}”类", [p for p in projects if p.subcategory == sub]
    for cat in sorted({p.category for p in projects}):
        if cat in q or cat.rstrip("类") in q:
            return cat, [p for p in projects if p.category == cat]
    owners = sorted({o for p in projects for o in p.owners})
    best = max(owners, key=lambda o: _name_score(o.removeprefix("市"), grams))
    if _name_score(best.removeprefix("市"), grams) >= 0.99 and len(best) >= 4:
        return f"责任主体为{best}", [p for p in projects if best in p.owners]
    return "", []


def project_answer(question: str, label: str, projects: list[Project]) -> Answer:
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
    lines = [f"《规划》附表列出重点工程{len(plan.projects)}项，总投资匡算合计{_fmt_wan(plan.total_investment or 0)}。按大类："]
    for cat, ps in by_cat.items():
        listed = [p.investment for p in ps if p.investment is not None]
        money = f"投资{_fmt_wan(sum(listed))}" if listed else "均未列投资额（表中为“/”）"
        unlisted = len(ps) - len(listed)
        lines.append(f"· {cat}{len(ps)}项，{money}" + (f"（其中{unlisted}项未列投资额）" if listed and unlisted else ""))
    lines.append("（出处：《规划》附表 常州市生态文明建设重点工程表“合计”行；"
                 "正文九、（一）称“六大类88项重点工程，总投资约331亿元”）")
    src = _source("附表 常州市生态文明建设重点工程表 合计", f"合计 {plan.total_investment}", 1.0, 939, 942)
    return Answer(question, "\n".join(lines), True, [src], "project")


_LEAST = re.compile(r"最(少|小|低|便宜)|smallest|least|cheapest")


def project_extreme(index: Index, question: str, q: str, label: str, projects: list[Project]) -> Answer:
    """The project with the largest (or, when asked, the smallest) listed investment, among the projects a
    filter picked or all of them."""
    pool = [p for p in (projects or index.plan.projects) if p.investment is not None]
    least = bool(_LEAST.search(q))
    pick = min(pool, key=lambda p: p.investment) if least else max(pool, key=lambda p: p.investment)
    scope = f"{label}的重点工程中" if projects and label else "88项重点工程中"
    unlisted = len(projects or index.plan.projects) - len(pool)
    head = (f"《规划》附表{scope}，列明投资额的{len(pool)}项里投资{'最少' if least else '最多'}的是第{pick.number}项"
            f"“{pick.name}”，投资匡算{_fmt_wan(pick.investment)}"
            + (f"（另有{unlisted}项未列投资额）" if unlisted else "") + "：")
    lines = [head, project_line(pick), f"建设内容：{pick.content}", "（出处：《规划》附表 常州市生态文明建设重点工程表）"]
    src = _source(project_title(pick), pick.content, 1.0, pick.line_start, pick.line_end)
    return Answer(question, "\n".join(lines), True, [src], "project")


def find_projects(index: Index, text: str, min_name_match: float, mode: str = "hybrid") -> tuple[str, list[Project]]:
    """Projects a question names (best name match at or above min_name_match), else those its
    district, category, owner or subcategory words select; ("", []) when none."""
    score, found = best_records(index, text, "project", mode)
    if score >= min_name_match and len(found) <= MAX_LISTED_PROJECTS:
        return "", found
    return project_filter(index, text)


def _focus_line(label: str, row: Indicator | IndicatorPart, ind: Indicator, year: int | None,
                status_question: bool) -> str | None:
    """One row's (or one part's) answer to a follow-up; shared cells come from the row itself."""
    unit = row.unit if row.unit is not None else ind.unit
    now = with_unit(row.value_2020 if row.value_2020 is not None else ind.value_2020, unit)
    if year in (2025, 2030):
        field = "target_2025" if year == 2025 else "target_2030"
        target = getattr(row, field) if getattr(row, field) is not None else getattr(ind, field)
        gap = _gap(now.rstrip("%"), target, unit, year)
        return f"{label}：{year}年目标值{with_unit(target, unit)}（2020年现状值{now}" + (f"，{gap}" if gap else "") + "）"
    if status_question or year == 2020:
        status = row.status if row.status is not None else ind.status
        raw = getattr(row, "status_raw", "") or ind.status_raw
        said = status if status is not None else f"表中为“{raw}”，未写明是否达标"
        return f"{label}：2020年现状值{now}，达标情况：{said}"
    return None


def _parts_focus(ind: Indicator, year: int | None, status_question: bool) -> list[str]:
    """A multi-part row's follow-up: one line per part with the cells it has of its own, then the cells the
    table gives once for the whole row, labelled 各分项共用 once instead of repeated on every part."""
    parts = [p for p, _ in indicator_lines(ind) if p is not None]
    names = {p.name for p in parts}
    parts += [p for p in ind.parts if p.name not in names]          # parts with no cell of their own
    fields = (["target_2025" if year == 2025 else "target_2030"] if year in (2025, 2030) else []) + \
        (["value_2020"] if year in (2020, 2025, 2030) or status_question else [])
    shared = [f for f in fields if all(getattr(p, f) is None for p in parts)]
    status_shared = (status_question or year == 2020) and all(p.status is None for p in parts)
    target = "target_2025" if year == 2025 else "target_2030"

    def cells(row: Indicator | IndicatorPart, names: list[str], unit: str) -> list[str]:
        bits = [f"2020年现状值{with_unit(row.value_2020, unit)}"] if "value_2020" in names else []
        bits += [f"{year}年目标值{with_unit(getattr(row, target), unit)}"] if target in names else []
        return bits

    lines = []
    if shared or status_shared:
        bits = cells(ind, shared, ind.unit)
        if status_shared:
            bits.append(f"达标情况：{ind.status if ind.status is not None else '表中为“' + ind.status_raw + '”'}")
        lines.append("各分项共用：" + "，".join(bits))
    for p in parts:
        unit = p.unit if p.unit is not None else ind.unit
        own = cells(p, [f for f in fields if getattr(p, f) is not None], unit)
        if target in fields and getattr(p, target) is not None:
            now = p.value_2020 if p.value_2020 is not None else ind.value_2020
            gap = _gap(with_unit(now, unit).rstrip("%"), getattr(p, target), unit, year)
            own += [gap] if gap else []
        if (status_question or year == 2020) and p.status is not None:
            own.append(f"达标情况：{p.status}")
        if own:
            lines.append(f"· {p.name}：" + "，".join(own))
    return lines


def indicator_focus(ind: Indicator, year: int | None, status_question: bool) -> str | None:
    """A short answer to a follow-up about one indicator: a target year, the 2020 value or the status.
    A multi-part row answers per part, with the cells the row shares labelled once."""
    if ind.parts:
        lines = _parts_focus(ind, year, status_question)
        head = f"【指标{ind.number}】{ind.name}\n"
    else:
        line = _focus_line(ind.name, ind, ind, year, status_question)
        lines, head = ([line] if line else []), f"【指标{ind.number}】"
    if not lines:
        return None
    return head + "\n".join(lines) + f"\n（出处：《规划》{INDICATOR_TABLE}）"
