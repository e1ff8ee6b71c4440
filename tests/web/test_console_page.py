"""The operator console in headless Chromium, on the web chat's server in front of the session's real Rasa and
action servers (one complaint store): sign-in, a wrong token, a report filed in the chat whose status change the
citizen then sees in the chat, the CSV export."""
from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.web.test_web_page import ask, open_page, turn_text

TOKEN = "browser-console-token"


@pytest.fixture(scope="module")
def site(bot, stack, web_factory):
    """The web chat with its console, on the complaint store the session's action server writes."""
    return web_factory(bot, OPERATOR_TOKEN=TOKEN, COMPLAINTS_DB=str(stack.db))


def sign_in(page, url: str, token: str = TOKEN, name: str = "测试员") -> None:
    """Sign in afresh (a session left from another test is dropped first)."""
    page.get(url + "/admin/login")           # WebDriver deletes only the cookies the current page can see
    page.delete_all_cookies()
    page.get(url + "/admin/reports")
    WebDriverWait(page, 20).until(lambda d: "/admin/login" in d.current_url)
    page.find_element(By.NAME, "operator").send_keys(name)
    page.find_element(By.NAME, "token").send_keys(token)
    # A marker on the old document, gone once the answer to the sign-in has loaded (staleness_of on the old page
    # raced the navigation in Chromium 156: "Node with given id does not belong to the document").
    page.execute_script("window.signInPending = true")
    page.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(page, 20, ignored_exceptions=(WebDriverException,)).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && window.signInPending === undefined"))


def test_wrong_token_is_refused_and_the_right_one_opens_the_queue(page, site, shoot):
    sign_in(page, site.url, token="not-the-token")
    error = WebDriverWait(page, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".error"))[0]
    assert "令牌不正确" in error.text
    assert page.find_element(By.NAME, "operator").get_attribute("value") == "测试员"     # kept
    shoot("10-console-wrong-token")
    sign_in(page, site.url)
    WebDriverWait(page, 20).until(lambda d: d.current_url.endswith("/admin/reports"))
    assert page.find_element(By.TAG_NAME, "h1").text == "举报"
    assert page.find_element(By.ID, "reports")
    cookie = page.get_cookie("console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"


def test_status_change_reaches_the_citizen_in_the_chat(page, site, shoot):
    open_page(page, site.url)                                   # a citizen files a report in the chat
    ask(page, "我要举报，昨晚有工厂冒黑烟")
    ask(page, "武进区湖塘镇长虹路")
    ask(page, "烟囱一直冒黑烟，气味很刺鼻")
    ask(page, "13812345678")
    page.find_element(By.XPATH, "//div[@class='buttons']/button[text()='确认提交']").click()
    WebDriverWait(page, 120).until(lambda d: re.search(r"CZ-\d{8}-[A-Z0-9]{4}", turn_text(
        d.find_elements(By.CSS_SELECTOR, "#log > .turn")[-1]) or ""))
    number = re.search(r"CZ-\d{8}-[A-Z0-9]{4}", turn_text(page.find_elements(By.CSS_SELECTOR, "#log > .turn")[-1]))[0]

    sign_in(page, site.url, name="李科长")                      # the operator moves it on
    page.get(f"{site.url}/admin/reports/{number}")
    assert page.find_element(By.ID, "status").text == "已受理"
    assert "138****5678" in page.find_element(By.ID, "contact").text
    Select(page.find_element(By.NAME, "status")).select_by_visible_text("已办结")
    page.find_element(By.NAME, "note").send_keys("已责令企业停产整改")
    page.find_element(By.CSS_SELECTOR, "#status-form button").click()
    WebDriverWait(page, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda d: d.find_element(By.ID, "status").text == "已办结")
    assert "已办结" in page.find_element(By.CSS_SELECTOR, ".flash").text
    shoot("11-console-status-changed")

    page.get(site.url + "/")                                    # the citizen comes back in the same browser
    WebDriverWait(page, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .msg.notice"))
    notice = page.find_element(By.CSS_SELECTOR, "#log .msg.notice").text
    assert notice == f"您的举报 {number} 已办结：已责令企业停产整改"
    shoot("12-chat-shows-the-notice")
    page.refresh()                                              # shown once
    WebDriverWait(page, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .turn .buttons button"))
    assert not page.find_elements(By.CSS_SELECTOR, "#log .msg.notice")

    sign_in(page, site.url, name="李科长")
    page.get(f"{site.url}/admin/reports/{number}")
    assert "已送达（网页对话" in page.find_element(By.CSS_SELECTOR, ".notices").text
    page.find_element(By.ID, "reveal").click()
    WebDriverWait(page, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda d: "13812345678" in d.find_element(By.ID, "contact").text)
    page.get(f"{site.url}/admin/audit")
    audit = page.find_element(By.ID, "audit").text
    assert "李科长" in audit and "查看联系方式" in audit and "已办结：已责令企业停产整改" in audit


def test_csv_export_link_downloads_the_filtered_reports(page, site):
    sign_in(page, site.url)
    page.get(site.url + "/admin/reports")
    Select(page.find_element(By.NAME, "type")).select_by_visible_text("大气")
    page.find_element(By.CSS_SELECTOR, ".filters button").click()
    WebDriverWait(page, 20).until(lambda d: "type=" in d.current_url)
    total = int(page.find_element(By.ID, "total").text)
    href = page.find_element(By.ID, "csv").get_attribute("href")
    assert "type=" in href
    cookies = {c["name"]: c["value"] for c in page.get_cookies()}
    r = requests.get(href, cookies=cookies, timeout=30)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert total >= 1 and len(rows) == total + 1 and {row[1] for row in rows[1:]} == {"大气"}
    assert "13812345678" not in r.text
    assert requests.get(href, timeout=30, allow_redirects=False).status_code == 303     # not without the session


def test_insight_page_shows_what_citizens_found_unhelpful_and_the_report_counts(page, site, shoot):
    page.get_log("browser")                                 # start with an empty console
    open_page(page, site.url)
    question = "城镇污水处理率是多少"
    turn = ask(page, question)
    turn.find_element(By.XPATH, ".//div[@class='feedback']/button[text()='没帮助']").click()
    WebDriverWait(page, 20).until(lambda d: "谢谢" in turn.find_element(By.CSS_SELECTOR, ".feedback .note").text)
    sign_in(page, site.url)
    page.get(site.url + "/admin/insight")
    rows = [r.text for r in page.find_elements(By.CSS_SELECTOR, "#questions tbody tr")]
    assert any(r.startswith(question) for r in rows), rows
    types = page.find_element(By.ID, "by-type")
    labels = types.get_attribute("data-labels").split(",")
    values = [int(v) for v in types.get_attribute("data-values").split(",")]
    assert "大气" in labels and values[labels.index("大气")] >= 1            # the report filed in the chat
    assert len(types.find_elements(By.TAG_NAME, "rect")) == len(labels)
    assert len(page.find_element(By.ID, "refusal-share").get_attribute("data-values").split(",")) == 30
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []
    shoot("13-console-insight")
