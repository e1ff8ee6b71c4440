"""action_project_info against the real knowledge index."""
from __future__ import annotations

from actions.projects import ActionProjectInfo
from tests.action_runner import run_action


def run(text, entities=()):
    return run_action(ActionProjectInfo(), text, "ask_project", entities)[0]


def test_project_by_name_with_years_and_investment():
    msgs = run("长荡湖退渔还湿工程投资多少", [("project", "长荡湖退渔还湿工程（溧阳段）")])
    text = msgs[0]["text"]
    assert "长荡湖退渔还湿工程" in text and "25000万元" in text and "2022-2023" in text
    assert msgs[0]["custom"]["confident"] is True and msgs[0]["custom"]["sources"]


def test_projects_by_district():
    msgs = run("溧阳有哪些重点工程", [("district", "溧阳")])
    assert "溧阳" in msgs[0]["text"] and "共10项" in msgs[0]["text"]


def test_projects_by_owner():
    msgs = run("市生态环境局负责哪些项目")
    head = msgs[0]["text"].splitlines()[0]
    assert "责任主体" in head and "市生态环境局" in head and "工业“绿岛”建设项目" in msgs[0]["text"]


def test_projects_by_category():
    msgs = run("生态空间类项目有哪些")
    assert "生态空间类的重点工程共21项" in msgs[0]["text"]


def test_projects_by_subcategory_named_in_full():
    """The subcategory's name starts with a category's (生态安全): its 8 projects, not the category's 24."""
    msgs = run("生态安全缓冲区建设工程都有哪些")
    assert "“生态安全缓冲区建设工程”类的重点工程共8项" in msgs[0]["text"]


def test_totals():
    msgs = run("重点工程总投资多少")
    text = msgs[0]["text"]
    assert "88项" in text and "3309473.59万元" in text


def test_another_city_is_refused_not_answered_with_changzhous_table():
    for text, entities in (("南京的生态绿城深化工程投资多少", [("project", "生态绿城深化工程")]),
                           ("苏州重点工程总投资多少", [])):
        msgs = run(text, entities)
        assert msgs[0]["custom"]["confident"] is False and "只涉及常州" in msgs[0]["text"]
        assert "万元" not in msgs[0]["text"]


def test_a_project_the_appendix_does_not_list_is_not_answered_with_other_projects():
    """No record or total stands in for a project the plan does not have: the citizen is told plainly."""
    for text, entities in (("恐龙园扩建项目哪年开工", []), ("青果巷改造工程啥时候完工", [("project", "改造工程")])):
        msgs = run(text, entities)
        assert msgs[0]["custom"]["confident"] is False
        assert "万元" not in msgs[0]["text"]          # no record, list or total
