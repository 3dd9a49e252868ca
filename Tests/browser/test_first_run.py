"""First run of a practice, in a real browser: the owner sets the practice up, invites a therapist, who
invites a client; the therapist writes notes the client never sees; nothing confidential is stored in
plain text.

Each test is one step of the story and they run in order, sharing `story`; once a step fails the later
ones are skipped. Every page the browser lands on is checked (same-origin requests only, no inline
styles or scripts, no CSP violations) and screenshotted at phone and desktop size by `Browser`.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass, field
from typing import Optional

import pytest
from selenium.webdriver.common.by import By

from rapport_helpers import (BUILD_DIR, DB_KIND, DESKTOP, PHONE, Browser, files_under, pg_dump_binary,
                             search_bytes, totp, usable_totp_step)

pytestmark = pytest.mark.story

RUN = uuid.uuid4().hex[:8]
UUID_PATH = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

# What must never be found in the database files (the control string must be: it proves the search
# reads the database). Fluent keeps its migration log in this table on SQLite and PostgreSQL alike.
CONTROL_STRING = "_fluent_migrations"


@dataclass
class Person:
    name: str
    email: str
    password: str
    totp_secret: Optional[str] = None
    totp_step: Optional[int] = None  # the last 30-s step whose code was used

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass
class Story:
    practice_name: str = "Harbour Light Psychotherapy"
    owner: Person = field(default_factory=lambda: Person(
        "Ada Lindqvist", f"Ada.Lindqvist.{RUN}@Example.org", f"owner-long-passphrase-{RUN}"))
    therapist: Person = field(default_factory=lambda: Person(
        "Tomás Ferreira", f"Tomas.Ferreira.{RUN}@Example.org", f"therapist-long-passphrase-{RUN}"))
    client: Person = field(default_factory=lambda: Person(
        "Marisol Quintanilla-Vey", f"Marisol.QV.{RUN}@Example.net", f"client-long-passphrase-{RUN}"))
    progress_marker: str = field(default_factory=lambda: f"MARKER-{uuid.uuid4().hex}")
    psychotherapy_marker: str = field(default_factory=lambda: f"MARKER-{uuid.uuid4().hex}")
    feedback_marker: str = field(default_factory=lambda: f"MARKER-{uuid.uuid4().hex}")
    therapist_invitation: Optional[str] = None
    client_invitation: Optional[str] = None
    client_page: Optional[str] = None  # /clients/<uuid>


@pytest.fixture(scope="module")
def story() -> Story:
    return Story()


# ----------------------------------------------------------------------------------------------------
# Small steps the story is told in


def scan_qr(browser: Browser, css: str, page: str) -> str:
    """What a phone's camera would read: a screenshot of the element, decoded by zbarimg (Debian zbar-tools)."""
    element = browser.element(css, page, "the QR code")
    shot = BUILD_DIR / "qr-scan.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(element.screenshot_as_png)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip(), (
        f"On the {page} page: zbarimg could not read the QR code (exit {result.returncode}): {result.stderr.strip()!r}")
    return result.stdout.strip()


