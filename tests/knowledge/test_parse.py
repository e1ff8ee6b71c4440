"""The parser reads the plan faithfully: Table 1 (41 indicators), the annex table (88 projects), prose.

Every fact asserted here was checked by hand against
knowledge/source/changzhou-eco-civilization-plan-2021-2030.txt (line numbers in comments).
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from .conftest import SHARED_SOURCE, SOURCE

# Table 1, 达标情况 column (lines 59–657): rows whose status cell says 不达标.
UNMET = {1, 22, 28, 30, 33, 35}
# Annex table (lines 930–): rows whose 投资匡算 cell is "/".
NO_INVESTMENT = {3, 8, 10, 31, 46, 47, 73, 76, 77, 80, 81, 82, 83, 84, 85, 86, 87, 88}


def _ind(plan, number):
    found = [i for i in plan.indicators if i.number == number]
    assert len(found) == 1, f"indicator {number} appears {len(found)} times"
    return found[0]


def _proj(plan, number):
    found = [p for p in plan.projects if p.number == number]
    assert len(found) == 1, f"project {number} appears {len(found)} times"
    return found[0]


def _part_names(ind):
    return [p.name for p in ind.parts]


# ---- source file -----------------------------------------------------------------------------

def test_source_is_byte_identical_to_the_published_copy():
    if not SHARED_SOURCE.exists():
        pytest.skip(f"{SHARED_SOURCE} not present on this machine")
    assert SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


# ---- indicators (表1) ------------------------------------------------------------------------

def test_41_indicators_numbered_1_to_41(plan):
    assert [i.number for i in plan.indicators] == list(range(1, 42))


def test_exactly_six_indicators_unmet(plan):
    unmet = {i.number for i in plan.indicators if i.status == "不达标"}
    assert unmet == UNMET


def test_rural_sewage_indicator_values(plan):
    ind = _ind(plan, 30)
    assert ind.name == "农村生活污水治理率"
    assert ind.unit == "%"
    assert ind.standard == "≥50"
    assert ind.attribute == "参考性"
    assert (ind.value_2020, ind.target_2025, ind.target_2030) == ("25.6", "100", "100")
    assert ind.status == "不达标"
    assert ind.domain == "生态生活"
    assert ind.task == "（八）人居环境改善"


def test_odd_status_cell_is_kept_raw(plan):
    # Row 34 城镇新建绿色建筑比例: the 达标情况 cell holds "100" (line ~593), not a status word.
    ind = _ind(plan, 34)
    assert ind.name == "城镇新建绿色建筑比例"
    assert ind.status is None
    assert ind.status_raw == "100"
    assert ind.value_2020 == "98.4"


@pytest.mark.parametrize("number", [2, 3, 4, 5, 14, 15, 29, 38, 39, 40, 41])
def test_met_indicators_say_met(plan, number):
    assert _ind(plan, number).status == "达标"


@pytest.mark.parametrize("number", [9, 13, 18, 25, 27])
def test_not_applicable_indicators_have_dash_status(plan, number):
    assert _ind(plan, number).status == "—"


def test_cells_split_over_lines_are_joined(plan):
    assert _ind(plan, 2).name == "党委政府对生态文明建设重大目标任务部署情况"
    assert _ind(plan, 6).name == "依法开展规划环境影响评价"
    assert _ind(plan, 31).name == "城镇生活垃圾无害化处理率"
    assert _ind(plan, 28).name == "集中式饮用水水源地水质优良比例"
    assert _ind(plan, 20).task == "（六）资源节约与利用"
    assert _ind(plan, 21).unit == "立方米/万元"


def test_merged_domain_and_task_cells_are_carried_forward(plan):
    for n in range(1, 7):
        assert _ind(plan, n).domain == "生态制度"
        assert _ind(plan, n).task == "（一）目标责任体系与制度建设"
    assert _ind(plan, 8).domain == "生态安全"
    assert _ind(plan, 8).task == "（二）生态环境质量改善"
    assert _ind(plan, 16).task == "（四）生态环境风险防范"
    assert _ind(plan, 33).domain == "生态生活"
    assert _ind(plan, 41).domain == "生态文化"
    assert _ind(plan, 41).task == "（十）观念意识普及"
    assert Counter(i.domain for i in plan.indicators) == {
        "生态制度": 6, "生态安全": 10, "生态空间": 3, "生态经济": 8, "生态生活": 11, "生态文化": 3}


@pytest.mark.parametrize("number, name, parts", [
    (7, "环境空气质量", ["优良天数比例", "PM2.5浓度下降幅度"]),
    (8, "水环境质量", ["水质达到或优于III类比例提高幅度", "劣V类水体比例下降幅度", "黑臭水体消除比例"]),
    (12, "生物多样性保护", ["国家重点保护野生动植物保护率", "外来物种入侵", "特有性或指示性水生物种保持率"]),
    (13, "海岸生态修复", ["自然岸线修复长度", "滨海湿地修复面积"]),
    (17, "自然生态空间", ["生态保护红线", "自然保护地"]),
    (26, "一般工业固体废物综合利用率提高幅度", ["综合利用率≤60%的地区", "综合利用率＞60%的地区"]),
    (37, "绿色产品市场占有率", ["节能家电市场占有率", "在售用水器具中节水型器具占比", "一次性消费品人均使用量"]),
])
def test_multi_part_indicators_have_parts(plan, number, name, parts):
    ind = _ind(plan, number)
    assert ind.name == name
    assert _part_names(ind) == parts


def test_only_multi_part_rows_have_parts(plan):
    assert {i.number for i in plan.indicators if i.parts} == {7, 8, 12, 13, 17, 26, 37}


def test_multi_part_values_are_split_per_part_where_the_table_has_one_line_each(plan):
    bio = {p.name: p for p in _ind(plan, 12).parts}
    assert bio["国家重点保护野生动植物保护率"].standard == "≥95"
    assert bio["外来物种入侵"].standard == "不明显"
    assert bio["特有性或指示性水生物种保持率"].standard == "不降低"
    assert [p.unit for p in _ind(plan, 12).parts] == ["%", "-", "%"]
    green = {p.name: p for p in _ind(plan, 37).parts}
    assert green["一次性消费品人均使用量"].unit == "千克"
    assert green["一次性消费品人均使用量"].target_2030 == "逐步下降"
    assert green["节能家电市场占有率"].target_2025 == "≥50"
    assert [p.unit for p in _ind(plan, 13).parts] == ["公里", "公顷"]


def test_wrapped_multi_part_values_are_not_attributed_to_the_wrong_part(plan):
    # Line 22: "达到或优于Ⅲ类标准的比例为84.4%" and "空气质量优良率80.3%" — those belong to one part only.
    # The wrapped cells cannot be split per part, so no part gets a value of its own (None) and the
    # row keeps the whole cell once.
    water = {p.name: p for p in _ind(plan, 8).parts}
    assert "84.4" not in (water["黑臭水体消除比例"].value_2020 or "")
    assert "84.4" in _ind(plan, 8).value_2020 and "全面消除" in _ind(plan, 8).value_2020
    air = {p.name: p for p in _ind(plan, 7).parts}
    assert "80.3" not in (air["PM2.5浓度下降幅度"].value_2020 or "")
    assert "80.3" in _ind(plan, 7).value_2020


def test_no_bookmark_markers_anywhere(plan):
    blob = repr(plan.to_dict())
    assert "[bookmark" not in blob
    assert _ind(plan, 27).name == "规模以上工业战略性新兴产业产值占规模以上工业总产值比重"


# ---- projects (附表) -------------------------------------------------------------------------

def test_88_projects_numbered_1_to_88(plan):
    assert [p.number for p in plan.projects] == list(range(1, 89))


def test_investments_sum_to_the_table_total(plan):
    total = round(sum(p.investment or 0 for p in plan.projects), 2)
    assert total == 3309473.59
    assert plan.total_investment is not None
    assert round(plan.total_investment, 2) == 3309473.59
    assert total == round(plan.total_investment, 2)


def test_slash_investment_is_none(plan):
    assert _proj(plan, 3).investment is None
    assert {p.number for p in plan.projects if p.investment is None} == NO_INVESTMENT


@pytest.mark.parametrize("number, investment", [(1, 4600), (2, 24000), (11, 149000), (15, 25000),
                                                (34, 15000), (51, 108000), (52, 1200)])
def test_project_investments(plan, number, investment):
    assert _proj(plan, number).investment == investment


def test_subcategory_carried_forward(plan):
    assert _proj(plan, 1).subcategory == "蓝天保卫行动工程"
    assert _proj(plan, 2).subcategory == "蓝天保卫行动工程"
    assert _proj(plan, 8).subcategory == "城乡净土地下水保卫行动工程"
    assert _proj(plan, 12).subcategory == "水环境综合治理工程"


def test_blank_project_name_carries_forward(plan):
    assert _proj(plan, 51).name == "分布式光伏发电设施建设工程"
    assert _proj(plan, 52).name == "分布式光伏发电设施建设工程"
    assert "15MW" in _proj(plan, 52).content
    assert _proj(plan, 52).owners == ["天宁区人民政府"]


def test_project_cells_joined_and_split(plan):
    assert _proj(plan, 15).name == "长荡湖退渔还湿工程（溧阳段）"
    assert _proj(plan, 5).owners == ["省级以上园区管委会"]
    assert _proj(plan, 9).owners == ["新北区人民政府", "金坛区人民政府"]
    p12 = _proj(plan, 12)
    assert (p12.start_year, p12.end_year, p12.years_raw) == (2020, 2022, "2020-2022")
    assert _proj(plan, 34).category == "生态空间类"    # number cell carries a bookmark in the source


def test_category_counts(plan):
    assert Counter(p.category for p in plan.projects) == {
        "生态安全类": 24, "生态空间类": 21, "生态经济类": 14, "生态生活类": 13, "生态制度类": 9, "生态文化类": 7}


@pytest.mark.parametrize("category, yi", [("生态安全类", 104.3), ("生态空间类", 14.1), ("生态经济类", 47.6),
                                          ("生态生活类", 113.7), ("生态文化类", 51.3)])
def test_category_investments_match_the_prose(plan, category, yi):
    # Line 908: "生态安全建设工程24项，投资104.3亿元；生态空间保护工程21项，投资14.1亿元；…"
    total = sum(p.investment or 0 for p in plan.projects if p.category == category)
    assert round(total / 10000, 1) == yi


# ---- prose -----------------------------------------------------------------------------------

def test_no_paragraph_contains_bookmark(plan):
    assert plan.paragraphs
    assert not [p for p in plan.paragraphs if "[bookmark" in p.text]


def test_paragraph_line_numbers_point_at_their_text(plan, source_lines):
    for para in plan.paragraphs:
        assert 1 <= para.line_start <= para.line_end <= len(source_lines)
        raw = " ".join(source_lines[para.line_start - 1:para.line_end])
        cleaned = re.sub(r"\[bookmark: [^\]]*\]", "", raw).strip()
        assert cleaned == para.text, f"line {para.line_start}"


def test_light_plate_paragraph_heading_path(plan, source_lines):
    found = [p for p in plan.paragraphs if "光盘行动" in p.text]
    assert len(found) == 1
    para = found[0]
    assert para.path[0].startswith("七、")
    assert para.path[1].startswith("（四）绿色生活方式")
    assert "光盘行动" in source_lines[para.line_start - 1]


def test_headings_are_not_paragraphs(plan):
    texts = {p.text for p in plan.paragraphs}
    assert "（四）绿色生活方式" not in texts
    assert not any(re.match(r"^[一二三四五六七八九十]+、", t) and len(t) < 40 for t in texts)


def test_paragraphs_have_heading_paths(plan):
    with_path = [p for p in plan.paragraphs if p.path]
    assert len(with_path) >= 0.95 * len(plan.paragraphs)
    infra = [p for p in plan.paragraphs if "累计新建污水主管网达1279公里" in p.text]
    assert len(infra) == 1 and infra[0].path[0].startswith("一、")
    assert infra[0].path[-1] == "5. 生态生活环境日益宜居"


def test_table_cells_are_not_paragraphs(plan):
    spans = [(r.line_start, r.line_end) for r in [*plan.indicators, *plan.projects]]
    for para in plan.paragraphs:
        assert not any(a <= para.line_start <= b for a, b in spans), para.text[:30]
