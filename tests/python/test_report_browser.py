"""Open the rendered report in headless Chromium and check that it draws offline.

The page is opened from a file:// URL with no server. Chromium is driven over
the DevTools protocol on `--remote-debugging-pipe` (file descriptors 3 and 4,
messages separated by NUL bytes), so no websocket client is needed. The test
records every network request and console message, waits until every plotly
chart has drawn its SVG, and saves a full-page screenshot to
output/report_screenshot.png.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from scripts.report.data import load_report_data
from scripts.report.render import render_report, write_report
from test_report_data import build_sample_warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO_ROOT / "output" / "report_screenshot.png"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PAGE_TIMEOUT_SECONDS = 60
EXPECTED_CHARTS = 12


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class DevToolsPipe:
    """Minimal DevTools protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, executable: str, user_data_dir: Path) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_descriptors() -> None:
            # Chromium reads commands from fd 3 and writes replies to fd 4. The
            # pipe ends may already be 3 or 4, so they are first moved above
            # 9; dup2 onto 3 and 4 then yields inheritable copies, which
            # close_fds=False keeps open across exec. os.pipe's own
            # descriptors are close-on-exec and do not reach Chromium.
            high_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)
            os.close(high_read)
            os.close(high_write)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--hide-scrollbars",
                f"--user-data-dir={user_data_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_descriptors,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session_id: str | None = None) -> dict:
        """Send one command and return its result, storing the events that arrive meanwhile."""
        self._next_id += 1
        command: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session_id:
            command["sessionId"] = session_id
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        while True:
            message = self._read_message()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"DevTools command {method} failed: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


CHART_STATUS_SCRIPT = """
(() => {
  const charts = Array.from(document.querySelectorAll('div.plotly-graph-div'));
  return JSON.stringify({
    ready: document.readyState,
    total: charts.length,
    drawn: charts.filter(div => div.querySelector('svg.main-svg') !== null).map(div => div.id),
    missing: charts.filter(div => div.querySelector('svg.main-svg') === null).map(div => div.id),
    maps: charts.filter(div => div.querySelector('.geo .choroplethlocation') !== null).map(div => div.id),
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
  });
})()
"""


def inspect_page(executable: str, page_file: Path, profile_dir: Path, screenshot: Path) -> dict:
    """Open `page_file` in headless Chromium, wait for the charts, save a screenshot and return what was seen.

    Returns the chart status from CHART_STATUS_SCRIPT and every DevTools event
    (network requests, console messages, exceptions, log entries).
    """
    client = DevToolsPipe(executable, profile_dir)
    try:
        targets = client.send("Target.getTargets")["targetInfos"]
        page = next(target for target in targets if target["type"] == "page")
        session = client.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            client.send(f"{domain}.enable", session_id=session)
        client.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session_id=session)
        client.send("Page.navigate", {"url": page_file.as_uri()}, session_id=session)

        deadline = time.monotonic() + PAGE_TIMEOUT_SECONDS
        status: dict = {}
        while time.monotonic() < deadline:
            result = client.send("Runtime.evaluate", {"expression": CHART_STATUS_SCRIPT, "returnByValue": True}, session_id=session)
            value = result.get("result", {}).get("value")
            status = json.loads(value) if value else {}
            if status.get("ready") == "complete" and not status["missing"] and len(status["maps"]) == 2:
                break
            time.sleep(0.5)

        client.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": int(status.get("height", 900)), "deviceScaleFactor": 1, "mobile": False},
            session_id=session,
        )
        time.sleep(1.0)  # let the responsive charts redraw at the new viewport size
        shot = client.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session_id=session)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        events = list(client.events)
    finally:
        client.close()
    return {"status": status, "events": events}


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    executable = find_chromium()
    if executable is None:
        pytest.skip("Chromium is not installed; install the Debian package `chromium` to run the browser test")

    workdir = tmp_path_factory.mktemp("report_browser")
    warehouse = build_sample_warehouse(workdir / "warehouse.duckdb")
    report = workdir / "report.html"
    write_report(render_report(load_report_data(warehouse), "USD"), report)
    return inspect_page(executable, report, workdir / "profile", SCREENSHOT)


def request_urls(events: list[dict]) -> list[str]:
    return [event["params"]["request"]["url"] for event in events if event.get("method") == "Network.requestWillBeSent"]


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args"))[:300])
        if method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails"))[:300])
        if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", "")[:300])
    return errors


def test_browser_draws_every_chart(browser_run: dict) -> None:
    status = browser_run["status"]

    assert status["total"] == EXPECTED_CHARTS
    assert status["missing"] == []
    assert len(status["drawn"]) == EXPECTED_CHARTS


def test_browser_draws_both_world_maps(browser_run: dict) -> None:
    assert sorted(browser_run["status"]["maps"]) == ["chart-map-churn", "chart-map-mrr"]


def test_browser_makes_no_network_request(browser_run: dict) -> None:
    urls = request_urls(browser_run["events"])

    assert urls, "no request was recorded at all, so the check would prove nothing"
    assert [url for url in urls if not url.startswith(("file:", "data:"))] == []


def test_browser_logs_no_console_error(browser_run: dict) -> None:
    assert console_errors(browser_run["events"]) == []


def test_browser_screenshot_written(browser_run: dict) -> None:
    header = SCREENSHOT.read_bytes()[:8]

    assert header == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 50_000
