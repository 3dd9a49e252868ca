"""Between sessions, in a real browser, on the demo practice: Sam writes to his care team from his phone (the page
says first that messages are not for emergencies and how soon the practice replies; an empty message is explained
and nothing is sent); Dana sees on his record that messages wait, reads them and replies; Sam sees on his home page
that his therapist has written, and reads the reply (Dana sees the messages waiting on her caseload too). Dana gives
him words to carry, which he pins to his home page; then, from his phone, he adds a line to the safety plan they wrote
together, which his home page shows beside the crisis resources; and he logs a go at the practice he agreed with Dana
in two taps (how it went, then how it felt, with a note). Dana sees it on his record and ends therapy with a closing
letter; Sam finds the letter and plan from his home page, which asks nothing more of him, and reaches out again in
one tap. Noor, whose therapy ended five weeks ago, answers her one-month follow-up check-in on her phone.

The steps run in order; once a step fails the later ones are skipped. Every page is checked (same-origin requests,
no inline code, axe-core at phone and desktop size) and screenshotted by `Browser`.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess

import pytest
from selenium.webdriver.common.by import By

from rapport_helpers import (BUILD_DIR, DB_KIND, DESKTOP, PHONE, Browser, files_under, pg_dump_binary, search_bytes, totp,
                             usable_totp_step)
# This story's server sends its email to a real SMTP server of its own (the email story's), so the last step can read
# every email it received for what must never be in one.
from test_email import mail, server_env  # noqa: F401 — fixtures, used by conftest's `server`

pytestmark = pytest.mark.story

# The server for this story is made with `rapport demo` (conftest.py).
STARTS_FROM_DEMO = True

# Words that appear nowhere else, so the test knows it is reading this message and not the demo's.
FROM_SAM = f"I practised saying no at work today ({secrets.token_hex(3)})."
# Dana's two-step codes so far: a server accepts each step once, so her next sign-in waits for a newer one.
USED_STEPS: list[int] = []
FROM_DANA = f"That took courage. Let's look at what made it possible ({secrets.token_hex(3)})."


def account(server, name: str) -> dict:
    return next(a for a in server.demo_accounts if a["name"] == name)


def sign_in_client(browser: Browser, person: dict) -> None:
    browser.new_person(PHONE)
    browser.go("/signin", "client sign-in", "/signin")
    form = browser.form("client sign-in", field="email")
    browser.submit(form, {"email": person["email"], "password": person["password"]}, "client sign-in", "client home", "/me")


def sign_in_dana(browser: Browser, server, again: str) -> None:
    """Dana signs in at desktop size with a code of a step newer than any she used before (each is accepted once)."""
    dana = account(server, "Dana Okafor")
    browser.new_person(DESKTOP)
    browser.go("/signin", f"Dana's sign-in{again}", "/signin")
    form = browser.form(f"Dana's sign-in{again}", field="email")
    browser.submit(form, {"email": dana["email"], "password": dana["password"]}, f"Dana's sign-in{again}",
                   f"Dana's two-step sign-in{again}", "/signin/two-factor")
    form = browser.form(f"Dana's two-step sign-in{again}", field="code")
    step = usable_totp_step(after=max(USED_STEPS, default=None))
    USED_STEPS.append(step)
    browser.submit(form, {"code": totp(dana["totp_secret"], step)}, f"Dana's two-step sign-in{again}", f"caseload{again}", "/clients")


def test_01_the_client_writes_to_his_care_team_from_his_phone(browser: Browser, server):
    sign_in_client(browser, account(server, "Sam Lee"))
    link = browser.element("nav.client-nav a[href='/me/messages']", "client home", "the Messages link in the navigation")
    browser.click(link, "client home", "client messages", "/me/messages")
    note = browser.text_of("#not-for-emergencies", "client messages", "the line about emergencies")
    assert "Messages are not for emergencies." in note and "within 2 working days" in note, f"The page should say so first: {note!r}"
    assert browser.has_element("#crisis-resources"), "The crisis resources should be on the messages page"
    thread = browser.text_of("#thread", "client messages", "the thread")
    assert "it isn't proof you did something wrong" in thread, f"Dana's earlier reply should be in the thread: {thread[:400]!r}"
    # An empty message is explained beside the box, and nothing is sent.
    form = browser.form("client messages", css="form#message-form")
    browser.submit(form, {"body": "   "}, "client messages", "client messages with an empty message", "/me/messages", allow_error=True)
    error = browser.text_of("#message-error", "client messages with an empty message", "the message's error")
    assert "The message is empty" in error, f"An empty message should be explained: {error!r}"
    form = browser.form("client messages with an empty message", css="form#message-form")
    browser.submit(form, {"body": FROM_SAM}, "client messages with an empty message", "client messages after sending", "/me/messages")
    assert "Sent." in browser.text_of("main", "client messages after sending", "the page"), "Sending should be confirmed"
    mine = browser.driver.find_elements(By.CSS_SELECTOR, "#thread li.message.mine")
    assert mine and FROM_SAM in mine[-1].text, "Sam's message should be the last of his own in the thread"


def test_02_the_therapist_sees_messages_waiting_reads_and_replies(browser: Browser, server):
    sign_in_dana(browser, server, "")
    sam_row = next(row.text for row in browser.driver.find_elements(By.CSS_SELECTOR, "ul.caseload > li") if row.text.startswith("Sam Lee"))
    assert "2 new messages" in sam_row, f"The caseload should say two messages wait beside Sam's name: {sam_row!r}"
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload", "Sam's record")
    waiting = browser.text_of("#messages", "Sam's record", "the messages part")
    assert "2 new messages from Sam" in waiting, f"The record should say two messages wait: {waiting!r}"
    link = browser.element("#messages a", "Sam's record", "the link to the thread")
    browser.click(link, "Sam's record", "Dana's thread with Sam")
    thread = browser.text_of("#thread", "Dana's thread with Sam", "the thread")
    assert FROM_SAM in thread, f"Sam's new message should be in the thread: {thread[-400:]!r}"
    form = browser.form("Dana's thread with Sam", css="form#message-form")
    browser.submit(form, {"body": FROM_DANA}, "Dana's thread with Sam", "Dana's thread after replying")
    assert FROM_DANA in browser.text_of("#thread", "Dana's thread after replying", "the thread")
    back = browser.element("main p a", "Dana's thread after replying", "the way back to the record")
    browser.click(back, "Dana's thread after replying", "Sam's record after reading")
    assert "Nothing new from Sam" in browser.text_of("#messages", "Sam's record after reading", "the messages part")
    # Who opened the record: Dana reads the list Sam sees (issue 12, point 2).
    link = browser.element("a[href$='/access']", "Sam's record after reading", "the link to who opened the record")
    browser.click(link, "Sam's record after reading", "who opened Sam's record, Dana's copy")
    log = browser.text_of(".access-log", "who opened Sam's record, Dana's copy", "the list")
    assert "Dana Okafor, therapist opened your record" in log, f"Dana's reads of Sam's record should be listed: {log[:300]!r}"


def test_03_the_client_sees_his_therapist_has_written(browser: Browser, server):
    sign_in_client(browser, account(server, "Sam Lee"))
    card = browser.text_of("#new-messages", "client home", "the new-message card")
    assert "Your care team has written to you." in card, f"Sam's home should say a message waits: {card!r}"
    link = browser.element("#new-messages a", "client home", "the link to read it")
    browser.click(link, "client home", "client messages with the reply", "/me/messages")
    theirs = browser.driver.find_elements(By.CSS_SELECTOR, "#thread li.message.theirs")
    assert theirs and FROM_DANA in theirs[-1].text and "Dana Okafor" in theirs[-1].text, "Dana's reply should be the last in the thread"
    browser.go("/me", "client home after reading")
    assert not browser.has_element("#new-messages"), "Once read, the home page should not say a message waits"
    # The promise on his home page, kept: who opened his record, Dana's reads among them, newest first.
    link = browser.element("a[href='/me/record-access']", "client home after reading", "the link to who opened his record")
    browser.click(link, "client home after reading", "who opened Sam's record", "/me/record-access")
    entries = [li.text for li in browser.driver.find_elements(By.CSS_SELECTOR, ".access-log li")]
    assert entries and "Dana Okafor, therapist" in entries[0], f"Dana's latest access should come first: {entries[:3]!r}"
    assert any("Dana Okafor, therapist opened your record" in entry for entry in entries), f"Her reading his record should be there: {entries[:5]!r}"


PLAN_LINE = f"Call Dana's practice line and leave a message ({secrets.token_hex(3)})."
WORDS = f"Saying no is a way of saying yes to yourself ({secrets.token_hex(3)})."


def test_04_the_therapist_gives_words_to_carry_and_the_client_pins_them(browser: Browser, server):
    sign_in_dana(browser, server, " again")
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload again", "Sam's record for words to carry")
    opener = browser.element("#words-form-opener summary", "Sam's record for words to carry", "the 'Write words to carry' opener")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", opener)
    opener.click()
    form = browser.form("Sam's record for words to carry", css="form#words-form")
    browser.submit(form, {"body": WORDS}, "Sam's record for words to carry", "Sam's record with the words given")
    assert WORDS in browser.text_of("#words", "Sam's record with the words given", "the words part")

    sign_in_client(browser, account(server, "Sam Lee"))
    card = browser.text_of("#words-to-carry", "client home", "the words-to-carry card")
    assert "guilt is not proof you did something wrong" in card, f"The words Sam pinned should be on his home page: {card!r}"
    link = browser.element("#words-to-carry a[href='/me/words']", "client home", "the link to all his words")
    browser.click(link, "client home", "client words to carry", "/me/words")
    item = next(li for li in browser.driver.find_elements(By.CSS_SELECTOR, "ul.words-list > li") if WORDS in li.text)
    button = item.find_element(By.CSS_SELECTOR, "button")
    assert button.text == "Pin to my home page"
    browser.click(button, "client words to carry", "client words to carry after pinning", "/me/words")
    browser.go("/me", "client home with the new words pinned")
    assert WORDS in browser.text_of("#words-to-carry", "client home with the new words pinned", "the words-to-carry card")


def test_05_the_client_adds_to_his_safety_plan_on_his_phone(browser: Browser, server):
    # Still Sam, on his phone: the plan he wrote with Dana is beside the crisis resources on his home page.
    browser.go("/me", "client home with his safety plan")
    summary = browser.element("#your-safety-plan summary", "client home with his safety plan", "the safety plan, closed")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    plan = browser.text_of("#your-safety-plan", "client home with his safety plan", "the safety plan")
    assert "My sister keeps the spare medication." in plan, f"Sam's plan should open on his home page: {plan[:300]!r}"
    link = browser.element("#your-safety-plan a[href='/me/safety-plan']", "client home with his safety plan", "the link to change it")
    browser.click(link, "client home with his safety plan", "client safety plan", "/me/safety-plan")
    form = browser.form("client safety plan", css="form#safety-plan-form")
    coping = form.find_element(By.CSS_SELECTOR, "textarea[name=coping]").get_attribute("value")
    browser.submit(form, {"coping": coping + "\n" + PLAN_LINE}, "client safety plan", "client safety plan saved", "/me/safety-plan")
    text = browser.text_of("main", "client safety plan saved", "the page")
    assert "Saved." in text and PLAN_LINE in text and "Version 2" in text and "by you" in text, text[:600]


PRACTICE_NOTE = f"Told my manager I can't take the extra shift ({secrets.token_hex(3)})."


def test_06_the_client_logs_a_practice_attempt_in_two_taps(browser: Browser, server):
    # Still Sam, on his phone: the practice he agreed with Dana is on his home page, with the first tap.
    browser.go("/me", "client home with his practice")
    card = browser.text_of("#practice", "client home with his practice", "the practice card")
    assert "Say no to one request I would usually agree to." in card and "How did it go?" in card, card[:400]
    tried = browser.element("#practice button[value='tried']", "client home with his practice", "the 'Tried' button")
    browser.click(tried, "client home with his practice", "how the practice felt", re.compile(r"^/me/practice/attempts/[0-9a-f-]{36}$"))
    assert "Logged: tried." in browser.text_of("main", "how the practice felt", "the page")
    browser.driver.find_element(By.ID, "attempt-note").send_keys(PRACTICE_NOTE)
    good = browser.element("#feeling-form button[value='good']", "how the practice felt", "the 'Good' button")
    browser.click(good, "how the practice felt", "client practice after logging", "/me/practice")
    text = browser.text_of("main", "client practice after logging", "the page")
    assert "Saved." in text and PRACTICE_NOTE in text and "felt good" in text, text[:800]
    assert browser.has_element("#chart-practice svg[role='img']"), "the four weeks should be drawn"


LETTER = f"You learned that no can be a kind word ({secrets.token_hex(3)})."


def test_07_the_therapist_ends_therapy_and_the_client_keeps_the_letter(browser: Browser, server):
    sign_in_dana(browser, server, " a third time")
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload a third time", "Sam's record for the ending")
    practice = browser.text_of("#practice", "Sam's record for the ending", "the practice part")
    assert PRACTICE_NOTE in practice and "felt good" in practice, f"Dana should see Sam's attempt before the next session: {practice[:400]!r}"
    opener = browser.element("#ending-form-opener summary", "Sam's record for the ending", "the 'End therapy' opener")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", opener)
    opener.click()
    form = browser.form("Sam's record for the ending", css="form#ending-form")
    browser.submit(form, {"what_changed": LETTER, "what_helped": "Practising between sessions.",
                          "early_signs": "Saying yes before thinking.", "what_to_do": "Pause, and ask what you need.",
                          "who_to_contact": "Your sister; the practice."}, "Sam's record for the ending", "Sam's record after the ending")
    assert "Therapy ended" in browser.text_of("#ending", "Sam's record after the ending", "the ending part")

    sign_in_client(browser, account(server, "Sam Lee"))
    card = browser.text_of("#therapy-ended", "client home", "the after-therapy card")
    assert "ended on" in card and "Reach out again" in card, card
    assert not browser.has_element("#practice"), "nothing more is asked of him"
    link = browser.element("#therapy-ended a[href='/me/letter']", "client home", "the link to his letter")
    browser.click(link, "client home", "Sam's closing letter", "/me/letter")
    letter = browser.text_of("main", "Sam's closing letter", "the letter")
    assert LETTER in letter and "If things get hard again" in letter, letter[:600]
    browser.go("/me", "client home after reading his letter")
    button = browser.element("#therapy-ended button", "client home after reading his letter", "Reach out again")
    browser.click(button, "client home after reading his letter", "client home after reaching out again", "/me")
    assert "Your therapist will be in touch" in browser.text_of("#therapy-ended", "client home after reaching out again", "the card")


def test_08_a_month_after_her_ending_a_client_answers_her_follow_up(browser: Browser, server):
    # Noor's therapy ended five weeks ago (the demo): her one-month follow-up check-in waits on her home page.
    sign_in_client(browser, account(server, "Noor Aziz"))
    link = browser.element("#follow-up-waiting a", "client home", "the follow-up check-in")
    assert "1 month on" in link.text, link.text
    browser.click(link, "client home", "Noor's follow-up check-in", re.compile(r"^/me/follow-ups/[0-9a-f-]{36}$"))
    form = browser.form("Noor's follow-up check-in", css="form#follow-up-form")
    # The first answer to each question (none of them a risk answer): every question needs one.
    names = []
    for radio in form.find_elements(By.CSS_SELECTOR, "input[type=radio]"):
        if radio.get_attribute("name") not in names:
            names.append(radio.get_attribute("name"))
            browser.driver.execute_script("arguments[0].click()", radio)
    assert len(names) == 16, f"PHQ-9 and GAD-7: 16 questions, found {len(names)}"
    browser.submit(form, {}, "Noor's follow-up check-in", "Noor's home after her follow-up", "/me")
    assert "Your therapist will see how things are" in browser.text_of("#therapy-ended", "Noor's home after her follow-up", "the card")
    assert not browser.has_element("#follow-up-waiting"), "answered once"


def test_08a_the_client_downloads_his_record_and_dana_exports_it(browser: Browser, server):
    """Sam takes his record with him: a FHIR R4 file (validated with the fhir.resources R4 models, PHQ-9 and GAD-7 as
    LOINC-coded Observations) and a copy to print; Dana exports it for a transfer of care with a fresh code."""
    sam = account(server, "Sam Lee")
    sign_in_client(browser, sam)
    link = browser.element("a[href='/me/record-download']", "client home", "the link to download his record")
    browser.click(link, "client home", "Sam's record download", "/me/record-download")
    browser.form("Sam's record download", css="form#record-download-form")
    status, kind, body = browser.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const form = document.getElementById('record-download-form');
        const data = new URLSearchParams(new FormData(form));
        data.set('format', 'fhir');
        data.set('password', arguments[0]);
        fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'})
            .then(r => r.text().then(t => done([r.status, r.headers.get('content-type'), t])))
            .catch(e => done([0, '', String(e)]));
    """, sam["password"])
    assert status == 200 and "fhir+json" in (kind or ""), f"the download should be a FHIR file: {status} {kind} {body[:300]!r}"
    folder = BUILD_DIR / "fhir" / f"browser-{DB_KIND}"
    folder.mkdir(parents=True, exist_ok=True)
    bundle = folder / "sam-lee.json"
    bundle.write_text(body)
    python = os.environ.get("FHIR_PYTHON", str(BUILD_DIR / "fhir-venv" / "bin" / "python"))
    assert os.path.exists(python), f"no Python with fhir.resources at {python} (scripts/test makes it)"
    checked = subprocess.run([python, str(BUILD_DIR.parent / "Tests" / "fhir" / "validate_bundle.py"), str(bundle), "--expect-loinc", "44261-6", "--expect-loinc", "70274-6"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert checked.returncode == 0, f"Sam's Bundle is not valid R4: {checked.stderr or checked.stdout}"
    # The printable copy, the same way.
    form = browser.form("Sam's record download", css="form#record-download-form")
    browser.driver.execute_script("document.getElementById('format-html').checked = true")
    browser.submit(form, {"password": sam["password"]}, "Sam's record download", "Sam's printable record", "/me/record-download")
    assert "Progress notes" in browser.text_of("main", "Sam's printable record", "the copy")
    browser.go("/me/record-access", "who opened Sam's record after his download", "/me/record-access")
    entries = [li.text for li in browser.driver.find_elements(By.CSS_SELECTOR, ".access-log li")]
    assert entries and "You downloaded your record" in entries[0], f"his own download should come first: {entries[:3]!r}"

    # Dana, for a transfer of care: from his record, with a fresh code, the printable copy.
    sign_in_dana(browser, server, " to export")
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload to export", "Sam's record to export")
    link = browser.element("a[href$='/export']", "Sam's record to export", "the export link")
    browser.click(link, "Sam's record to export", "exporting Sam's record", re.compile(r"^/clients/[0-9a-f-]{36}/export$"))
    form = browser.form("exporting Sam's record", css="form#record-export-form")
    step = usable_totp_step(after=max(USED_STEPS))
    USED_STEPS.append(step)
    browser.submit(form, {"code": totp(account(server, "Dana Okafor")["totp_secret"], step)}, "exporting Sam's record",
                   "Sam's record, exported to print", re.compile(r"^/clients/[0-9a-f-]{36}/export$"))
    assert "The record of Sam Lee" in browser.text_of("h1", "Sam's record, exported to print", "the heading")


DISCLOSED = f"Sam mentioned his nephew is left alone at night ({secrets.token_hex(3)})."


def test_08a2_dana_records_a_disclosure_and_sam_reads_it(browser: Browser, server):
    """A disclosure under a limit, with a fresh code: on Dana's ledger, and on Sam's accounting of disclosures."""
    sign_in_dana(browser, server, " to disclose")
    link = browser.driver.find_element(By.PARTIAL_LINK_TEXT, "Sam Lee")
    browser.click(link, "caseload to disclose", "Sam's record to disclose")
    link = browser.element("a[href$='/disclosures']", "Sam's record to disclose", "the disclosures link")
    browser.click(link, "Sam's record to disclose", "Sam's disclosures", re.compile(r"^/clients/[0-9a-f-]{36}/disclosures$"))
    form = browser.form("Sam's disclosures", css="form#disclosure-form")
    radio = browser.element("#limit-safeguarding", "Sam's disclosures", "the safeguarding limit")
    browser.driver.execute_script("arguments[0].click()", radio)
    step = usable_totp_step(after=max(USED_STEPS))
    USED_STEPS.append(step)
    browser.submit(form, {"recipient": "Children's services, duty team", "shared": DISCLOSED, "reason": "A child may be at risk at night.",
                          "code": totp(account(server, "Dana Okafor")["totp_secret"], step)},
                   "Sam's disclosures", "Sam's disclosures after recording", re.compile(r"^/clients/[0-9a-f-]{36}/disclosures$"))
    assert "ledger below is up to date" in browser.text_of("#disclosure-recorded", "Sam's disclosures after recording", "the notice")
    assert DISCLOSED in browser.text_of("#disclosure-ledger", "Sam's disclosures after recording", "the ledger")

    sign_in_client(browser, account(server, "Sam Lee"))
    browser.go("/me/record-access", "who opened Sam's record after the disclosure", "/me/record-access")
    link = browser.element("#disclosures-link a", "who opened Sam's record after the disclosure", "the link to his disclosures")
    browser.click(link, "who opened Sam's record after the disclosure", "what was shared from Sam's record", "/me/disclosures")
    shown = browser.text_of("#disclosures", "what was shared from Sam's record", "the accounting")
    assert DISCLOSED in shown and "Children's services" in shown and "safeguarding" in shown, shown[:500]


MORGANS_STEPS: list[int] = []


def test_08b_a_client_asks_for_erasure_and_the_owner_erases_her_record(browser: Browser, server):
    # Noor asks, on her phone, from the page that lists who opened her record.
    sign_in_client(browser, account(server, "Noor Aziz"))
    browser.go("/me/record-access", "who opened Noor's record", "/me/record-access")
    card = browser.text_of("#erasure", "who opened Noor's record", "the erasure card")
    assert "keeps records for 7 years after therapy ends" in card, card
    button = browser.element("#erasure-request-form button", "who opened Noor's record", "Ask for my record to be erased")
    browser.click(button, "who opened Noor's record", "who opened Noor's record after asking", "/me/record-access")
    card = browser.text_of("#erasure", "who opened Noor's record after asking", "the erasure card")
    assert "You asked for your record to be erased on" in card, card

    # Morgan, the owner, sees the request by reference (never by name) and erases the record with a fresh code, for
    # a legal reason: her therapy ended five weeks ago, well inside the seven years.
    morgan = account(server, "Morgan Reyes")
    browser.new_person(DESKTOP)
    browser.go("/signin", "Morgan's sign-in", "/signin")
    browser.submit(browser.form("Morgan's sign-in", field="email"), {"email": morgan["email"], "password": morgan["password"]},
                   "Morgan's sign-in", "Morgan's two-step sign-in", "/signin/two-factor")
    step = usable_totp_step(after=None)
    MORGANS_STEPS.append(step)
    browser.submit(browser.form("Morgan's two-step sign-in", field="code"), {"code": totp(morgan["totp_secret"], step)},
                   "Morgan's two-step sign-in", "the practice", re.compile(r"^/(practice|clients)$"))
    # Disclosures kept from clients: none in this story (Dana's was told), so the owner's review says so.
    browser.go("/practice/disclosures", "disclosures kept from clients", "/practice/disclosures")
    assert "None" in browser.text_of("main", "disclosures kept from clients", "the page")
    browser.go("/practice/erasures", "erasing records", "/practice/erasures")
    requests = browser.text_of("#erasure-requests", "erasing records", "the requests")
    assert "asked on" in requests and "Therapy ended" in requests and "Noor" not in requests, requests
    reference = browser.driver.find_element(By.CSS_SELECTOR, "#erasure-requests code").text
    step = usable_totp_step(after=max(MORGANS_STEPS))
    MORGANS_STEPS.append(step)
    browser.submit(browser.form("erasing records", css="form#erase-form"),
                   {"client": reference, "legal_reason": "She withdrew consent and the practice's lawyer confirmed early erasure.",
                    "code": totp(morgan["totp_secret"], step)}, "erasing records", "erasing records after the erasure", "/practice/erasures")
    assert "The record is erased." in browser.text_of("#erasure-notice", "erasing records after the erasure", "the notice")
    assert reference in browser.text_of("#erased", "erasing records after the erasure", "the ledger")
    # Noor can no longer sign in: her account went with her record.
    browser.new_person(PHONE)
    browser.go("/signin", "Noor's sign-in after erasure", "/signin")
    noor = account(server, "Noor Aziz")
    browser.submit(browser.form("Noor's sign-in after erasure", field="email"), {"email": noor["email"], "password": noor["password"]},
                   "Noor's sign-in after erasure", "Noor's sign-in refused", "/signin", allow_error=True)
    assert browser.has_element(".form-error"), "the sign-in is refused, as for any unknown account"


def test_09_none_of_it_is_readable_in_the_database(server, mail):
    """The message, the words to carry, the plan's line and the practice note are in no file of the database (SQLite) or its dump
    (PostgreSQL) in plain text, and the search is shown to read the database by finding a table's name."""
    server.stop()
    if DB_KIND == "postgres":
        dump = BUILD_DIR / "browser" / "database-between-sessions.sql"
        subprocess.run([pg_dump_binary(), "--dbname", server.database_url, "--file", str(dump)], check=True, stdin=subprocess.DEVNULL)
        database_files = [dump]
    else:
        database_files = files_under(server.data_dir)
    assert search_bytes(database_files, {"control": "safety_plan_versions"}), "the search did not read the database"
    markers = {"message from Sam": FROM_SAM, "message from Dana": FROM_DANA, "words to carry": WORDS, "safety plan": PLAN_LINE,
               "practice note": PRACTICE_NOTE, "practice agreed": "Say no to one request I would usually agree to.",
               "closing letter": LETTER, "disclosure": DISCLOSED}
    hits = search_bytes(sorted(set(database_files) | set(files_under(server.data_dir))), markers)
    assert not hits, "stored in plain text:\n  " + "\n  ".join(map(str, hits))
    # Nor in any email: the story's messages, words, plan, practice and letter each told someone, in no words of theirs.
    assert len(mail.received) >= 5, f"the story's news should have gone by email: {len(mail.received)}"
    for label, marker in markers.items():
        for email in mail.received:
            assert marker.encode() not in email["raw"], f"the {label} is in an email to {email['to']}"
