"""Helpers for the browser tests: Chromium set-up, a page-by-page browser wrapper that checks every page
it lands on, TOTP codes, and the byte search used for the confidentiality-at-rest checks.

The browser wrapper (`Browser`) enforces, after every page load:
  * no request made by any page went to another origin than the server's (data: and about: are allowed);
  * the page's HTML as sent by the server has no inline `style` attribute, no `<style>` element,
    no `on…=` event-handler attribute and no `<script>` without `src` (the CSP forbids them all);
  * the browser reported no Content-Security-Policy violation on its console;
  * the page answered with an HTTP status below 400 (unless told otherwise);
and saves a screenshot of the page at phone size (390×844) and desktop size (1280×800). At both sizes it
also runs axe-core 4.x (bundled by the PyPI package axe-core-python, injected with execute_script) and
writes every violation to build/axe/<sqlite|postgres>.json; serious and critical ones fail the test that
visited the page (see conftest.py), without stopping the story.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.resources
import json
import os
import re
import shutil
import struct
import time
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Optional, Pattern, Union
from urllib.parse import urljoin, urlparse

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build"
# The server runs on PostgreSQL when this is set, on SQLite in its data folder otherwise.
DATABASE_URL = os.environ.get("RAPPORT_BROWSER_DATABASE_URL", "").strip()
DB_KIND = "postgres" if DATABASE_URL else "sqlite"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

PHONE = (390, 844)
DESKTOP = (1280, 800)

# How long to wait for a page or an element before failing.
WAIT_SECONDS = float(os.environ.get("RAPPORT_BROWSER_WAIT", "20"))



def psql_binary() -> str:
    if os.environ.get("RAPPORT_PSQL"):
        return os.environ["RAPPORT_PSQL"]
    if os.environ.get("RAPPORT_PG_DUMP"):
        beside = Path(os.environ["RAPPORT_PG_DUMP"]).with_name("psql")
        if beside.exists():
            return str(beside)
    return shutil.which("psql") or "psql"


def pg_dump_binary() -> str:
    return os.environ.get("RAPPORT_PG_DUMP") or shutil.which("pg_dump") or "pg_dump"


# ------------------------------------------------------------------------------------------------
# Chromium


def chrome_options() -> webdriver.ChromeOptions:
    """Debian's Chromium, headless, with performance and console logging on."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=%d,%d" % DESKTOP,
        "--force-device-scale-factor=1",
        "--hide-scrollbars",
        "--lang=en-US",
        # Keep the browser itself quiet: no background traffic of its own.
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-features=Translate,OptimizationHints,MediaRouter,PasswordLeakDetection",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {"credentials_enable_service": False, "profile.password_manager_enabled": False},
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return options


def start_chrome() -> webdriver.Chrome:
    """Starts Chromium through Debian's chromedriver; Selenium Manager is never asked for anything."""
    os.environ.setdefault("SE_OFFLINE", "true")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"{path} is missing: apt-get install chromium chromium-driver")
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=chrome_options(), service=service)
    driver.set_page_load_timeout(60)
    set_viewport(driver, *DESKTOP)
    return driver


