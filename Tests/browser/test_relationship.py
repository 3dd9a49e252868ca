"""The relationship, in a real browser, on the demo practice: Dana's caseload puts Priya first (a risk alert, and her
PHQ-9 above the expected course) and says why on every row; the filter for "not on track" shows only her. On Sam's
record Dana confirms the possible rupture the rules raised from his feedback (37, then 31 with a comment), with the
marker she saw and a note, dismisses the other with a reason, then records the repair on the rupture's own page.
The record is read again on a phone, and Sam opens his own progress page on his: his change in
plain words, how his sessions felt, and the repair Dana chose to share; then he chooses words only.

The owner then reads the practice outcomes: counts per therapist and a chart, no client named, a bad range explained.

The steps run in order; once a step fails the later ones are skipped. Every page is checked (same-origin requests,
no inline code, axe-core at phone and desktop size) and screenshotted by `Browser`.
"""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from rapport_helpers import DESKTOP, PHONE, Browser, totp, usable_totp_step

pytestmark = pytest.mark.story

# The server for this story is made with `rapport demo` (conftest.py).
STARTS_FROM_DEMO = True

UUID = r"[0-9a-f-]{36}"


def account(server, name: str) -> dict:
    return next(a for a in server.demo_accounts if a["name"] == name)


def rows(browser: Browser) -> list[str]:
    return [row.text for row in browser.driver.find_elements(By.CSS_SELECTOR, "ul.caseload > li")]


def sign_in_staff(browser: Browser, person: dict, who: str, home: str, home_path: str) -> None:
    """A demo staff member signs in with their password and a code from their authenticator, at desktop size."""
    browser.new_person(DESKTOP)
    browser.go("/signin", f"{who} sign-in", "/signin")
    form = browser.form(f"{who} sign-in", field="email")
    browser.submit(form, {"email": person["email"], "password": person["password"]}, f"{who} sign-in", f"{who} two-step sign-in",
                   "/signin/two-factor")
    form = browser.form(f"{who} two-step sign-in", field="code")
    browser.submit(form, {"code": totp(person["totp_secret"], usable_totp_step())}, f"{who} two-step sign-in", home, home_path)


def test_01_the_caseload_puts_who_needs_attention_first_and_says_why(browser: Browser, server):
    sign_in_staff(browser, account(server, "Dana Okafor"), "Dana's", "caseload by need", "/clients")
    listed = rows(browser)
    assert listed and listed[0].startswith("Priya Nair"), f"On the caseload: Priya (risk alert) should be first, not {listed[:1]}"
    assert "Not on track: PHQ-9 above the expected course" in listed[0], f"On the caseload: Priya's row should say why: {listed[0]!r}"
    sam = next((row for row in listed if row.startswith("Sam Lee")), "")
    assert "Possible rupture: feedback fell 37 → 31" in sam, f"On the caseload: Sam's row should name the fall in feedback: {sam!r}"
    link = browser.element("nav.filters a.need-not-on-track", "caseload by need", "the 'Not on track' filter")
    browser.click(link, "caseload by need", "caseload: not on track only", "/clients")
    listed = rows(browser)
    assert len(listed) == 1 and listed[0].startswith("Priya Nair"), f"With the 'Not on track' filter only Priya should be listed, not {listed}"


