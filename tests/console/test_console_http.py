"""The console over HTTP, as a browser would use it: sign-in, sessions, CSRF on every form, the report queue,
status changes with notices and audit entries, contact reveals, merges and CSV, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import re
import time

import pytest
import requests

from actions.complaints import store
from bot.console.app import ROUTES
from tests.console.conftest import TOKEN, Operator, file_report

PRIVATE = [r for r in ROUTES if not r.public]
SAMPLE = {"number": "CZ-20261128-AAAA", "id": "sample"}


def listed(html: str) -> list[str]:
    """The tracking numbers in the queue's first column, in order."""
    return re.findall(r'<tr><td><a href="/admin/reports/([A-Z0-9-]+)">', html)


def path_of(route) -> str:
    path = route.pattern.pattern.strip("^$")
    for name, value in SAMPLE.items():
        path = path.replace(f"(?P<{name}>[A-Za-z0-9-]{{1,30}})", value).replace(f"(?P<{name}>[a-z0-9-]{{1,64}})", value)
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request, console_factory, tmp_path_factory):
    """One console per database kind for the per-route checks, with one report filed as SAMPLE's number."""
    import os
    if request.param == "sqlite":
        env = {"COMPLAINTS_DB": str(tmp_path_factory.mktemp("routes") / "c.sqlite3")}
    else:
        env = {"DATABASE_URL": request.getfixturevalue("services").new_database()}
    saved = {k: os.environ.get(k) for k in ("COMPLAINTS_DB", "DATABASE_URL", "ASSISTANT_TODAY")}
    os.environ.pop("DATABASE_URL", None)
    os.environ.update({**env, "ASSISTANT_TODAY": "2026-11-28"})
    number = file_report()
    SAMPLE["number"] = number
    server = console_factory(env)
    yield server, number
    for k, v in saved.items():
        os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.mark.parametrize("route", PRIVATE, ids=[f"{r.method} {r.handler}" for r in PRIVATE])
def test_route_refuses_a_request_without_sign_in(shared, route):
    server, number = shared
    path = path_of(route)
    if route.method == "GET":
        r = requests.get(server.url + path, timeout=30, allow_redirects=False)
        assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login")
    else:
        r = requests.post(server.url + path, data={"status": "已办结", "note": "x", "into": number, "csrf": "x"},
                          timeout=30, allow_redirects=False)
        assert r.status_code == 403
    assert number not in r.text and "138" not in r.text
    forged = requests.get(server.url + path, timeout=30, allow_redirects=False,
                          cookies={"console_session": "made-up"})
    assert forged.status_code in (303, 403, 405)


@pytest.mark.parametrize("route", [r for r in PRIVATE if r.method == "POST"],
                         ids=[r.handler for r in PRIVATE if r.method == "POST"])
def test_form_without_the_csrf_token_is_refused_and_changes_nothing(shared, route):
    server, number = shared
    op = server.operator()
    before = store.find(number)
    for csrf in (None, "wrong-token"):
        data = {"status": "处理中", "note": "伪造的请求", "into": number}
        if csrf:
            data["csrf"] = csrf
        r = op.http.post(server.url + path_of(route), data=data, timeout=30, allow_redirects=False)
        assert r.status_code == 403 and "表单校验失败" in r.text
    assert [h.status for h in store.find(number).history] == [h.status for h in before.history]
    assert op.get("/admin/reports", allow_redirects=False).status_code == 200      # still signed in


