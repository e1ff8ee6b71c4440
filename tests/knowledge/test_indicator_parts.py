"""Multi-part indicator rows (表1 rows 7, 8, 12, 13, 17, 26, 37) read as one line per part, with the cells
the table gives once for the whole row labelled 各分项共用 once; follow-ups answer the asked year per part."""
from __future__ import annotations

import pytest

from knowledge.records import indicator_focus, indicator_text

MULTI = (7, 8, 12, 13, 17, 26, 37)


def _ind(plan, number):
    return next(i for i in plan.indicators if i.number == number)


def _bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("· ")]


def test_air_quality_gives_each_part_its_own_value_and_target(plan):
    lines = _bullets(indicator_text(_ind(plan, 7)))
    good_days = next(line for line in lines if line.startswith("· 优良天数比例："))
    pm25 = next(line for line in lines if line.startswith("· PM2.5浓度下降幅度："))
    assert "80.3%" in good_days and "80.5%" in good_days and "0.2个百分点" in good_days
    assert "80.3" not in pm25 and "14.9%" in pm25 and "35μg" in pm25
    assert "35μg" not in good_days


def test_water_quality_parts_and_the_shared_cells_once(plan):
    text = indicator_text(_ind(plan, 8))
    lines = _bullets(text)
    assert len(lines) == 4
    assert "84.4%" in lines[0] and "92.2%" in lines[0]
    assert "全面消除" in lines[2] and "84.4" not in lines[2]
    assert lines[3].startswith("· 各分项共用：") and text.count("各分项共用") == 1


@pytest.mark.parametrize("number", MULTI)
def test_every_part_gets_a_line_and_shared_cells_are_labelled_once(plan, number):
    ind = _ind(plan, number)
    text = indicator_text(ind)
    assert text.count("各分项共用") <= 1
    for part in ind.parts:
        assert part.name in text


@pytest.mark.parametrize("year", [2025, 2030])
def test_follow_up_on_a_year_answers_per_part(plan, year):
    text = indicator_focus(_ind(plan, 8), year, False)
    assert text.count("各分项共用") <= 1
    assert len(_bullets(text)) == 3                           # one line per part
    if year == 2025:
        assert "92.2%" in _bullets(text)[0] and "2030年" not in text
    else:
        assert "各分项共用：2030年目标值" in text and "2025年" not in text
        assert "84.4%" in _bullets(text)[0]                    # the part's own 2020 value, not the whole cell


def test_follow_up_on_status_labels_the_shared_status_once(plan):
    text = indicator_focus(_ind(plan, 7), None, True)
    assert text.count("达标情况") == 1 and "各分项共用：达标情况：达标" in text


def test_single_rows_read_as_before(plan):
    text = indicator_focus(_ind(plan, 3), 2030, False)
    assert text.startswith("【指标3】生态文明建设工作占党政实绩考核的比例：2030年目标值25%")
    assert "各分项共用" not in indicator_text(_ind(plan, 3))