def enrol_totp(browser: Browser, person: Person, page: str, home_page: str, home: str) -> list[str]:
    """On /account/two-factor: scan the QR code as a phone would, check it carries the key shown beside it,
    answer with the current code from the scanned key, see the ten recovery codes (shown this once), go on
    to `home`. Returns the recovery codes."""
    typed = re.sub(r"\s+", "", browser.text_of("#totp-secret", page, "the TOTP secret in base32"))
    assert re.fullmatch(r"[A-Za-z2-7]+=*", typed), f"On the {page} page: #totp-secret is not base32: {typed!r}"
    scanned = scan_qr(browser, "#totp-qr svg", page)
    assert scanned.startswith("otpauth://totp/"), f"On the {page} page: the QR code reads {scanned!r}, not an otpauth:// address"
    secret = (re.search(r"[?&]secret=([A-Za-z2-7]+)", scanned) or [None, ""])[1]
    assert secret == typed, f"On the {page} page: the QR code's key {secret!r} is not the key shown ({typed!r})"
    # A reload shows the same key, so what the app already holds keeps working.
    browser.go(browser.page_path, f"{page} (reloaded)", browser.page_path)
    again = re.sub(r"\s+", "", browser.text_of("#totp-secret", page, "the TOTP secret in base32"))
    assert again == typed, f"On the {page} page: reloading changed the key from {typed!r} to {again!r}"
    person.totp_secret = secret
    step = usable_totp_step()
    form = browser.form(page, field="code")
    codes_page = f"{page}: recovery codes"
    browser.submit(form, {"code": totp(secret, step)}, page, codes_page, "/account/two-factor")
    person.totp_step = step
    codes = [element.text.strip() for element in browser.driver.find_elements(By.CSS_SELECTOR, "#recovery-codes li code")]
    assert len(codes) == 10 and all(re.fullmatch(r"[2-9a-hjkmnp-z]{6}-[2-9a-hjkmnp-z]{6}", code) for code in codes), (
        f"On the {codes_page} page: expected ten codes like k7mqx2-h9tdrw in #recovery-codes, found {codes!r}")
    warning = browser.text_of("#recovery-codes-warning", codes_page, "the words about keeping the codes")
    assert "won't be shown again" in warning.replace("\u2019", "'"), f"On the {codes_page} page: the warning says {warning!r}"
    browser.click(browser.element("#recovery-codes-continue", codes_page, "the way on"), codes_page, home_page, home)
    return codes


def invite(browser: Browser, action: str, person: Person, role: str, page: str) -> str:
    """Fills the invitation form posting to `action`; returns the invitation link the page shows."""
    form = browser.form(page, action=action, follow_links=True)
    browser.submit(form, {"name": person.name, "email": person.email}, page, f"{role} invitation created")
    element = browser.element("#invitation-link", f"{role} invitation created", "the invitation link")
    link = (element.text or element.get_attribute("value") or element.get_attribute("href") or "").strip()
    if not link.startswith(browser.origin + "/"):
        browser.fail(f"{role} invitation created",
                     f"#invitation-link to hold an absolute link on {browser.origin}, not {link!r}")
    return link


def sign_in(browser: Browser, person: Person, next_page: str, expect_path: str) -> None:
    browser.go("/signin", "sign-in", "/signin")
    form = browser.form("sign-in", field="email")
    browser.submit(form, {"email": person.email, "password": person.password}, "sign-in", next_page, expect_path)


def write_note(browser: Browser, form_id: str, text: str, page: str) -> None:
    """Submits the note form `form_id` on a client's page; the same page comes back."""
    form = browser.form(page, css=f"form{form_id}")
    browser.submit(form, {"body": text}, page, f"{page} after saving a note", browser.page_path)


def shows_text(browser: Browser, css: str, text: str) -> bool:
    return any(text in element.text for element in browser.driver.find_elements(By.CSS_SELECTOR, css))


def accept_invitation(browser: Browser, size, link: str, person: Person, page: str, next_page: str, next_path: str):
    """A new person opens their invitation link on a fresh browser and chooses a password."""
    browser.new_person(size)
    browser.go(link, page)
    form = browser.form(page, field="password")
    browser.submit(form, {"password": person.password, "password_confirmation": person.password},
                   page, next_page, next_path)


# ----------------------------------------------------------------------------------------------------
# The story


def test_01_owner_sets_up_the_practice(browser: Browser, server, story: Story):
    browser.new_person(DESKTOP)
    browser.go(server.setup_link, "setup", re.compile(r"/setup/.+"))
    form = browser.form("setup", field="practice_name")
    # This practice has therapists: its owner runs it and sees no clients (the solo story is test_solo_practice.py).
    box = browser.element("#sees_clients", "setup", "the 'I see clients here myself' checkbox")
    assert box.is_selected(), "On the setup page: 'I see clients here myself' should be ticked to begin with (a solo practice is the usual one)"
    box.click()
    browser.submit(form, {
        "practice_name": story.practice_name,
        "name": story.owner.name,
        "email": story.owner.email,
        "password": story.owner.password,
    }, "setup", "owner two-factor enrolment", "/account/two-factor")


