"""Sections and records → retrievable chunks, each with its heading path and line span."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .parse import Indicator, IndicatorPart, Plan, Project, cell_number

MAX_CHUNK_CHARS = 220
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


@dataclass
class Chunk:
    id: int
    kind: str            # "text", "indicator" or "project"
    title: str           # section path, or the table row
    body: str            # what the chunk says, without its title
    line_start: int
    line_end: int
    ref: int | None = None   # indicator or project number

    @property
    def text(self) -> str:
        """What gets indexed: the heading path first, then the body."""
        return f"{self.title}：{self.body}"


@dataclass
class Sentence:
    """One sentence of the plan's prose, with the passage (chunk) and line it comes from."""
    id: int
    chunk: int           # id of the text chunk that holds it
    title: str
    body: str
    line: int

    @property
    def text(self) -> str:
        """What gets indexed: the section's own heading, then the sentence."""
        return f"{self.title.split(' > ')[-1]}：{self.body}"


def sentences(text: str) -> list[str]:
    """Split Chinese text after 。！？； keeping the punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def section_title(path: list[str]) -> str:
    return " > ".join(path) if path else "《规划》"


def fmt_number(value: float) -> str:
    """A table number as written: 49560.59 stays 49560.59, 149000.0 becomes 149000."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _fmt_investment(value: float | None) -> str:
    if value is None:
        return "未列投资额（表中为“/”）"
    return f"{fmt_number(value)}万元"


def with_unit(value: str, unit: str) -> str:
    """A table value with its unit when the cell is a bare number: "25.6" → "25.6%" ("4.30%" stays)."""
    if unit in ("—", "-", "") or cell_number(value) is None or value.strip().endswith("%"):
        return value
    return value + unit


_FIELDS = (("standard", "指标值"), ("value_2020", "2020年现状值"), ("target_2025", "2025年目标值"),
           ("target_2030", "2030年目标值"))


def describe_part(p: IndicatorPart | Indicator, unit: str | None = None) -> str:
    """The values of an indicator, or of one part of a multi-part row, as a Chinese clause.

    Fields a part does not have on its own (None) are left out; the row gives them once.
    """
    unit = p.unit if p.unit is not None else unit or ""
    bits = [f"单位：{unit}"] if p.unit is not None and unit not in ("—", "-", "") else []
    bits += [f"{label}{with_unit(getattr(p, f), unit)}" for f, label in _FIELDS if getattr(p, f) is not None]
    raw = getattr(p, "status_raw", None)
    if p.status is not None:
        bits.append(f"达标情况：{p.status}")
    elif raw:
        bits.append(f"达标情况一栏原文为“{raw}”")
    return f"{p.name}：" + "，".join(bits) if bits else p.name


def indicator_title(ind: Indicator) -> str:
    return f"表1 常州市生态文明建设指标体系 第{ind.number}项 {ind.name}"


_PIECE = re.compile(r"[，；]")
_PER_PART = ("value_2020", "target_2025", "target_2030")


def _split_cell(cell: str | None, n: int) -> list[str] | None:
    """A shared cell of an n-part row as one value per part, or None when it cannot be told apart.

    A cell splits when it leads with a number (a measured value such as "80.3%，完成上级规定的考核任务14.9%";
    the plan's text gives that first number to the first part) and has at least one piece per part: extra
    pieces stay with the last part. Cells of words only (a norm such as "完成上级规定的考核任务；保持稳定或
    持续改善") are the whole row's and stay shared.
    """
    pieces = [x.strip() for x in _PIECE.split(cell or "") if x.strip()]
    if len(pieces) < n or n < 2 or cell_number(pieces[0]) is None:
        return None
    return pieces[:n - 1] + ["，".join(pieces[n - 1:])]


def _parts_with_values(ind: Indicator) -> list[IndicatorPart]:
    """The row's parts, each given its own piece of the shared value and target cells that split per part."""
    split = {f: _split_cell(getattr(ind, f), len(ind.parts)) for f in _PER_PART}
    split = {f: v for f, v in split.items() if v is not None and all(getattr(p, f) is None for p in ind.parts)}
    return [IndicatorPart(p.name, p.unit, p.standard,
                          *(split[f][i] if f in split else getattr(p, f) for f in _PER_PART), p.status)
            for i, p in enumerate(ind.parts)]


