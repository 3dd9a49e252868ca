"""Reaching out, in a real browser, on the demo practice. A visitor who is not a client writes from the practice's
public page on a phone (390×844) and is thanked with what happens next and the crisis resources. The owner names
the practice's own website (a page served here from another local origin): the small version shows inside that
site's frame and takes an enquiry there, and a site the owner did not name gets nothing in its frame. A burst of
enquiries from one address is asked to wait, with its words kept, and every one sent before is in the inbox. Dana
turns the visitor's enquiry into a client invitation in one step. Nothing the visitor wrote is in the database files.

The steps run in order; once a step fails the later ones are skipped.
"""

from __future__ import annotations

import http.server
import json
import re
import secrets
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import free_port
from rapport_helpers import BUILD_DIR, DB_KIND, DESKTOP, PHONE, Browser, files_under, pg_dump_binary, search_bytes, totp, usable_totp_step

pytestmark = pytest.mark.story

STARTS_FROM_DEMO = True
SLUG = "harbour-street"
VISITOR = f"I keep saying yes to everyone and I'm exhausted ({secrets.token_hex(3)})."
FRAMED = f"Writing from your website's form ({secrets.token_hex(3)})."
USED_STEPS: dict[str, list[int]] = {}


class HostSite:
    """Another origin on this machine: one page that frames the practice's small reach-out page."""

    def __init__(self, frame_url: str) -> None:
        page = (f"<!doctype html><html lang=en><title>Harbour Street, the practice's own site</title>"
                f"<h1>Our practice</h1><iframe id=reach-out title='Reach out' src='{frame_url}' width=420 height=900></iframe>").encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — the standard library's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def sites(server):
    frame_url = f"{server.origin}/reach-out/{SLUG}/embed"
    named, unnamed = HostSite(frame_url), HostSite(frame_url)
    yield named, unnamed
    named.stop()
    unnamed.stop()


def account(server, name: str) -> dict:
    return next(a for a in server.demo_accounts if a["name"] == name)


def sign_in_staff(browser: Browser, server, name: str, home: str) -> None:
    person = account(server, name)
    browser.new_person(DESKTOP)
    browser.go("/signin", f"{name}'s sign-in", "/signin")
    form = browser.form(f"{name}'s sign-in", field="email")
    browser.submit(form, {"email": person["email"], "password": person["password"]}, f"{name}'s sign-in",
                   f"{name}'s two-step sign-in", "/signin/two-factor")
    steps = USED_STEPS.setdefault(name, [])
    step = usable_totp_step(after=max(steps, default=None))
    steps.append(step)
    form = browser.form(f"{name}'s two-step sign-in", field="code")
    browser.submit(form, {"code": totp(person["totp_secret"], step)}, f"{name}'s two-step sign-in", f"{name}'s home", home)


def test_01_a_visitor_reaches_out_from_a_phone(browser: Browser, server):
    browser.new_person(PHONE)
    browser.go(f"/reach-out/{SLUG}", "the reach-out page", f"/reach-out/{SLUG}")
    assert "This is not for emergencies" in browser.text_of("#not-for-emergencies", "the reach-out page", "the line about emergencies")
    assert browser.has_element("#crisis-resources")
    assert not browser.driver.get_cookies(), "the public page sets no cookie"
    form = browser.form("the reach-out page", css="form#reach-out-form")
    form.find_element(By.CSS_SELECTOR, "input[name=route][value=email]").click()
    browser.submit(form, {"message": VISITOR, "contact": "visitor@example.org", "name": "Ash"}, "the reach-out page",
                   "thanks for reaching out", f"/reach-out/{SLUG}")
    text = browser.text_of("main", "thanks for reaching out", "the page")
    assert "Thank you for reaching out" in text and "by email within 2 working days" in text, text[:400]
    assert browser.has_element("#crisis-resources"), "the crisis resources are on the thank-you page"
    assert not browser.driver.get_cookies()