def test_02_owner_enrols_two_factor(browser: Browser, story: Story):
    enrol_totp(browser, story.owner, "owner two-factor enrolment", "practice home", "/practice")


def test_03_owner_invites_a_therapist(browser: Browser, story: Story):
    story.therapist_invitation = invite(browser, "/practice/invitations", story.therapist, "therapist", "practice home")


def test_03a_owner_reads_the_practice_agreement(browser: Browser, story: Story):
    """Rapport's starting agreement is in place, with the limits every client reads before their first check-in."""
    browser.go("/practice/consent", "the practice's agreement", "/practice/consent")
    preview = browser.text_of("#consent-preview", "the practice's agreement", "what clients read now")
    for heading in ["The limits of confidentiality", "If someone's safety is at serious risk", "If a child or an adult at risk may be harmed",
                    "If the law requires it", "How your record is kept"]:
        assert heading in preview, f"The agreement clients read should say {heading!r}: {preview[:400]!r}"
    assert "version 1" in browser.text_of("main", "the practice's agreement", "the page")


def test_04_therapist_accepts_and_enrols_two_factor(browser: Browser, story: Story):
    accept_invitation(browser, DESKTOP, story.therapist_invitation, story.therapist, "therapist invitation",
                      "therapist two-factor enrolment", "/account/two-factor")
    enrol_totp(browser, story.therapist, "therapist two-factor enrolment", "therapist home", "/clients")


def test_05_therapist_invites_a_client(browser: Browser, story: Story):
    story.client_invitation = invite(browser, "/clients/invitations", story.client, "client", "therapist home")


def test_06_client_accepts_on_a_phone_signs_out_and_in(browser: Browser, story: Story):
    accept_invitation(browser, PHONE, story.client_invitation, story.client, "client invitation", "client home", "/me")
    heading = browser.text_of("h1", "client home", "a heading")
    assert story.client.first_name in heading, (
        f"On the client home page: expected the h1 to greet {story.client.first_name!r}, it says {heading!r}")

    sign_out = browser.element("#signout-form button", "client home", "the sign-out button")
    browser.click(sign_out, "client home", "after sign-out")
    sign_in(browser, story.client, "client home", "/me")


def test_07_therapist_signs_in_with_a_new_code(browser: Browser, story: Story):
    browser.new_person(DESKTOP)
    sign_in(browser, story.therapist, "two-factor sign-in", "/signin/two-factor")
    step = usable_totp_step(after=story.therapist.totp_step)  # each 30-s step is accepted once
    form = browser.form("two-factor sign-in", field="code")
    browser.submit(form, {"code": totp(story.therapist.totp_secret, step)},
                   "two-factor sign-in", "therapist home", "/clients")
    story.therapist.totp_step = step


def test_08_therapist_writes_notes(browser: Browser, story: Story):
    name = story.client.name
    links = [a for a in browser.driver.find_elements(By.CSS_SELECTOR, "a.client-link") if name in a.text]
    if not links:
        browser.fail("therapist home", f"a link a.client-link with the text {name!r}")
    browser.click(links[0], "therapist home", "client record", re.compile(r"/clients/" + UUID_PATH))
    story.client_page = browser.page_path

    write_note(browser, "#progress-note-form", f"Progress note {story.progress_marker}: sleeping better.",
               "client record")
    browser.wait(lambda _: shows_text(browser, ".note-body", story.progress_marker),
                 "client record", "the progress note in a .note-body", timeout=5)

    write_note(browser, "#psychotherapy-note-form",
               f"Psychotherapy note {story.psychotherapy_marker}: transference themes.", "client record")
    browser.wait(lambda _: shows_text(browser, ".note-body", story.psychotherapy_marker)
                 or story.psychotherapy_marker in browser.visible_text(),
                 "client record", "the psychotherapy note to be shown", timeout=5)


