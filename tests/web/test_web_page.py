"""The web chat in a real headless Chromium against the real Rasa and action servers."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ANSWER_TIMEOUT = 120
RURAL = "农村生活污水治理率现在多少"


def open_page(driver, url: str, fresh: bool = True) -> None:
    driver.get(url + "/")
    if fresh:                                   # a new sender id: a conversation of its own
        driver.execute_script("window.localStorage.clear()")
        driver.get(url + "/")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#log .turn .buttons button"))


def ask(driver, text: str):
    """Type a question, send it with Enter, and return the bot turn that answers it."""
    before = len(driver.find_elements(By.CSS_SELECTOR, "#log > .turn, #log > .msg.error"))
    box = driver.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    WebDriverWait(driver, ANSWER_TIMEOUT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > .turn, #log > .msg.error")) > before)
    return driver.find_elements(By.CSS_SELECTOR, "#log > .turn, #log > .msg.error")[-1]


def turn_text(turn) -> str:
    return "\n".join(b.get_attribute("textContent") for b in turn.find_elements(By.CSS_SELECTOR, ".msg.bot"))


def test_page_loads_in_chinese(page, web, shoot):
    open_page(page, web.url)
    assert page.title == "常州生态文明规划 市民助手"
    assert page.find_element(By.TAG_NAME, "h1").text == "常州生态文明规划 市民助手"
    assert page.find_element(By.ID, "input").is_enabled()
    sender = page.execute_script("return window.localStorage.getItem('eco-chat-sender')")
    assert sender and sender.startswith("web-")
    page.refresh()
    assert page.execute_script("return window.localStorage.getItem('eco-chat-sender')") == sender
    shoot("01-welcome")


def test_indicator_answer_with_sources_and_chart(page, web, shoot):
    page.get_log("browser")                                 # start with an empty console
    open_page(page, web.url)
    turn = ask(page, RURAL)
    text = turn_text(turn)
    assert "25.6" in text and "不达标" in text
    details = turn.find_element(By.CSS_SELECTOR, "details.sources")
    summary = details.find_element(By.TAG_NAME, "summary")
    assert summary.text.startswith("出处")
    assert details.get_attribute("open") is None          # collapsed until clicked
    summary.click()
    titles = [t.text for t in details.find_elements(By.CSS_SELECTOR, ".src-title")]
    assert titles and any("表1" in t for t in titles), titles
    svg = turn.find_element(By.CSS_SELECTOR, ".chart svg")
    assert svg.get_attribute("data-values") == "25.6,100,100"
    labels = [t.get_attribute("textContent") for t in svg.find_elements(By.TAG_NAME, "text")]
    for want in ("2020年现状", "2025年目标", "2030年目标", "25.6%", "100%"):
        assert want in labels, labels
    assert len(svg.find_elements(By.TAG_NAME, "rect")) == 3
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []
    shoot("02-indicator-answer")


def test_button_click_sends_its_payload(page, web):
    open_page(page, web.url)
    before = len(page.find_elements(By.CSS_SELECTOR, "#log > .turn"))
    page.find_element(By.XPATH, "//div[@class='buttons']/button[text()='哪些指标还没达标']").click()
    WebDriverWait(page, ANSWER_TIMEOUT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > .turn")) > before)
    turn = page.find_elements(By.CSS_SELECTOR, "#log > .turn")[-1]
    assert "未达标" in turn_text(turn)
    users = page.find_elements(By.CSS_SELECTOR, "#log > .msg.user")
    assert users[-1].text == "哪些指标还没达标"


def test_out_of_scope_question_is_refused(page, web, shoot):
    open_page(page, web.url)
    turn = ask(page, "明天常州天气怎么样")
    text = turn_text(turn)
    assert "没有" in text or "抱歉" in text, text
    for summary in turn.find_elements(By.CSS_SELECTOR, "details.sources summary"):
        assert not summary.get_attribute("textContent").startswith("出处")
    assert not turn.find_elements(By.CSS_SELECTOR, ".chart")
    shoot("03-refusal")


def test_markup_in_messages_is_shown_as_text(page, web, shoot):
    open_page(page, web.url)
    attack = "<img src=x onerror=window.__xss=1>"
    ask(page, attack)
    user = page.find_elements(By.CSS_SELECTOR, "#log > .msg.user")[-1]
    assert user.get_attribute("textContent") == attack
    assert not page.find_elements(By.CSS_SELECTOR, "#log img")
    assert page.execute_script("return typeof window.__xss") == "undefined"
    shoot("04-markup-as-text")


def test_helpful_vote_is_stored(page, web):
    open_page(page, web.url)
    turn = ask(page, RURAL)
    rows_before = len(web.feedback_rows())
    turn.find_element(By.XPATH, ".//div[@class='feedback']/button[text()='有帮助']").click()
    WebDriverWait(page, 20).until(lambda d: "谢谢" in turn.find_element(By.CSS_SELECTOR, ".feedback .note").text)
    rows = web.feedback_rows()
    assert len(rows) == rows_before + 1
    sender, question, answer, helpful = rows[-1]
    assert question == RURAL and "25.6" in answer and helpful == 1
    assert sender == page.execute_script("return window.localStorage.getItem('eco-chat-sender')")
    assert all(b.get_attribute("disabled") for b in turn.find_elements(By.CSS_SELECTOR, ".feedback button"))


def test_phone_width_has_no_horizontal_scroll(page, web, shoot):
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                         {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    open_page(page, web.url)
    assert page.execute_script("return window.innerWidth") == 375
    ask(page, RURAL)
    ask(page, "溧阳有哪些重点工程")
    page.execute_script("document.querySelectorAll('details.sources').forEach(d => d.open = true)")
    assert page.execute_script("return document.documentElement.scrollWidth") <= 375
    assert page.execute_script("return document.body.scrollWidth") <= 375
    assert page.execute_script("return document.getElementById('log').scrollWidth") <= 375
    page.execute_script("document.querySelector('#log > .turn:nth-last-of-type(3)').scrollIntoView()")
    shoot("05-phone-375")


def test_server_unreachable_keeps_the_typed_text(page, web_factory, dead_rasa_url, shoot):
    """First Rasa is down behind a live web server (502), then the web server itself is gone."""
    server = web_factory(dead_rasa_url)
    open_page(page, server.url)
    question = "垃圾分类怎么做"
    err = ask(page, question)
    assert "连不上" in err.text, err.text
    assert page.find_element(By.ID, "input").get_attribute("value") == question
    assert page.find_element(By.ID, "input").is_enabled()
    assert "未发送" in page.find_elements(By.CSS_SELECTOR, "#log > .msg.user")[-1].text
    server.stop()
    err = ask(page, "城镇污水处理率是多少")
    assert "连不上" in err.text, err.text
    assert page.find_element(By.ID, "input").get_attribute("value") == "城镇污水处理率是多少"
    shoot("06-unreachable")


@pytest.mark.parametrize("path", ["/", "/index.html", "/chat.js", "/chat.css", "/favicon.svg"])
def test_static_files_are_local(web, path):
    import requests
    r = requests.get(web.url + path, timeout=10)
    assert r.status_code == 200
    text = r.text.replace("http://www.w3.org/2000/svg", "")      # the SVG namespace name, not a fetch
    assert "http://" not in text and "https://" not in text and "//cdn" not in text