def indicator_lines(ind: Indicator) -> list[tuple[Indicator | IndicatorPart | None, str]]:
    """An indicator as (row or part, text) lines: one per part of a multi-part row that has values of its
    own, then what the row gives once for all parts (paired with None), labelled 各分项共用."""
    if not ind.parts:
        return [(ind, describe_part(ind))]
    parts = _parts_with_values(ind)
    own = [p for p in parts if p.unit is not None or p.status is not None
           or any(getattr(p, f) is not None for f, _ in _FIELDS)]
    lines: list[tuple[Indicator | IndicatorPart | None, str]] = [(p, describe_part(p, ind.unit)) for p in own]
    shared = {f: getattr(ind, f) for f, _ in _FIELDS if any(getattr(p, f) is None for p in parts)}
    if shared or any(p.unit is None or p.status is None for p in parts):
        label = "各分项共用" if own else "、".join(p.name for p in parts)
        row = IndicatorPart(label, ind.unit if any(p.unit is None for p in parts) else None,
                            *(shared.get(f) for f, _ in _FIELDS),
                            ind.status if any(p.status is None for p in parts) else None)
        lines.append((None, describe_part(row, ind.unit)))
    return lines


def describe_indicator(ind: Indicator) -> str:
    head = f"第{ind.number}项指标“{ind.name}”属于{ind.domain}领域{ind.task}，{ind.attribute}指标。"
    return head + "；".join(text for _, text in indicator_lines(ind)) + "。"


def project_title(pr: Project) -> str:
    return f"附表 常州市生态文明建设重点工程表 第{pr.number}项 {pr.name}"


def describe_project(pr: Project) -> str:
    years = pr.years_raw or "未列"
    return (f"重点工程第{pr.number}项“{pr.name}”（{pr.category}·{pr.subcategory}）："
            f"建设内容：{pr.content.rstrip('。；;')}。建设年限{years}年，投资匡算{_fmt_investment(pr.investment)}，"
            f"责任主体{'、'.join(pr.owners)}。")


def _text_chunks(plan: Plan, start_id: int) -> list[Chunk]:
    out: list[Chunk] = []
    groups: dict[tuple, list] = {}
    for para in plan.paragraphs:
        groups.setdefault(tuple(para.path), []).append(para)
    for path, paras in groups.items():
        title = section_title(list(path))
        buf, first, last = "", None, None
        for para in paras:
            for sent in sentences(para.text):
                if buf and len(buf) + len(sent) > MAX_CHUNK_CHARS:
                    out.append(Chunk(start_id + len(out), "text", title, buf, first, last))
                    buf, first = "", None
                buf += sent
                first = para.line_start if first is None else first
                last = para.line_end
        if buf:
            out.append(Chunk(start_id + len(out), "text", title, buf, first, last))
    return out


def build_chunks(plan: Plan) -> list[Chunk]:
    """All chunks: prose split on sentence ends within one section, one per indicator, one per project."""
    chunks = _text_chunks(plan, 0)
    for ind in plan.indicators:
        chunks.append(Chunk(len(chunks), "indicator", indicator_title(ind), describe_indicator(ind),
                            ind.line_start, ind.line_end, ind.number))
    for pr in plan.projects:
        chunks.append(Chunk(len(chunks), "project", project_title(pr), describe_project(pr),
                            pr.line_start, pr.line_end, pr.number))
    return chunks


def build_sentences(plan: Plan, chunks: list[Chunk]) -> list[Sentence]:
    """Every prose sentence with its line, tied to the text chunk that holds its paragraph."""
    by_title: dict[str, list[Chunk]] = {}
    for c in chunks:
        if c.kind == "text":
            by_title.setdefault(c.title, []).append(c)
    out: list[Sentence] = []
    for para in plan.paragraphs:
        title = section_title(para.path)
        near = [c for c in by_title.get(title, []) if c.line_start <= para.line_start <= c.line_end]
        for sent in sentences(para.text):
            holder = next((c for c in near if sent in c.body), None)
            if holder is not None and len(sent) >= 4:
                out.append(Sentence(len(out), holder.id, title, sent, para.line_start))
    return out