def test_09_client_sees_neither_note(browser: Browser, story: Story):
    browser.new_person(PHONE)
    sign_in(browser, story.client, "client home", "/me")
    markers = (story.progress_marker, story.psychotherapy_marker)
    for marker in markers:
        assert marker not in browser.dom() and marker not in (browser.page.html or ""), (
            f"On the client home page (/me): a therapist's note ({marker}) is shown to the client")

    # Nor behind the therapist's page for them, whatever the server answers there.
    browser.go(story.client_page, "client record, opened by the client", allow_error=True)
    for marker in markers:
        assert marker not in browser.dom() and marker not in (browser.page.html or ""), (
            f"On {story.client_page}, opened by the client: a therapist's note ({marker}) is shown to the client")


# PHQ-9 answers for the check-in: item 9 ("thoughts that you would be better off dead…") is "Several days".
PHQ9_ANSWERS = [2, 2, 1, 1, 1, 1, 1, 0, 1]  # total 10: moderate, with the risk flag
FEEDBACK_ANSWERS = [7, 8, 6, 9]  # total 30 of 40: below 36, so worth talking about


def book_session(browser: Browser, start: datetime, page: str) -> None:
    """Books a 50-minute session on the client's record. Date and time inputs are set as their values (the
    browser's own date picker differs by locale); RAPPORT_TIMEZONE is UTC in the test server."""
    form = browser.form(page, css="form#schedule-form")
    browser.driver.execute_script(
        "arguments[0].querySelector('[name=date]').value = arguments[1];"
        "arguments[0].querySelector('[name=time]').value = arguments[2];",
        form, start.strftime("%Y-%m-%d"), start.strftime("%H:%M"))
    browser.submit(form, {"length": "50"}, page, f"{page} after booking", browser.page_path)


def test_09a_therapist_books_a_session_just_held_and_the_next_one(browser: Browser, story: Story):
    browser.new_person(DESKTOP)
    sign_in(browser, story.therapist, "two-factor sign-in", "/signin/two-factor")
    step = usable_totp_step(after=story.therapist.totp_step)
    form = browser.form("two-factor sign-in", field="code")
    browser.submit(form, {"code": totp(story.therapist.totp_secret, step)}, "two-factor sign-in", "therapist home", "/clients")
    story.therapist.totp_step = step
    browser.go(story.client_page, "client record", story.client_page)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    book_session(browser, now - timedelta(hours=2), "client record")
    book_session(browser, now + timedelta(days=2), "client record")
    past = browser.driver.find_elements(By.CSS_SELECTOR, "#timeline .timeline-session")
    assert past, "On the client record: the session two hours ago is not listed in the relationship over time"


def answer_check_in(browser: Browser, instrument: str, answers: list[int], page: str, story: Optional[Story] = None) -> None:
    """From the client's home, opens the check-in for `instrument` and taps one answer per question. With `story`, this
    is the client's first check-in: the practice's agreement comes first, and they sign it with their name."""
    links = [a for a in browser.driver.find_elements(By.CSS_SELECTOR, "a.check-in-link")
             if a.get_attribute("href").endswith("/" + instrument)]
    if not links:
        browser.fail("client home", f"a link a.check-in-link to the {instrument} check-in")
    if story is not None:
        browser.click(links[0], "client home", "the agreement before the first check-in", "/me/consent")
        text = browser.text_of("main", "the agreement before the first check-in", "the agreement")
        assert "The limits of confidentiality" in text and "If someone's safety is at serious risk" in text, text[:500]
        form = browser.form("the agreement before the first check-in", css="form#consent-form")
        browser.submit(form, {"signature": story.client.name}, "the agreement before the first check-in", page,
                       re.compile(r"/me/check-ins/" + UUID_PATH + "/" + instrument))
    else:
        browser.click(links[0], "client home", page, re.compile(r"/me/check-ins/" + UUID_PATH + "/" + instrument))
    for number, value in enumerate(answers, start=1):
        label = browser.text_of("#progress-label", page, "the progress label")
        assert f"Question {number} of {len(answers)}" in label, (
            f"On the {page} page: expected 'Question {number} of {len(answers)}', the page says {label!r}")
        button = browser.element(f"button.answer[value='{value}']", page, f"the answer button with value {value}")
        browser.click(button, page, page if number < len(answers) else f"{page}, after the last answer")


