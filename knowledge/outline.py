"""The plan's outline as answers to list questions: "规划原则有哪几条" lists the parts of the heading asked about."""
from __future__ import annotations

import re

from .chunks import section_title, sentences
from .index import Index
from .records import char_pairs
from .result import Answer
from .result import make_source as _source

MIN_HEADING_MATCH = 0.5      # share of a heading's character pairs the question must contain
MAX_ITEMS = 12
NUMBERING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．])\s*")


def headings(index: Index) -> list[tuple[str, ...]]:
    """Every heading path of the plan, in document order."""
    seen: dict[tuple[str, ...], None] = {}
    for para in index.plan.paragraphs:
        for depth in range(1, len(para.path) + 1):
            seen.setdefault(tuple(para.path[:depth]))
    return list(seen)


def best_heading(index: Index, q: str) -> tuple[float, tuple[str, ...] | None]:
    """The heading whose own words the question names most completely (the shallower one on a tie)."""
    qgrams = char_pairs(q)
    best: tuple[float, tuple[str, ...] | None] = (0.0, None)
    for path in headings(index):
        grams = char_pairs(NUMBERING.sub("", path[-1]))
        score = len(grams & qgrams) / len(grams) if grams else 0.0
        if score > best[0] + 1e-9:
            best = (score, path)
    return best


def outline_answer(index: Index, question: str, q: str) -> tuple[Answer, float] | None:
    """The parts of the heading a list question names: its sub-headings, or else the lead sentence of each of
    its paragraphs; None when no heading matches well enough."""
    score, path = best_heading(index, q)
    if path is None or score < MIN_HEADING_MATCH:
        return None
    paths = headings(index)
    children = [p[-1] for p in paths if len(p) == len(path) + 1 and p[:len(path)] == path]
    paras = [p for p in index.plan.paragraphs if tuple(p.path) == path]
    if children:
        items = children
    else:
        items = [sentences(p.text)[0].rstrip("。；") for p in paras if sentences(p.text)]
    if len(items) < 2:
        return None
    under = [p for p in index.plan.paragraphs if tuple(p.path[:len(path)]) == path]
    start, end = under[0].line_start, under[-1].line_end
    title = section_title(list(path))
    lines = [f"《规划》“{NUMBERING.sub('', path[-1])}”部分共{len(items)}项："]
    lines += [f"{i}. {NUMBERING.sub('', item)}" for i, item in enumerate(items[:MAX_ITEMS], 1)]
    if len(items) > MAX_ITEMS:
        lines.append(f"……另有{len(items) - MAX_ITEMS}项。")
    lines.append(f"（出处：《规划》{title}，第{start}–{end}行）")
    text = "\n".join(lines)
    return Answer(question, text, True, [_source(title, text, score, start, end)], "text"), score
