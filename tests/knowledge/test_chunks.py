"""Chunks are what search finds and what answers cite: each must say where it comes from and be whole."""
from __future__ import annotations

import re

import pytest

from knowledge.chunks import section_title

SENTENCE_END = tuple("。！？；")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _text_chunks(chunks):
    return [c for c in chunks if c.kind == "text"]


def _paragraphs_in(plan, chunk):
    return [p for p in plan.paragraphs if chunk.line_start <= p.line_start <= chunk.line_end]


def test_chunk_kinds_and_counts(chunks):
    kinds = [c.kind for c in chunks]
    assert set(kinds) == {"text", "indicator", "project"}
    assert kinds.count("indicator") == 41
    assert kinds.count("project") == 88
    assert kinds.count("text") > 50
    assert [c.id for c in chunks] == list(range(len(chunks)))


def test_every_chunk_text_starts_with_its_heading_path(plan, chunks):
    for c in chunks:
        assert c.text.startswith(c.title), c.id
        assert c.body and c.body in c.text
    for c in _text_chunks(chunks):
        paths = {tuple(p.path) for p in _paragraphs_in(plan, c)}
        assert len(paths) == 1
        assert c.text.startswith(section_title(list(paths.pop())))


def test_no_text_chunk_mixes_two_sections(plan, chunks):
    for c in _text_chunks(chunks):
        paras = _paragraphs_in(plan, c)
        assert paras, f"chunk {c.id} covers no paragraph"
        titles = {section_title(p.path) for p in paras}
        assert titles == {c.title}, f"chunk {c.id} lines {c.line_start}-{c.line_end} mixes {titles}"


def test_text_chunk_bodies_are_whole_sentences_from_their_section(plan, chunks):
    for c in _text_chunks(chunks):
        paras = _paragraphs_in(plan, c)
        joined = "".join(p.text for p in paras)
        start = joined.find(c.body)
        assert start >= 0, f"chunk {c.id} body is not the text of lines {c.line_start}-{c.line_end}"
        end = start + len(c.body)
        para_starts, pos = set(), 0
        for p in paras:
            para_starts.add(pos)
            pos += len(p.text)
        para_ends = {s + len(p.text) for s, p in zip(sorted(para_starts), paras, strict=True)}
        assert start in para_starts or joined[start - 1] in SENTENCE_END, f"chunk {c.id} starts mid-sentence"
        assert end in para_ends or c.body.endswith(SENTENCE_END), f"chunk {c.id} ends mid-sentence"


def test_text_chunk_bodies_end_at_sentence_ends(chunks):
    """A chunk body ends with 。！？； unless its last paragraph has no closing punctuation at all."""
    bad = [c for c in _text_chunks(chunks) if not c.body.endswith(SENTENCE_END)]
    # Only the annex caption "常州市生态文明建设重点工程表" (a title, not a sentence) may end without one.
    assert all(len(c.body) <= 20 for c in bad), [c.body[-30:] for c in bad]


def test_no_prose_is_lost(plan, chunks):
    by_title: dict[str, str] = {}
    for c in _text_chunks(chunks):
        by_title[c.title] = by_title.get(c.title, "") + c.body
    for p in plan.paragraphs:
        assert p.text in by_title.get(section_title(p.path), ""), f"line {p.line_start} missing from chunks"


def test_one_chunk_per_indicator(plan, chunks):
    inds = [c for c in chunks if c.kind == "indicator"]
    assert [c.ref for c in inds] == list(range(1, 42))
    for c, ind in zip(inds, plan.indicators, strict=True):
        assert (c.line_start, c.line_end) == (ind.line_start, ind.line_end)
        assert ind.name in c.text
        assert CJK.search(c.body) and c.body.endswith("。")
        for part in ind.parts or [ind]:
            for field in ("value_2020", "target_2025", "target_2030"):
                # a part without its own value (None) shows the value the row gives for all parts, either
                # whole or split per part (each piece of the cell once): nothing of the cell is lost
                value = getattr(part, field) if getattr(part, field) is not None else getattr(ind, field)
                for piece in re.split(r"[，；]", value):
                    assert piece in c.body, (ind.number, field, value)


def test_rural_sewage_indicator_chunk_reads_as_a_sentence(chunks):
    c = next(c for c in chunks if c.kind == "indicator" and c.ref == 30)
    for fact in ("农村生活污水治理率", "25.6", "100", "≥50", "不达标", "参考性", "生态生活"):
        assert fact in c.body
    assert "2020" in c.body and "2025" in c.body and "2030" in c.body


def test_odd_status_indicator_chunk_quotes_the_cell(chunks):
    c = next(c for c in chunks if c.kind == "indicator" and c.ref == 34)
    assert "城镇新建绿色建筑比例" in c.body and "98.4" in c.body
    assert "不达标" not in c.body


def test_multi_part_indicator_chunk_names_every_part(chunks):
    c = next(c for c in chunks if c.kind == "indicator" and c.ref == 12)
    for name in ("国家重点保护野生动植物保护率", "外来物种入侵", "特有性或指示性水生物种保持率", "不明显"):
        assert name in c.body


def test_one_chunk_per_project(plan, chunks):
    prs = [c for c in chunks if c.kind == "project"]
    assert [c.ref for c in prs] == list(range(1, 89))
    for c, pr in zip(prs, plan.projects, strict=True):
        assert (c.line_start, c.line_end) == (pr.line_start, pr.line_end)
        assert pr.name in c.text and pr.years_raw in c.body
        assert pr.category in c.body and pr.subcategory in c.body
        assert all(o in c.body for o in pr.owners)
        assert CJK.search(c.body) and c.body.endswith("。")
        if pr.investment is not None:
            assert f"{pr.investment:.2f}".rstrip("0").rstrip(".") in c.body.replace(",", ""), pr.number


@pytest.mark.parametrize("number, facts", [
    (11, ["溧阳市中河、北河整治工程", "149000", "2021-2023", "溧阳市人民政府"]),
    (52, ["分布式光伏发电设施建设工程", "15MW", "1200", "天宁区人民政府"]),
])
def test_project_chunk_contains_its_values(chunks, number, facts):
    c = next(c for c in chunks if c.kind == "project" and c.ref == number)
    for fact in facts:
        assert fact in c.body.replace(",", "")


def test_project_without_investment_says_so(chunks):
    c = next(c for c in chunks if c.kind == "project" and c.ref == 3)
    assert "绿色制造先进典型培育" in c.body
    assert "/" in c.body or "未列" in c.body
    assert not re.search(r"投资\D{0,6}0万元", c.body)