def test_09b_client_completes_phq9_on_a_phone_and_sees_where_to_find_help(browser: Browser, story: Story):
    browser.new_person(PHONE)
    sign_in(browser, story.client, "client home", "/me")
    waiting = browser.text_of("#consent-waiting", "client home", "the agreement waiting to be signed")
    assert "Before your first check-in" in waiting, waiting
    answer_check_in(browser, "phq-9", PHQ9_ANSWERS, "PHQ-9 check-in", story=story)
    assert browser.page_path.endswith("/done"), f"After the last PHQ-9 answer: expected the thank-you page, got {browser.page_path}"
    support = browser.element("#crisis-resources", "PHQ-9 thank-you", "the crisis resources (#crisis-resources)")
    assert "emergency" in support.text and support.is_displayed(), (
        f"On the PHQ-9 thank-you page: the crisis resources should say where to turn now; they say {support.text!r}")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "a.check-in-link"), (
        "On the PHQ-9 thank-you page after a risk answer: nothing else should be offered to fill in (it waits on the home page)")


def test_09c_client_gives_session_feedback_with_a_comment(browser: Browser, story: Story):
    browser.go("/me", "client home", "/me")
    waiting = [a.text for a in browser.driver.find_elements(By.CSS_SELECTOR, "a.check-in-link")]
    assert waiting and not any(code in text for text in waiting for code in ("PHQ", "GAD", "CORE", "ORS", "SRS")), (
        f"On the client home: check-ins should be named in plain words, never by a measure's code; they read {waiting!r}")
    answer_check_in(browser, "session-feedback", FEEDBACK_ANSWERS, "session feedback")
    form = browser.form("session feedback comment", field="comment")
    browser.submit(form, {"comment": f"The ending felt rushed ({story.feedback_marker})."},
                   "session feedback comment", "feedback thank-you", re.compile(r"/me/check-ins/.+/done"))
    heading = browser.text_of("h1", "feedback thank-you", "a heading")
    assert "Thank you" in heading, f"After sending feedback: expected a thank-you, the page says {heading!r}"


def test_09d_therapist_sees_scores_feedback_and_the_risk_alert(browser: Browser, story: Story):
    browser.new_person(DESKTOP)
    sign_in(browser, story.therapist, "two-factor sign-in", "/signin/two-factor")
    step = usable_totp_step(after=story.therapist.totp_step)
    form = browser.form("two-factor sign-in", field="code")
    browser.submit(form, {"code": totp(story.therapist.totp_secret, step)}, "two-factor sign-in", "therapist home", "/clients")
    story.therapist.totp_step = step
    assert shows_text(browser, "a.client-link", "Risk alert"), "On the caseload: the client's link does not show 'Risk alert'"
    browser.go(story.client_page, "client record", story.client_page)
    consent = browser.text_of("#consent-status", "client record", "where the client stands with the agreement")
    assert "signed the practice's agreement (version 1)" in consent, consent
    alert = browser.text_of("#risk-alerts", "client record", "the risk alert (#risk-alerts)")
    assert "PHQ-9" in alert and "Several days" in alert, f"On the client record: the risk alert should name PHQ-9 item 9; it says {alert!r}"
    scores = browser.text_of("table.scores", "client record", "the scores table")
    score = browser.text_of("table.scores td.score", "client record", "the latest score cell")
    assert "PHQ-9" in scores and score == "10" and "Moderate" in scores, (
        f"On the client record: expected PHQ-9 10, Moderate in the scores; the table says {scores!r}")
    feedback = browser.text_of("#timeline", "client record", "the relationship over time, with the session's feedback")
    assert "30 of 40" in feedback and story.feedback_marker in feedback, (
        f"On the client record: expected the feedback (30 of 40, with the comment); it says {feedback!r}")