def set_viewport(driver: webdriver.Chrome, width: int, height: int) -> None:
    """Makes the page's viewport exactly width×height CSS pixels.

    Resizing the window is not enough: headless Chromium keeps a minimum window width of 500 px and
    reserves part of the window height, so the viewport would not be 390×844. Device-metrics
    emulation sets it exactly (and as a phone, honouring <meta name=viewport>, when narrow)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


# ------------------------------------------------------------------------------------------------
# Accessibility: axe-core 4.x
#
# axe.min.js comes from the PyPI package axe-core-python (installed by scripts/test; nothing is downloaded
# at test time). WebDriver scripts run through the DevTools protocol, which the page's
# Content-Security-Policy does not govern: axe (which compiles its messages with `new Function`) runs
# although the pages allow neither 'unsafe-eval' nor 'unsafe-inline'. A <script> element added to the page
# would be refused.

AXE_PACKAGE = "axe-core-python==0.1.0"
AXE_FAILING_IMPACTS = ("serious", "critical")  # the team's standard: none of these on any page
AXE_IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}


@lru_cache(maxsize=1)
def axe_source() -> str:
    try:
        source = (importlib.resources.files("axe_core_python") / "axe.min.js").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise RuntimeError(f"axe-core is missing ({error}): python3 -m pip install {AXE_PACKAGE}") from error
    banner = re.match(r"/\*! axe v(\d+)\.", source)
    if not banner or banner.group(1) != "4":
        raise RuntimeError(f"axe_core_python/axe.min.js is not axe-core 4.x: {source[:40]!r}")
    return source


_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations', 'incomplete']}).then(
  results => {
    const brief = rule => ({
      id: rule.id, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl, tags: rule.tags,
      nodes: rule.nodes.map(node => ({
        target: node.target, impact: node.impact,
        html: node.html.length > 300 ? node.html.slice(0, 300) + '…' : node.html,
        failureSummary: node.failureSummary,
      })),
    });
    done({version: axe.version, violations: results.violations.map(brief),
          incomplete: results.incomplete.map(brief), passes: results.passes.length});
  },
  error => done({error: String(error && error.stack || error)}));
"""


def run_axe(driver: webdriver.Chrome) -> dict:
    """Runs axe-core on the page the driver is on (injecting it first, once per document). Returns
    {version, violations, incomplete, passes}: violations and incomplete ("needs review") as lists of
    rules with id, impact, help, helpUrl, tags and nodes (target selectors, html, failureSummary)."""
    if not driver.execute_script("return typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        driver.execute_script(axe_source())
    result = driver.execute_async_script(_AXE_RUN)
    if not isinstance(result, dict) or "error" in result:
        raise RuntimeError(f"axe.run failed: {result!r}")
    return result


def axe_failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in AXE_FAILING_IMPACTS]


def describe_violation(violation: dict, indent: str = "    ") -> str:
    """One violation as text: impact, rule id, help (and its link), then each offending node's targets."""
    lines = [f"{indent}[{violation.get('impact')}] {violation['id']}: {violation.get('help')} ({violation.get('helpUrl')})"]
    for node in violation.get("nodes", [])[:10]:
        summary = re.sub(r"\s+", " ", node.get("failureSummary") or "").strip()
        lines.append(f"{indent}    {' >> '.join(map(str, node.get('target', [])))}"
                     + (f" — {summary[:240]}" if summary else ""))
    if len(violation.get("nodes", [])) > 10:
        lines.append(f"{indent}    … and {len(violation['nodes']) - 10} more nodes")
    return "\n".join(lines)


