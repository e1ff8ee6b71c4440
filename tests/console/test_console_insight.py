"""The insight page from real stores: refused questions (logged by the store the action server writes, phone
numbers masked, kept for the retention setting) and 没帮助 votes grouped by wording, the daily share of refusals,
reports by type, district and week, sign-ups per event."""
from __future__ import annotations

import datetime as dt
import re

import requests
from sqlalchemy import create_engine, text

from actions.complaints import store
from tests.console.conftest import file_report


def svg_values(html: str, chart: str) -> list[str]:
    m = re.search(rf'<svg id="{chart}"[^>]*data-values="([^"]*)"', html, re.S)
    assert m, f"no chart {chart}"
    return m.group(1).split(",")


def group_rows(html: str) -> list[tuple[str, int]]:
    body = html.split('<table id="questions">', 1)[1].split("</table>", 1)[0]
    return [(t, int(n)) for t, n in re.findall(r'<tr><td>([^<]+)(?:<div[^>]*>[^<]*</div>)?</td>\s*<td class="count">(\d+)', body)]


def test_insight_groups_what_the_plan_cannot_answer_and_draws_the_counts(console):
    for q in ("明天常州天气怎么样", "明天常州天气怎么样？", "常州明天天气怎么样", "垃圾分类罚款多少钱"):
        store.record_question(q, refused=True)
    for q in ("农村生活污水治理率现在多少", "蓝藻怎么治理"):
        store.record_question(q, refused=False)
    vote = {"question": "垃圾分类罚款是多少钱", "answer": "……", "helpful": False, "sender": "web-x"}
    assert requests.post(console.url + "/api/feedback", json=vote, timeout=30).status_code == 201
    file_report("噪声", "新北区某工地", "新北区", "半夜施工噪音很大")
    file_report("水", "钟楼区白荡河边", "钟楼区", "河里有人偷排污水，水发黑")
    file_report("水", "武进区湖塘河", "武进区", "河面漂着很多死鱼，很臭")
    store.sign_up("cleanup-test", 10, "张三", "13900001111")

    html = console.operator().get("/admin/insight").text
    groups = group_rows(html)
    assert groups[0][0].rstrip("？") == "明天常州天气怎么样" and groups[0][1] == 3      # two wordings, 3 times
    assert ("垃圾分类罚款是多少钱", 2) in groups                      # a refusal and a 没帮助 vote of one question
    assert "农村生活污水" not in html
    share = svg_values(html, "refusal-share")
    assert share[-1] == "66.7" and len(share) == 30                  # today: 4 of 6 plan questions refused
    types = dict(zip(re.search(r'<svg id="by-type"[^>]*data-labels="([^"]*)"', html).group(1).split(","),
                     svg_values(html, "by-type"), strict=True))
    assert types == {"水": "2", "噪声": "1"}
    assert sorted(svg_values(html, "by-district")) == ["1", "1", "1"]
    assert svg_values(html, "by-week")[-1] == "3" and len(svg_values(html, "by-week")) == 12
    assert svg_values(html, "signups") == ["1"]
    assert "<script" not in html


def test_refused_question_log_has_no_phone_number_and_honours_retention(db_env, monkeypatch):
    store.record_question("我的电话13812345678，明天天气怎么样", refused=True)
    url = store.database_url()
    with create_engine(url).connect() as con:
        assert [r[0] for r in con.execute(text("select question from refused_questions"))] == \
            ["我的电话138****5678，明天天气怎么样"]
        con.execute(text("update refused_questions set asked_at = :old"), {"old": dt.datetime(2026, 1, 1)})
        con.commit()
    monkeypatch.setenv("REFUSAL_RETENTION_DAYS", "30")
    store.record_question("后天天气怎么样", refused=True)                   # writing purges what is too old
    with create_engine(url).connect() as con:
        assert [r[0] for r in con.execute(text("select question from refused_questions"))] == ["后天天气怎么样"]
        assert list(con.execute(text("select asked, refused from question_days"))) == [(2, 2)]
    monkeypatch.setenv("REFUSAL_RETENTION_DAYS", "0")                      # 0: count only, keep no text
    store.record_question("大后天天气怎么样", refused=True)
    with create_engine(url).connect() as con:
        assert list(con.execute(text("select count(*) from refused_questions"))) == [(0,)]