def test_form_posted_from_another_site_is_refused(shared):
    server, number = shared
    op = server.operator()
    r = op.http.post(server.url + f"/admin/reports/{number}/reveal", timeout=30, allow_redirects=False,
                     data={"csrf": op.csrf(f"/admin/reports/{number}")}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "138" not in r.text


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it(console):
    op = Operator(console.url)
    r = op.try_sign_in("王五", TOKEN)
    cookie = r.headers["Set-Cookie"]
    assert r.status_code == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert op.get("/admin/reports").status_code == 200
    sid = op.http.cookies.get("console_session")
    op.post("/admin/logout", {}, form_page="/admin/reports")
    r = requests.get(console.url + "/admin/reports", cookies={"console_session": sid}, timeout=30,
                     allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login")


def test_wrong_tokens_are_rate_limited(console_factory, db_env):
    server = console_factory(db_env, CONSOLE_SIGNIN_ATTEMPTS=3, CONSOLE_SIGNIN_WINDOW=60)
    op = Operator(server.url)
    for _ in range(3):
        r = op.try_sign_in("李四", "wrong")
        assert r.status_code == 401 and "令牌不正确" in r.text
    r = op.try_sign_in("李四", TOKEN)                    # even the right token waits now
    assert r.status_code == 429 and "秒后再试" in r.text
    assert 'value="李四"' in r.text                       # what was typed is kept
    assert op.get("/admin/reports", allow_redirects=False).status_code == 303


def test_sign_in_needs_an_operator_name_and_its_own_csrf_token(console):
    op = Operator(console.url)
    r = op.try_sign_in("", TOKEN)
    assert r.status_code == 400 and "操作员" in r.text
    r = requests.post(console.url + "/admin/login", data={"operator": "x", "token": TOKEN}, timeout=30,
                      allow_redirects=False)
    assert r.status_code == 403


def test_idle_session_expires(console_factory, db_env):
    server = console_factory(db_env, CONSOLE_IDLE_MINUTES=0.03)      # 1.8 s
    op = server.operator()
    assert op.get("/admin/reports", allow_redirects=False).status_code == 200
    time.sleep(2.5)
    r = op.get("/admin/reports", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login")


def test_queue_is_newest_first_filtered_and_paged(console):
    numbers = []
    for i in range(60):
        ptype, district = ("噪声", "新北区") if i % 3 == 0 else ("水", "钟楼区")
        numbers.append(file_report(ptype, f"{district}第{i}号楼", district, f"第{i}条完全不同的描述内容{i * 7}"))
    op = console.operator()
    page1 = op.get("/admin/reports").text
    assert 'id="total">60<' in page1 and "第 1 / 2 页" in page1
    assert listed(page1) == numbers[::-1][:50]                                   # newest first
    assert listed(op.get("/admin/reports?page=2").text) == numbers[::-1][50:]
    noise = op.get("/admin/reports?type=噪声&district=新北区").text
    assert 'id="total">20<' in noise
    assert listed(noise) == [n for i, n in enumerate(numbers) if i % 3 == 0][::-1]
    store.set_status(numbers[5], "处理中", "已派单")
    assert 'id="total">1<' in op.get("/admin/reports?status=处理中").text
    assert 'id="total">0<' in op.get("/admin/reports?date_from=2026-11-29").text
    bad = op.get("/admin/reports?date_from=昨天&status=搁置").text
    assert "不是 YYYY-MM-DD" in bad and "“搁置”不存在" in bad and 'id="total">60<' in bad


def test_status_change_is_kept_with_history_notice_and_audit(console):
    number = file_report()
    op = console.operator("赵六")
    r = op.post(f"/admin/reports/{number}/status", {"status": "处理中", "note": "已派执法人员现场核查"})
    assert r.status_code == 303
    page = op.get(f"/admin/reports/{number}").text
    assert 'id="status">处理中<' in page and "已派执法人员现场核查" in page and "已改为“处理中”" in page
    assert f"您的举报 {number} 处理中：已派执法人员现场核查" in page
    r = op.post(f"/admin/reports/{number}/status", {"status": "已受理", "note": "我要改回去"})
    assert r.status_code == 400 and "退回" in r.text and "我要改回去" in r.text          # the note is kept
    r = op.post(f"/admin/reports/{number}/status", {"status": "不予受理", "note": ""})
    assert r.status_code == 400 and "必须写明理由" in r.text
    r = op.post(f"/admin/reports/{number}/status", {"status": "不予受理", "note": "不属于环保部门职责，已转12345"})
    assert r.status_code == 303 and store.find(number).status == "不予受理"
    audit = op.get("/admin/audit").text
    assert audit.count("<td>赵六</td>") == 2 and "不属于环保部门职责" in audit
    assert [h.status for h in store.find(number).history] == ["已受理", "处理中", "不予受理"]


def test_contact_is_masked_until_revealed_and_the_reveal_is_audited(console):
    number = file_report(contact="13912345678")
    op = console.operator("钱七")
    page = op.get(f"/admin/reports/{number}").text
    assert "139****5678" in page and "13912345678" not in page
    r = op.post(f"/admin/reports/{number}/reveal", {})
    assert r.status_code == 200 and "13912345678" in r.text
    assert "13912345678" not in op.get(f"/admin/reports/{number}").text                 # shown once only
    audit = op.get("/admin/audit").text
    assert "钱七" in audit and "查看联系方式" in audit and number in audit


def test_csv_export_has_every_matching_report_with_contacts_masked(console):
    water = [file_report(location=f"钟楼区{i}号", description=f"描述各不相同的第{i}条内容{i * 11}") for i in range(55)]
    noise = file_report("噪声", "新北区某工地", "新北区", "半夜施工噪音很大", contact="匿名")
    op = console.operator()
    r = op.get("/admin/reports.csv?type=水")
    assert r.headers["Content-Type"].startswith("text/csv") and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "受理编号" and {row[0] for row in rows[1:]} == set(water)      # all pages, only 水
    assert all(row[-1] == "138****5678" for row in rows[1:]) and "13812345678" not in r.text
    rows = list(csv.reader(io.StringIO(op.get("/admin/reports.csv?type=噪声").content.decode("utf-8-sig"))))
    assert [(row[0], row[-1]) for row in rows[1:]] == [(noise, "匿名")]


def test_a_report_merged_into_another_moves_with_it(console):
    first = file_report()
    second = file_report(location="钟楼区白荡河边桥下", description="河里有人偷排污水，水发黑发臭")
    assert store.find(second).similar_to == first                         # linked when filed
    op = console.operator()
    assert second in op.get(f"/admin/reports/{first}").text               # shown together
    r = op.post(f"/admin/reports/{second}/merge", {"into": second})
    assert r.status_code == 400 and "自己" in r.text
    assert op.post(f"/admin/reports/{second}/merge", {"into": first}).status_code == 303
    op.post(f"/admin/reports/{first}/status", {"status": "已办结", "note": "排污口已封堵"})
    assert store.find(second).status == "已办结"
    page = op.get(f"/admin/reports/{second}").text
    assert "已合并至" in page and f"已与 {first} 合并处理" in page and "排污口已封堵" in page
    assert "（已合并到本条）" in op.get(f"/admin/reports/{first}").text


def test_web_reporter_sees_the_notice_once(console):
    number = file_report(reporter=("rest", "web-notice-test"))
    op = console.operator()
    op.post(f"/admin/reports/{number}/status", {"status": "已办结", "note": "已责令整改"})
    notices = requests.post(console.url + "/api/notices", json={"sender": "web-notice-test"}, timeout=30).json()
    assert notices == {"notices": [f"您的举报 {number} 已办结：已责令整改"]}
    assert requests.post(console.url + "/api/notices", json={"sender": "web-notice-test"},
                         timeout=30).json() == {"notices": []}
    assert requests.post(console.url + "/api/notices", json={"sender": 5}, timeout=30).status_code == 400
    assert "已送达（网页对话" in op.get(f"/admin/reports/{number}").text