class AxeReport:
    """Every axe result of a run, page by page and size by size, in one JSON file (rewritten after each
    page, so that it is there even when the run stops early)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[dict] = []
        self.version: Optional[str] = None
        path.unlink(missing_ok=True)

    def add(self, entry: dict) -> None:
        self.entries.append(entry)
        self.write()

    def write(self) -> None:
        counts: dict[str, int] = {}
        for entry in self.entries:
            for violation in entry["violations"]:
                counts[violation.get("impact") or "none"] = counts.get(violation.get("impact") or "none", 0) + 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "axe_version": self.version,
            "from": AXE_PACKAGE,
            "fails_on": list(AXE_FAILING_IMPACTS),
            "violations_by_impact": counts,  # one per rule, page and size
            "pages": self.entries,
        }
        self.path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits)

TOTP_PERIOD = 30


def totp(secret_base32: str, step: Optional[int] = None, digits: int = 6) -> str:
    secret = re.sub(r"[\s-]+", "", secret_base32).upper()
    secret += "=" * (-len(secret) % 8)
    key = base64.b32decode(secret)
    if step is None:
        step = int(time.time()) // TOTP_PERIOD
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return str(value).zfill(digits)


def usable_totp_step(after: Optional[int] = None, margin: float = 3.0) -> int:
    """The time step to use for a code now: newer than `after` (a server accepts each step once),
    and not in the last `margin` seconds of a step (the code could expire before the server sees it).
    Sleeps until such a step begins: the only fixed waits in these tests."""
    while True:
        now = time.time()
        step = int(now) // TOTP_PERIOD
        left = (step + 1) * TOTP_PERIOD - now
        if (after is None or step > after) and left > margin:
            return step
        time.sleep(left + 0.2)


# ------------------------------------------------------------------------------------------------
# Inline-code check on the HTML the server sent


class _InlineCodeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        names = {name.lower() for name, _ in attrs}
        line = self.getpos()[0]
        if "style" in names:
            self.problems.append(f"line {line}: <{tag}> has an inline style attribute")
        handlers = sorted(n for n in names if n.startswith("on"))
        if handlers:
            self.problems.append(f"line {line}: <{tag}> has inline event handler(s) {', '.join(handlers)}")
        if tag == "script" and "src" not in names:
            self.problems.append(f"line {line}: <script> without src (inline script)")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element (inline stylesheet)")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)


def inline_code_problems(html: str) -> list[str]:
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


# ------------------------------------------------------------------------------------------------
# Byte search (confidentiality at rest)


@dataclass
class Hit:
    label: str
    needle: bytes
    path: Path
    offset: int

    def __str__(self) -> str:
        return f"{self.label} ({self.needle!r}) found in {self.path} at byte {self.offset}"


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).rglob("*") if p.is_file())


def search_bytes(paths: Iterable[Path], needles: dict[str, str]) -> list[Hit]:
    """Every occurrence (first per file) of each needle, as UTF-8 bytes, in the given files."""
    hits = []
    for path in paths:
        data = Path(path).read_bytes()
        for label, text in needles.items():
            needle = text.encode("utf-8")
            offset = data.find(needle)
            if offset >= 0:
                hits.append(Hit(label, needle, Path(path), offset))
    return hits


# ------------------------------------------------------------------------------------------------
# The browser, page by page

PathSpec = Union[str, Pattern[str], None]


class PageCheckFailed(AssertionError):
    pass


@dataclass
class Page:
    """What is known about the page the browser is on."""

    name: str
    url: str
    status: Optional[int] = None
    html: Optional[str] = None  # as sent by the server, when Chromium still had it


@dataclass
class Browser:
    driver: webdriver.Chrome
    origin: str  # e.g. http://127.0.0.1:8123
    screenshot_dir: Path
    page: Optional[Page] = None
    window: tuple[int, int] = DESKTOP
    shot_number: int = 0
    axe_report: Optional[AxeReport] = None
    # Serious and critical axe violations not yet reported: conftest.py fails the running test with them.
    axe_failures: list[str] = field(default_factory=list)
    _documents: list[dict] = field(default_factory=list)  # Document responses seen, oldest first

    # -- people and windows -------------------------------------------------------------------

    def new_person(self, window: tuple[int, int] = DESKTOP) -> None:
        """Someone else at the keyboard: no cookies, their own window size."""
        self.driver.delete_all_cookies()
        self.set_window(*window)

    def set_window(self, width: int, height: int) -> None:
        self.window = (width, height)
        set_viewport(self.driver, width, height)

    # -- failing well ---------------------------------------------------------------------------

    def fail(self, page: str, expected: str) -> None:
        """Fails with a message saying on which page what was expected, and saves a screenshot."""
        shot = self.screenshot_dir / f"FAILED-{self.shot_number + 1:02d}-{slug(page)}.png"
        try:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(shot))
            shot_note = f"screenshot: {shot}"
        except WebDriverException as error:  # the browser itself may be gone
            shot_note = f"no screenshot ({error.msg})"
        try:
            url = self.driver.current_url
            text = self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            url, text = "?", ""
        status = self.page.status if self.page and self.page.url == url else None
        try:  # a form posted back to the same URL: the newest response for it tells its status
            foreign = self._drain()
            newest = next((d for d in reversed(self._documents) if d["response"]["url"] == url), None)
            if newest is not None:
                status = newest["response"].get("status")
            if foreign:
                expected += f"; also, requests went to other origins: {foreign}"
        except WebDriverException:
            pass
        text = re.sub(r"\s+", " ", text).strip()
        where = page if page.startswith("the ") else f"the {page} page"
        raise PageCheckFailed(
            f"On {where} ({url}{f', HTTP {status}' if status else ''}): expected {expected}.\n"
            f"  The page says: {text[:600]!r}\n  {shot_note}"
        )

    # -- waiting ----------------------------------------------------------------------------------

    def poll(self, condition, timeout: float = WAIT_SECONDS):
        """Polls condition(driver) until it returns something true; returns (value, last error).
        WebDriver errors count as "not yet": while a page is swapped for the next, chromedriver may
        answer with errors such as "unhandled inspector error" for a moment."""
        deadline = time.monotonic() + timeout
        last_error: Optional[WebDriverException] = None
        while True:
            try:
                value = condition(self.driver)
                if value:
                    return value, None
            except WebDriverException as error:  # includes StaleElementReferenceException
                last_error = error
            if time.monotonic() >= deadline:
                return None, last_error
            time.sleep(0.1)

    def wait(self, condition, page: str, expected: str, timeout: float = WAIT_SECONDS):
        """Waits for condition(driver) to be true and returns its value, or fails saying what was expected."""
        value, error = self.poll(condition, timeout)
        if not value:
            note = f" (within {timeout:g} s" + (f"; last error: {(error.msg or repr(error)).splitlines()[0]})"
                                                 if error else ")")
            self.fail(page, expected + note)
        return value

    def element(self, css: str, page: str, what: str, within: Optional[WebElement] = None) -> WebElement:
        root = within or self.driver
        return self.wait(
            lambda _: _first_displayed(root.find_elements(By.CSS_SELECTOR, css)),
            page,
            f"{what} ({css})",
        )

    def text_of(self, css: str, page: str, what: str) -> str:
        return self.element(css, page, what).text

    def has_element(self, css: str) -> bool:
        return bool(self.driver.find_elements(By.CSS_SELECTOR, css))

    # -- navigating ---------------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        return urljoin(self.origin + "/", path_or_url)

    def go(self, path_or_url: str, page: str, expect_path: PathSpec = None, allow_error: bool = False) -> Page:
        self.driver.get(self.url(path_or_url))
        return self.arrived(page, expect_path, allow_error=allow_error)

    def click(self, element: WebElement, page: str, next_page: str, expect_path: PathSpec = None) -> Page:
        """Clicks something that loads a new page, and checks the new page."""
        label = element.text.strip() or element.get_attribute("value") or element.tag_name
        try:
            element.click()
        except ElementClickInterceptedException:
            self.driver.execute_script("arguments[0].click()", element)
        self.wait(gone(element), page, f"clicking {label!r} to load the {next_page} page")
        return self.arrived(next_page, expect_path, came_from=f"clicking {label!r} on the {page} page")

    def arrived(self, page: str, expect_path: PathSpec = None, allow_error: bool = False,
                came_from: Optional[str] = None) -> Page:
        """Waits for the page to be loaded (at `expect_path`, if given), checks it, screenshots it."""
        self.wait(
            lambda d: d.execute_script("return document.readyState") == "complete",
            page,
            "the page to finish loading",
        )
        if expect_path is not None:
            # Server redirects are over once the document is complete: a short wait is enough.
            self.wait(
                lambda d: path_matches(urlparse(d.current_url).path, expect_path),
                f"the page reached from {came_from}" if came_from else page,
                f"to be at {describe_path(expect_path)} (the {page} page)",
                timeout=3,
            )
        url = self.driver.current_url
        self.page = Page(name=page, url=url)
        self._check_network_and_html(page, url, allow_error)
        self._check_console(page)
        self._screenshots(page)
        return self.page

    # -- forms ------------------------------------------------------------------------------------------

    def form(self, page: str, *, field: Optional[str] = None, action: Optional[str] = None,
             css: Optional[str] = None, follow_links: bool = False) -> WebElement:
        """The form on this page with a field named `field`, or posting to the path `action`, or
        matching `css`. With follow_links, a form posting to `action` that is not on this page is
        looked for behind this page's first link to `action` or to a path below it (e.g. …/new)."""
        if css:
            found = self.driver.find_elements(By.CSS_SELECTOR, css)
            if found:
                self.reveal(found[0])
            return self.element(css, page, "the form")
        if field:
            return self.wait(
                lambda d: _first_displayed(d.find_elements(By.XPATH, f"//form[.//*[@name='{field}']]")),
                page,
                f"a form with a field named {field!r}",
            )
        assert action, "form() needs field, action or css"
        found = self._form_with_action(action)
        if found is None and follow_links:
            link = self.driver.execute_script(
                """const path = arguments[0];
                   return Array.from(document.querySelectorAll('a[href]')).find(a => {
                     const p = new URL(a.href, location.href).pathname;
                     return p === path || p.startsWith(path + '/');
                   }) || null;""",
                action,
            )
            if link is not None:
                self.click(link, page, f"{page} → {action}")
                page = f"{page} → {action}"
                found = self._form_with_action(action)
        if found is None:
            self.fail(page, f"a form posting to {action}")
        return found

    def reveal(self, element: WebElement) -> None:
        """A form kept closed until it is wanted (inside <details>): opened the way a person does, by its summary."""
        closed = self.driver.execute_script(
            """const found = []; let d = arguments[0].closest('details');
               while (d) { if (!d.open) found.unshift(d.querySelector(':scope > summary')); d = d.parentElement.closest('details'); }
               return found;""", element)
        for summary in closed or []:
            summary.click()

    def _form_with_action(self, action: str) -> Optional[WebElement]:
        return self.driver.execute_script(
            """const path = arguments[0];
               return Array.from(document.querySelectorAll('form')).find(f =>
                 new URL(f.getAttribute('action') || location.href, location.href).pathname === path) || null;""",
            action,
        )

    def submit(self, form: WebElement, fields: dict[str, str], page: str, next_page: str,
               expect_path: PathSpec = None, allow_error: bool = False) -> Page:
        """Fills the named visible fields of `form` (and password_confirmation, if the form has one and
        only `password` was given), clicks its submit button and checks the page that loads (which may
        answer with an error status only if `allow_error`: a form shown again with its message)."""
        fields = dict(fields)
        self.reveal(form)
        if "password" in fields and "password_confirmation" not in fields:
            if form.find_elements(By.CSS_SELECTOR, "[name='password_confirmation']"):
                fields["password_confirmation"] = fields["password"]
        for name, value in fields.items():
            inputs = form.find_elements(By.CSS_SELECTOR, f"[name='{name}']")
            if not inputs:
                self.fail(page, f"a field named {name!r} in the form")
            inputs[0].clear()
            inputs[0].send_keys(value)
        invalid = self.driver.execute_script(
            """return Array.from(arguments[0].elements)
                 .filter(e => e.willValidate && !e.checkValidity())
                 .map(e => (e.name || e.id || e.tagName) + ': ' + e.validationMessage);""",
            form,
        )
        if invalid:
            self.fail(page, f"the form to be complete after filling {sorted(fields)}; invalid: {invalid}")
        buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit]") or form.find_elements(
            By.CSS_SELECTOR, "button:not([type]), input[type=submit]"
        )
        if not buttons:
            self.fail(page, "a submit button (button[type=submit]) in the form")
        try:
            buttons[0].click()
        except ElementClickInterceptedException:
            self.driver.execute_script("arguments[0].requestSubmit(arguments[1])", form, buttons[0])
        self.wait(gone(form), page, f"submitting the form to load the {next_page} page")
        return self.arrived(next_page, expect_path, allow_error=allow_error, came_from=f"the form on the {page} page")

    # -- per-page checks -------------------------------------------------------------------------------

    def _events(self) -> None:
        """Drains Chromium's performance log; fails on any request that left the server's origin."""
        foreign = self._drain()
        if foreign:
            self.fail(self.page.name if self.page else "?", f"no request to another origin than {self.origin}; "
                      f"requests made: {foreign}")

    def _drain(self) -> list[str]:
        """Reads Chromium's performance log: keeps the Document responses, returns requests to other origins."""
        events = [json.loads(entry["message"])["message"] for entry in self.driver.get_log("performance")]
        foreign = []
        for event in events:
            params = event.get("params", {})
            if event.get("method") == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if not (url == self.origin or url.startswith(self.origin + "/")
                        or url.startswith("data:") or url.startswith("about:")):
                    foreign.append(f"{params.get('type', '?')} {url} (from {params.get('documentURL', '?')})")
            elif event.get("method") == "Network.responseReceived" and params.get("type") == "Document":
                self._documents.append(params)
        return foreign

    def _check_network_and_html(self, page: str, url: str, allow_error: bool) -> None:
        # The Document response for this URL may reach the log a moment after the page is there.
        def document_seen(_):
            self._events()
            return next((d for d in reversed(self._documents) if d["response"]["url"] == url), None)

        document, _ = self.poll(document_seen, timeout=5)
        html = None
        if document is not None:
            self.page.status = document["response"].get("status")
            try:
                body = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": document["requestId"]})
                html = base64.b64decode(body["body"]).decode("utf-8", "replace") if body.get(
                    "base64Encoded") else body["body"]
            except WebDriverException:
                html = None
        self._documents.clear()
        if html is None:  # Chromium no longer had the body: check the DOM instead
            html = self.driver.page_source
        self.page.html = html
        if self.page.status is not None and self.page.status >= 400 and not allow_error:
            self.fail(page, f"a successful response, not HTTP {self.page.status}")
        problems = inline_code_problems(html)
        if problems:
            self.fail(page, "no inline styles or scripts (the Content-Security-Policy forbids them); found:\n    "
                      + "\n    ".join(problems[:20]))

    def _check_console(self, page: str) -> None:
        violations = [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if "Content Security Policy" in entry.get("message", "") or "Refused to" in entry.get("message", "")
        ]
        if violations:
            self.fail(page, f"no Content-Security-Policy violations; the console says: {violations[:10]}")

    def _screenshots(self, page: str) -> None:
        """Screenshots the page at phone and desktop size and runs axe-core at each size."""
        self.shot_number += 1
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        base = self.screenshot_dir / f"{self.shot_number:02d}-{slug(page)}"
        try:
            for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
                set_viewport(self.driver, *size)
                self.driver.save_screenshot(f"{base}-{label}.png")
                self._axe(page, label, size, f"{base.name}-{label}.png")
        finally:
            set_viewport(self.driver, *self.window)

    def _axe(self, page: str, label: str, size: tuple[int, int], screenshot: str) -> None:
        try:
            result = run_axe(self.driver)
        except (RuntimeError, WebDriverException) as error:
            self.fail(page, f"axe-core to run at {label} size; it failed: {error}")
        violations = sorted(result["violations"], key=lambda v: (AXE_IMPACT_ORDER.get(v.get("impact"), 9), v["id"]))
        url = self.driver.current_url
        if self.axe_report is not None:
            self.axe_report.version = result.get("version")
            self.axe_report.add({
                "number": self.shot_number, "page": page, "url": url, "size": label,
                "viewport": list(size), "screenshot": screenshot, "passes": result.get("passes"),
                "violations": violations, "incomplete": result.get("incomplete", []),
            })
        failing = axe_failing(violations)
        if failing:
            self.axe_failures.append(
                f"the {page} page ({urlparse(url).path}) at {label} size {size[0]}×{size[1]}, "
                f"screenshot {screenshot}:\n" + "\n".join(describe_violation(v) for v in failing))

    # -- page content -------------------------------------------------------------------------------------

    @property
    def page_path(self) -> str:
        return urlparse(self.driver.current_url).path

    def visible_text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def dom(self) -> str:
        return self.driver.page_source


def gone(element: WebElement):
    """A wait condition: the element's page has been replaced by another one."""
    def condition(_) -> bool:
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
    return condition


def _first_displayed(elements: list[WebElement]) -> Optional[WebElement]:
    for element in elements:
        try:
            if element.is_displayed():
                return element
        except StaleElementReferenceException:
            continue
    return None


def path_matches(path: str, expected: PathSpec) -> bool:
    if expected is None:
        return True
    if isinstance(expected, str):
        return path.rstrip("/") == expected.rstrip("/") or (path == "/" and expected == "/")
    return expected.fullmatch(path) is not None


def describe_path(expected: PathSpec) -> str:
    return expected if isinstance(expected, str) else f"a path matching {expected.pattern}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"