def confidential_strings(story: Story) -> dict[str, str]:
    needles = {
        "progress-note marker": story.progress_marker,
        "psychotherapy-note marker": story.psychotherapy_marker,
        "feedback comment marker": story.feedback_marker,
        "client's name": story.client.name,
        "client's first name": story.client.first_name,
        "client's surname": story.client.name.split()[-1],
    }
    for who, person in (("client", story.client), ("therapist", story.therapist)):
        needles[f"{who}'s email"] = person.email
        needles[f"{who}'s email, lowercased"] = person.email.lower()
    return needles


@pytest.mark.final_check
def walk_navigation(browser: Browser, who: str) -> list[str]:
    """Clicks every item of the page's main navigation in turn; each page opens with its item marked as current."""
    hrefs = [a.get_attribute("href") for a in browser.driver.find_elements(By.CSS_SELECTOR, "nav[aria-label='Main'] a")]
    assert len(hrefs) >= 3, f"{who}: the navigation should offer at least three places; it has {hrefs!r}"
    for href in hrefs:
        path = urlparse(href).path
        link = browser.element(f"nav[aria-label='Main'] a[href='{path}']", f"{who} navigation", f"the link to {path}")
        browser.click(link, f"{who} navigation", f"{who} {path}", path)
        current = browser.driver.find_elements(By.CSS_SELECTOR, "nav[aria-label='Main'] a[aria-current='page']")
        assert [urlparse(c.get_attribute("href")).path for c in current] == [path], (
            f"On {path}: the navigation should mark exactly that page as current; it marks {[c.text for c in current]!r}")
        skip = browser.driver.find_elements(By.CSS_SELECTOR, "a.skip-link[href='#main']")
        assert skip, f"On {path}: a 'Skip to content' link should come first"
    return [urlparse(h).path for h in hrefs]


def test_09e_everyone_finds_their_way_by_the_navigation(browser: Browser, story: Story):
    # The therapist, still signed in from the step before, on a desktop.
    walked = walk_navigation(browser, "therapist")
    assert "/clients" in walked and "/account/calendar" in walked, f"The therapist's navigation: {walked!r}"
    # The client, on a phone: the navigation is a bar along the bottom of the screen, within reach of a thumb.
    browser.new_person(PHONE)
    sign_in(browser, story.client, "client home", "/me")
    bar = browser.element("nav.client-nav", "client home", "the client's navigation bar")
    bottom = browser.driver.execute_script("return arguments[0].getBoundingClientRect().bottom", bar)
    height = browser.driver.execute_script("return window.innerHeight")
    assert abs(bottom - height) <= 2, f"On a phone the client's navigation should sit at the bottom of the screen ({bottom} of {height})"
    walked = walk_navigation(browser, "client")
    assert walked == ["/me", "/me/sessions", "/me/check-ins", "/me/progress", "/me/messages"], f"The client's navigation: {walked!r}"


def test_10_nothing_confidential_is_stored_in_plain_text(server, story: Story):
    server.stop()
    if DB_KIND == "postgres":
        dump = BUILD_DIR / "browser" / "database-postgres.sql"
        subprocess.run([pg_dump_binary(), "--dbname", server.database_url, "--file", str(dump)],
                       check=True, stdin=subprocess.DEVNULL)
        database_files = [dump]
    else:
        database_files = files_under(server.data_dir)
    assert database_files, f"no files in the server's data folder {server.data_dir}"

    if not search_bytes(database_files, {"control": CONTROL_STRING}):
        pytest.fail(f"the control string {CONTROL_STRING!r} is in none of {[str(p) for p in database_files]}: "
                    f"the search did not read the database", pytrace=False)

    # Everything the server keeps in its data folder counts, on PostgreSQL as well (keys, caches, logs…).
    searched = sorted(set(database_files) | set(files_under(server.data_dir)))
    hits = search_bytes(searched, confidential_strings(story))
    if hits:
        pytest.fail("confidential data stored in plain text:\n  " + "\n  ".join(map(str, hits)), pytrace=False)


@pytest.mark.final_check
def test_11_server_output_has_no_client_data(server, story: Story):
    server.stop()
    hits = search_bytes([server.log_path], confidential_strings(story))
    if hits:
        pytest.fail("the server's output (its log) holds client data:\n  " + "\n  ".join(map(str, hits)),
                    pytrace=False)
