"""Fixtures for the browser tests: a real `rapport serve` on a free loopback port with a temporary data
folder, and a headless Chromium driven by Selenium.

Environment:
  RAPPORT_BIN                   the server binary (default: .build/debug/rapport in the repository)
  RAPPORT_BROWSER_DATABASE_URL  if set, the server runs on this PostgreSQL database (passed to it as
                                DATABASE_URL; its public schema is dropped and created anew first);
                                otherwise on SQLite in the data folder
  RAPPORT_PG_DUMP               pg_dump of the server's version (PostgreSQL runs only)
  RAPPORT_PSQL                  psql to reset the database with (default: beside RAPPORT_PG_DUMP, or on PATH)
  RAPPORT_KEEP_DATA=1           keep the server's data folder (its path is printed)

Outputs (under build/ in the repository): browser/server-<sqlite|postgres>-<story>.log, the server's
output; screenshots/<sqlite|postgres>/<story>/NN-<page>-phone.png and -desktop.png, one folder per story
module (test_first_run.py → first_run); axe/<sqlite|postgres>.json, every axe-core result (all impacts)
of every page at both sizes, of every story.

Accessibility: a test during which a page showed a serious or critical axe-core violation fails with the
list of them (rule, impact, help, node targets), after it has run to its end; the story goes on (an
inaccessible page does not make the next steps meaningless), so one run reports every page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rapport_helpers import (  # noqa: E402
    BUILD_DIR, DATABASE_URL, DB_KIND, REPO_ROOT, AxeReport, Browser, axe_source, psql_binary, start_chrome)

SETUP_LINK = re.compile(r"http://\S+/setup/\S+")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SERVER_START_SECONDS = 180  # the first start runs every migration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset_postgres(url: str) -> None:
    """An empty database for every run: drop the public schema with everything in it."""
    subprocess.run(
        [psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
         "-c", "SET client_min_messages = warning",
         "-c", "DROP SCHEMA IF EXISTS public CASCADE",
         "-c", "CREATE SCHEMA public"],
        check=True,
        stdin=subprocess.DEVNULL,
    )


class RapportServer:
    """`rapport serve` in a subprocess; all of its output goes to build/browser/server-<kind>-<story>.log."""

    def __init__(self, binary: Path, db_kind: str, database_url: str, story: str, demo: bool = False,
                 extra_env: Optional[dict] = None) -> None:
        self.binary = binary
        # Settings a story gives its server (the email story: its own SMTP server).
        self.extra_env = dict(extra_env or {})
        # A story that starts from `rapport demo` (its accounts in `demo_accounts`) instead of a first-run setup link.
        self.demo = demo
        self.demo_accounts: list[dict] = []
        self.db_kind = db_kind
        self.database_url = database_url
        self.log_path = BUILD_DIR / "browser" / f"server-{db_kind}-{story}.log"
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"rapport-browser-{db_kind}-"))
        self.setup_link: Optional[str] = None
        self.process: Optional[subprocess.Popen] = None
        self._lines: list[str] = []
        self._setup_seen = threading.Event()
        self._reader: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> None:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(self.extra_env)
        if self.database_url:
            reset_postgres(self.database_url)
            env["DATABASE_URL"] = self.database_url
        if self.demo:
            made = subprocess.run([str(self.binary), "demo", "--hostname", "127.0.0.1", "--port", str(self.port),
                                   "--data-dir", str(self.data_dir)], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=SERVER_START_SECONDS)
            if made.returncode != 0:
                raise RuntimeError(f"rapport demo exited with status {made.returncode}:\n{made.stderr[-4000:]}")
            self.demo_accounts = json.loads(made.stdout)["accounts"]
            self.setup_link = ""
            self._setup_seen.set()  # a practice exists: no setup link will be printed
        command = [str(self.binary), "serve", "--hostname", "127.0.0.1", "--port", str(self.port),
                   "--data-dir", str(self.data_dir)]
        # A pipe makes C stdio (and Swift's print) buffer whole blocks: ask for line buffering so the
        # setup link arrives when it is printed.
        if shutil.which("stdbuf"):
            command = ["stdbuf", "-oL", "-eL"] + command
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8")
        self._log.write(f"$ {' '.join(command)}\n# DATABASE_URL={'set' if self.database_url else 'unset'}\n")
        self._log.flush()
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read_output, name="rapport-output", daemon=True)
        self._reader.start()

        deadline = time.monotonic() + SERVER_START_SECONDS
        while not self._setup_seen.wait(0.2):
            if self.process.poll() is not None:
                self._reader.join(5)
                raise RuntimeError(f"rapport serve exited with status {self.process.returncode} before printing "
                                   f"a setup link (matching {SETUP_LINK.pattern}).\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"rapport serve printed no setup link (matching {SETUP_LINK.pattern}) within "
                                   f"{SERVER_START_SECONDS} s.\n{self.tail()}")
        self._wait_healthy(deadline)

    def _read_output(self) -> None:
        assert self.process and self.process.stdout
        for raw in iter(self.process.stdout.readline, b""):
            line = ANSI_ESCAPE.sub("", raw.decode("utf-8", "replace"))
            self._lines.append(line)
            self._log.write(line)
            self._log.flush()
            if self.setup_link is None:
                match = SETUP_LINK.search(line)
                if match:
                    self.setup_link = match.group(0).rstrip(".,;:)]}>'\"")
                    self._setup_seen.set()
        self._log.flush()

    def _wait_healthy(self, deadline: float) -> None:
        url = f"{self.origin}/healthz"
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rapport serve exited with status {self.process.returncode}.\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}"
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.2)
        raise RuntimeError(f"GET {url} did not answer 200 in time (last: {last}).\n{self.tail()}")

    def stop(self) -> None:
        """Stops the server gracefully (SIGTERM, then SIGKILL after 20 s). Safe to call twice."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._reader:
            self._reader.join(10)
        if not self._log.closed:
            self._log.write(f"# exited with status {self.process.returncode}\n")
            self._log.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return "".join(self._lines)

    def tail(self, lines: int = 40) -> str:
        return f"Last lines of {self.log_path}:\n" + "".join(self._lines[-lines:])

    def cleanup(self) -> None:
        self.stop()
        if os.environ.get("RAPPORT_KEEP_DATA") == "1":
            print(f"\nkept the server's data folder: {self.data_dir}")
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