def test_02_a_possible_rupture_is_confirmed_with_what_was_seen_and_the_other_dismissed(browser: Browser):
    browser.go("/clients", "caseload by need", "/clients")
    link = browser.driver.find_element(By.LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload by need", "Sam's record with possible ruptures")
    drop = browser.element("form[id$='-feedback-drop']", "Sam's record with possible ruptures", "the review form of the fall in feedback")
    drop.find_element(By.CSS_SELECTOR, "details.markers > summary").click()
    drop.find_element(By.NAME, "marker-complaint-about-arrangements").click()
    browser.submit(drop, {"note": "He said the session ended before he got to work; I had let it run over the hour before."},
                   "Sam's record with possible ruptures", "Sam's record after confirming")
    assert browser.has_element("#relationship .card.rupture.open"), "After confirming: the rupture should be on the log"
    log = browser.text_of("#relationship .card.rupture.open", "Sam's record after confirming", "the rupture on the log")
    assert "Complaint about the arrangements" in log and "No repair recorded yet" in log, f"The rupture on the log reads: {log!r}"
    other = browser.element("form[id$='-feedback-below-36-first']", "Sam's record after confirming", "the other possible rupture")
    other.find_element(By.NAME, "note").send_keys("The same moment as the fall in feedback, already on the log.")
    dismiss = other.find_element(By.CSS_SELECTOR, "button[value=dismiss]")
    browser.click(dismiss, "Sam's record after confirming", "Sam's record after dismissing")
    assert not browser.has_element("#relationship .card.rupture.possible"), "After dismissing: no possible rupture should be left"
    assert "1 dismissed" in browser.text_of("#relationship", "Sam's record after dismissing", "the relationship")


def test_03_the_repair_is_recorded_on_the_ruptures_own_page(browser: Browser):
    link = browser.element("#relationship .card.rupture.open a", "Sam's record after dismissing", "the link to record a repair")
    browser.click(link, "Sam's record after dismissing", "the rupture's page", re.compile(rf"/clients/{UUID}/ruptures/{UUID}"))
    form = browser.form("the rupture's page", css="form#repair-form")
    for name in ["action-named-it", "action-acknowledged-own-part"]:
        form.find_element(By.NAME, name).click()
    form.find_element(By.CSS_SELECTOR, "input[name=outcome][value=resolved]").click()
    form.find_element(By.NAME, "share_with_client").click()
    browser.submit(form, {"note": "Named that I had rushed the ending; we agreed I'd give a five-minute warning."},
                   "the rupture's page", "the rupture's page after the repair", re.compile(rf"/clients/{UUID}/ruptures/{UUID}"))
    text = browser.text_of("main", "the rupture's page after the repair", "the page")
    assert "Resolved" in text and "Acknowledged my own part" in text, f"The repair should be listed: {text[:400]!r}"


def test_04_the_record_reads_top_to_bottom_on_a_phone(browser: Browser):
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "record")
    browser.click(link, "the rupture's page after the repair", "Sam's record with a repaired rupture")
    browser.set_window(*PHONE)
    browser.go(browser.driver.current_url, "Sam's record on a phone")
    text = browser.text_of("#relationship", "Sam's record on a phone", "the relationship")
    assert "Repair: resolved" in text, f"On a phone the log should say the rupture was repaired: {text[:300]!r}"


def test_05_the_client_sees_his_progress_on_his_phone(browser: Browser, server):
    sam = account(server, "Sam Lee")
    browser.new_person(PHONE)
    browser.go("/signin", "client sign-in", "/signin")
    form = browser.form("client sign-in", field="email")
    browser.submit(form, {"email": sam["email"], "password": sam["password"]}, "client sign-in", "client home", "/me")
    link = browser.element("nav.client-nav a[href='/me/progress']", "client home", "the Progress link in the navigation")
    browser.click(link, "client home", "client progress", "/me/progress")
    text = browser.text_of("main", "client progress", "the progress page")
    assert "your answers about your mood have gone from 17 to 11" in text, f"Sam's progress should say his change in words: {text[:500]!r}"
    assert "talked about something that wasn't working between you" in text, f"The repair Dana shared should be there: {text[:800]!r}"
    assert "Complaint" not in text and "Confrontation" not in text, "The rupture's kind and markers stay with the therapist"
    form = browser.form("client progress", css="form#progress-view-form")
    words = form.find_element(By.CSS_SELECTOR, "input[name=show][value=words]")
    # Scrolled into the middle of the screen first, as a thumb would, clear of the navigation bar along the bottom.
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", words)
    words.click()
    browser.submit(form, {}, "client progress", "client progress in words only", "/me/progress")
    text = browser.text_of("main", "client progress in words only", "the progress page")
    assert "gone from 17" not in text and "of 40" not in text, f"In words only, no score should show: {text[:500]!r}"


def test_06_the_owner_reads_the_practice_outcomes_and_no_one_by_name(browser: Browser, server):
    sign_in_staff(browser, account(server, "Morgan Reyes"), "the owner's", "the practice", "/practice")
    link = browser.element("nav a[href='/practice/outcomes']", "the practice", "the Outcomes link in the navigation")
    browser.click(link, "the practice", "practice outcomes", "/practice/outcomes")
    text = browser.text_of("main", "practice outcomes", "the page")
    assert "Reliable recovery" in text and "Dana Okafor" in text and "Jonas Berg" in text, f"The outcomes page reads: {text[:600]!r}"
    for client in ["Sam Lee", "Priya Nair", "Maya Chen", "Lena Fischer"]:
        assert client not in text, f"Practice outcomes are counts only: {client} should not be named"
    assert browser.has_element("figure#outcomes-chart svg[role=img]"), "The outcomes should be drawn as a chart"
    csv = browser.element("a#outcomes-csv", "practice outcomes", "the CSV download link")
    assert "/practice/outcomes.csv?from=" in csv.get_attribute("href")
    # A range that isn't one is explained on the page.
    browser.go("/practice/outcomes?from=2026-02-30", "practice outcomes with a bad date", allow_error=True)
    assert "year-month-day" in browser.text_of("main", "practice outcomes with a bad date", "the page")
    browser.set_window(*PHONE)
    browser.go("/practice/outcomes", "practice outcomes on a phone", "/practice/outcomes")