def test_02_only_the_site_the_owner_names_may_frame_it(browser: Browser, server, sites):
    named, unnamed = sites
    sign_in_staff(browser, server, "Morgan Reyes", "/practice")
    link = browser.element("nav a[href='/enquiries']", "Morgan Reyes's home", "Enquiries in the navigation")
    browser.click(link, "Morgan Reyes's home", "the owner's enquiries", "/enquiries")
    form = browser.form("the owner's enquiries", css="form#reach-out-settings-form")
    browser.submit(form, {"slug": SLUG, "frame_origin": named.origin, "retention_days": "90"}, "the owner's enquiries",
                   "the owner's enquiries, saved", "/enquiries")
    assert named.origin in browser.text_of("#reach-out-links", "the owner's enquiries, saved", "where people reach you")

    # The practice's own site: the form is there inside its frame, and takes an enquiry.
    browser.new_person(DESKTOP)
    browser.driver.get(f"{named.origin}/")
    frame = browser.element("iframe#reach-out", "the practice's own site", "the frame")
    browser.driver.switch_to.frame(frame)
    try:
        browser.element("form#reach-out-form", "the framed reach-out page", "the form inside the frame")
        browser.driver.find_element(By.CSS_SELECTOR, "input[name=route][value=phone]").click()
        browser.driver.find_element(By.ID, "reach-out-message").send_keys(FRAMED)
        browser.driver.find_element(By.ID, "reach-out-contact").send_keys("07700 900789")
        browser.driver.find_element(By.CSS_SELECTOR, "form#reach-out-form button[type=submit]").click()
        thanks = browser.wait(lambda d: "Thank you for reaching out" in d.find_element(By.TAG_NAME, "body").text,
                              "the framed reach-out page", "the thanks inside the frame")
        assert thanks
    finally:
        browser.driver.switch_to.default_content()
    browser.driver.save_screenshot(str(browser.screenshot_dir / "framed-by-the-named-site.png"))

    # Another site: its frame stays empty (the browser refuses to show the page there).
    browser.driver.get(f"{unnamed.origin}/")
    frame = browser.element("iframe#reach-out", "another site", "the frame")
    browser.driver.switch_to.frame(frame)
    try:
        shown, _ = browser.poll(lambda d: d.find_elements(By.CSS_SELECTOR, "form#reach-out-form"), timeout=3)
        assert not shown, "a site the owner did not name shows the form in its frame"
    finally:
        browser.driver.switch_to.default_content()
    browser.driver.save_screenshot(str(browser.screenshot_dir / "refused-in-another-site.png"))
    # The other sites' own requests, and the browser's note that it refused the frame (the point of this step), are
    # theirs, not the practice's pages': read off so the next page's checks see only its own.
    browser._drain()
    refused = [entry["message"] for entry in browser.driver.get_log("browser")]
    assert any("frame-ancestors" in message for message in refused), f"the browser should say it refused the frame: {refused}"


def post_enquiry(server, message: str) -> tuple[int, str]:
    body = urllib.parse.urlencode({"message": message, "route": "text", "contact": "07700 900321"}).encode()
    request = urllib.request.Request(f"{server.origin}/reach-out/{SLUG}", data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_03_a_burst_is_asked_to_wait_and_nothing_sent_is_lost(server):
    # Two enquiries from this address so far; three more are taken, the next is asked to wait with its words.
    burst = [f"Burst {index} ({secrets.token_hex(2)})" for index in range(3)]
    for message in burst:
        status, _ = post_enquiry(server, message)
        assert status == 200, message
    status, page = post_enquiry(server, "One too many, and still in the form")
    assert status == 429, status
    assert "we have every one of them" in page and "One too many, and still in the form" in page
    test_03_a_burst_is_asked_to_wait_and_nothing_sent_is_lost.burst = burst


def test_04_the_therapist_turns_the_enquiry_into_an_invitation(browser: Browser, server):
    sign_in_staff(browser, server, "Dana Okafor", "/clients")
    link = browser.element("nav a[href='/enquiries']", "Dana Okafor's home", "Enquiries in the navigation")
    browser.click(link, "Dana Okafor's home", "Dana's enquiries", "/enquiries")
    inbox = browser.text_of("ul.enquiries", "Dana's enquiries", "the inbox")
    for message in [VISITOR, FRAMED] + test_03_a_burst_is_asked_to_wait_and_nothing_sent_is_lost.burst:
        assert message in inbox, f"{message!r} should be in the inbox"
    item = next(li for li in browser.driver.find_elements(By.CSS_SELECTOR, "ul.enquiries > li") if VISITOR in li.text)
    summary = item.find_element(By.CSS_SELECTOR, "details summary")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    form = item.find_element(By.CSS_SELECTOR, "form[id^=invite-]")
    assert form.find_element(By.CSS_SELECTOR, "input[name=name]").get_attribute("value") == "Ash"
    assert form.find_element(By.CSS_SELECTOR, "input[name=email]").get_attribute("value") == "visitor@example.org"
    browser.submit(form, {"name": "Ash Fenwick"}, "Dana's enquiries", "the invitation made", re.compile(r"^/enquiries/[0-9a-f-]{36}/invite$"))
    assert "/invitations/" in browser.text_of("main", "the invitation made", "the page")
    browser.go("/clients", "Dana's caseload with Ash")
    assert "Ash Fenwick" in browser.text_of("main", "Dana's caseload with Ash", "the caseload")
    browser.go("/enquiries", "Dana's enquiries after inviting")
    assert VISITOR not in browser.text_of("main", "Dana's enquiries after inviting", "the page"), "now the client's, not the inbox's"


def test_05_nothing_the_visitors_wrote_is_readable_at_rest(server):
    server.stop()
    if DB_KIND == "postgres":
        dump = BUILD_DIR / "browser" / "database-reach-out.sql"
        subprocess.run([pg_dump_binary(), "--dbname", server.database_url, "--file", str(dump)], check=True, stdin=subprocess.DEVNULL)
        database_files = [dump]
    else:
        database_files = files_under(server.data_dir)
    assert search_bytes(database_files, {"control": "reach_out_pages"}), "the search did not read the database"
    hits = search_bytes(sorted(set(database_files) | set(files_under(server.data_dir))),
                        {"visitor's message": VISITOR, "framed message": FRAMED, "visitor's address": "visitor@example.org",
                         "phone": "07700 900789"})
    assert not hits, "stored in plain text:\n  " + "\n  ".join(map(str, hits))
