"""Fixtures for the web chat: scripts/web.py started per need, and one headless Chromium per session.

`web` is the page served in front of the real Rasa server of the `bot` fixture (tests/conftest.py);
`web_factory` starts more web servers (e.g. one pointed at a dead Rasa port). Chromium and chromedriver
come from Debian (`make browser`); nothing is downloaded. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import ROOT, free_port, start, stop, wait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class WebServer:
    url: str
    feedback_db: Path
    proc: object

    def feedback_rows(self) -> list[tuple]:
        if not self.feedback_db.exists():
            return []
        with sqlite3.connect(self.feedback_db) as db:
            return db.execute("SELECT sender, question, answer, helpful FROM feedback ORDER BY id").fetchall()

    def stop(self) -> None:
        stop(self.proc)


@pytest.fixture(scope="session")
def web_factory(tmp_path_factory):
    """start(rasa_url, **settings) → a running scripts/web.py in front of that Rasa URL, with its own feedback
    folder (settings: more environment, e.g. OPERATOR_TOKEN and COMPLAINTS_DB for the console)."""
    procs = []

    def _start(rasa_url: str, **settings: str) -> WebServer:
        tmp = tmp_path_factory.mktemp("web")
        port = free_port()
        env = {**os.environ, "WEB_PORT": str(port), "WEB_HOST": "127.0.0.1", "RASA_URL": rasa_url,
               "FEEDBACK_DIR": str(tmp / "feedback"), "RASA_TIMEOUT": "120", **settings}
        log = tmp / "web.log"
        proc = start([sys.executable, str(ROOT / "scripts" / "web.py")], log, env)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait(f"{url}/health", proc, log, timeout=30)
        return WebServer(url, tmp / "feedback" / "feedback.sqlite3", proc)

    yield _start
    for proc in procs:
        stop(proc)


@pytest.fixture(scope="session")
def web(bot, web_factory) -> WebServer:
    """The web chat in front of the session's real Rasa server."""
    return web_factory(bot)


@pytest.fixture(scope="session")
def dead_rasa_url() -> str:
    return f"http://127.0.0.1:{free_port()}"     # nothing listens there


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian, driven by Debian's chromedriver through Selenium."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} missing: run `make browser` (make test does it)")
    os.environ.setdefault("SE_OFFLINE", "true")        # Selenium Manager must never download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,900", "--lang=zh-CN"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    """The browser at desktop size, no device emulation left over from another test."""
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def shoot(browser):
    """shoot(name) saves a screenshot of the browser to test-artifacts/<name>.png."""
    def _shoot(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        browser.save_screenshot(str(path))
        return path
    return _shoot