# ----------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def db_kind() -> str:
    return DB_KIND


def story_name(module) -> str:
    """test_first_run.py → first_run: what a story's screenshots folder and server log are called."""
    return module.__name__.rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
def server(request):
    binary = Path(os.environ.get("RAPPORT_BIN") or REPO_ROOT / ".build" / "debug" / "rapport")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"no server binary at {binary}: run `swift build` first, or set RAPPORT_BIN", pytrace=False)
    # A server of its own for each story module, with its own data folder and log.
    # A story module may give its server more settings with a `server_env` fixture of its own.
    extra_env = request.getfixturevalue("server_env") if hasattr(request.module, "server_env") else {}
    server = RapportServer(binary, DB_KIND, DATABASE_URL, story_name(request.module),
                           demo=getattr(request.module, "STARTS_FROM_DEMO", False), extra_env=extra_env)
    problem = None
    try:
        server.start()
    except Exception as error:  # noqa: BLE001 — reported below, with the server's last output
        problem = str(error)
    if problem:
        server.cleanup()
        pytest.fail(problem, pytrace=False)
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def driver():
    driver = start_chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def axe_report() -> AxeReport:
    try:
        axe_source()  # missing or not 4.x: say so before any server starts
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    return AxeReport(BUILD_DIR / "axe" / f"{DB_KIND}.json")


@pytest.fixture(scope="module")
def browser(request, driver, server, axe_report):
    # Each story its own folder: two stories numbering their pages from 01 would otherwise overwrite each other.
    shots = BUILD_DIR / "screenshots" / DB_KIND / story_name(request.module)
    shutil.rmtree(shots, ignore_errors=True)
    origin = server.origin
    link = urlparse(server.setup_link or "")
    if link.port == server.port and link.hostname in ("127.0.0.1", "localhost"):
        origin = f"{link.scheme}://{link.netloc}"  # the origin the server itself hands out
    return Browser(driver=driver, origin=origin, screenshot_dir=shots, axe_report=axe_report)


# ----------------------------------------------------------------------------------------------------
# A story told in steps: once a step fails, the later ones are skipped rather than failing for it.


def pytest_configure(config):
    config.addinivalue_line("markers", "story: the module's tests are steps of one story, run in order")
    config.addinivalue_line("markers", "final_check: a check at the end of a story; its failure skips no other")


_failed_step: dict[str, str] = {}
_axe_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails a test that passed if a page it visited showed serious or critical axe-core violations."""
    browser = item.funcargs.get("browser")
    if browser is not None:
        browser.axe_failures.clear()
    result = yield
    if browser is not None and browser.axe_failures:
        failures, browser.axe_failures = browser.axe_failures, []
        item.stash[_axe_failed] = True
        report = browser.axe_report.path if browser.axe_report else "build/axe/"
        pytest.fail(f"axe-core found serious or critical accessibility violations (all results: {report}):\n  "
                    + "\n  ".join(failures), pytrace=False)
    return result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and item.stash.get(_axe_failed, False):
        return  # the story goes on; the pages are in the screenshots already
    if report.failed and item.get_closest_marker("story") and not item.get_closest_marker("final_check"):
        _failed_step.setdefault(item.module.__name__, item.name)
    if report.failed and report.when == "call":
        browser = item.funcargs.get("browser")
        if browser is not None:
            path = browser.screenshot_dir / f"FAILED-{item.name}.png"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                browser.driver.save_screenshot(str(path))
                report.sections.append(("failure screenshot", str(path)))
            except Exception:  # noqa: BLE001 — a screenshot is a nicety; the failure is reported anyway
                pass
            if browser.axe_failures:  # pages this test reached before it failed
                report.sections.append(("axe-core: serious or critical violations",
                                        "\n".join(browser.axe_failures)))
        server = item.funcargs.get("server")
        if server is not None:
            report.sections.append(("server output (tail)", server.tail()))


def pytest_runtest_setup(item):
    if item.get_closest_marker("story"):
        failed = _failed_step.get(item.module.__name__)
        if failed:
            pytest.skip(f"an earlier step failed: {failed}")
