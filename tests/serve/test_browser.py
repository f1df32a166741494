"""A real browser (Debian's chromium, driven by selenium through /usr/bin/chromedriver) on `recovery-tui serve --lab`.

Nothing downloads a browser or a driver: the test uses the system's chromium and chromedriver
(`.ci/run` installs them with apt) and is skipped, saying why, only where they are missing.
The terminal is drawn on a canvas, so what it shows is read from the bytes its websocket
receives (a tap installed before the page's own script runs); the screenshot shows the pixels.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from serve_helpers import plain

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=900,700")
TAP = """(() => {
  const Original = window.WebSocket; const decoder = new TextDecoder(); window.__terminal = "";
  class Tap extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (e.data instanceof ArrayBuffer) window.__terminal += decoder.decode(new Uint8Array(e.data), {stream: true});
      });
    }
  }
  window.WebSocket = Tap;
})();"""


def _missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"no browser: {CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
    if not Path(CHROMEDRIVER).exists():
        return f"no driver: {CHROMEDRIVER} is not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return ""


pytestmark = [pytest.mark.skipif(bool(_missing()), reason=_missing() or "browser available"),
              pytest.mark.slow]  # a served wizard in a real browser


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="recovery-tui-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TAP})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screen_text(driver: Any) -> str:
    return plain(driver.execute_script("return window.__terminal || ''"))


def wait_screen(driver: Any, text: str, timeout: float = 90.0, *, after: str = "") -> str:
    """Wait (bounded) until the terminal received `text` (after the first `after`, if given)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = screen_text(driver)
        tail = shown[shown.find(after):] if after and after in shown else ("" if after else shown)
        if text in tail:
            return shown
        assert time.monotonic() < deadline, f"{text!r} never shown; last text: {shown[-600:]!r}"
        time.sleep(0.05)


def requested_urls(driver: Any) -> set[str]:
    urls = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.add(message["params"]["url"])
    return {u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))}


def test_served_wizard_in_chromium_reaches_targets(served, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    s = served("--lab", "--token")
    browser.get(f"{s.url}?token={s.token}")
    wait_screen(browser, "Step 1 of 7")
    box = browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
    wait_screen(browser, "⇄ data")  # the focus starts on the bucket list: enter picks the listed bucket
    box.send_keys(Keys.ENTER)
    shown = wait_screen(browser, "Step 2 of 7")
    shown = wait_screen(browser, "Endpoint")
    assert re.search(r"Endpoint\s+127\.0\.0\.1:\d+ \(alias target\)", shown), shown[-800:]
    wait_screen(browser, "Reload", after="Step 2 of 7")  # this screen's footer: the whole screen has arrived
    # let the canvas paint the last frame before the screenshot (two animation frames)
    browser.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));")
    out = tmp_path / "browser-targets.png"  # a test run never rewrites the repository's screenshots/
    assert browser.save_screenshot(str(out)) and out.stat().st_size > 10_000
    # air-gapped: every request went to this server
    origin = s.url.rstrip("/").replace("http://", "")
    foreign = {u for u in requested_urls(browser) if origin not in u}
    assert foreign == set(), foreign
