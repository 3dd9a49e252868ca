"""A solo practice, in a real browser: one person sets the practice up and is its therapist too, with one
account and one authenticator entry. They reach every page through the navigation, invite two clients (one
invitation is re-issued: the old link stops working), book weekly sessions in one step, move one and cancel
another after a confirmation that says what the client will see; the client sees both on their phone.

The steps run in order, sharing `solo`; once a step fails the later ones are skipped. Every page is checked
(same-origin requests, no inline code, axe-core at phone and desktop size) and screenshotted by `Browser`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional
from urllib.request import urlopen
from urllib.error import HTTPError

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from rapport_helpers import DESKTOP, PHONE, Browser, totp, usable_totp_step
from test_first_run import UUID_PATH, Person, accept_invitation, enrol_totp, invite, sign_in, walk_navigation

pytestmark = pytest.mark.story

RUN = uuid.uuid4().hex[:8]


@dataclass
class Solo:
    practice_name: str = "Quiet Harbour Therapy"
    owner: Person = field(default_factory=lambda: Person(
        "Ines Okafor", f"Ines.Okafor.{RUN}@Example.org", f"solo-long-passphrase-{RUN}"))
    client: Person = field(default_factory=lambda: Person(
        "Jonah Brightwater", f"Jonah.B.{RUN}@Example.net", f"jonah-long-passphrase-{RUN}"))
    second_client: Person = field(default_factory=lambda: Person(
        "Priya Ramanathan", f"Priya.R.{RUN}@Example.net", f"priya-long-passphrase-{RUN}"))
    client_link: Optional[str] = None
    client_page: Optional[str] = None
    moved_from: Optional[str] = None


@pytest.fixture(scope="module")
def solo() -> Solo:
    return Solo()


def owner_signs_in(browser: Browser, solo: Solo) -> None:
    browser.new_person(DESKTOP)
    sign_in(browser, solo.owner, "two-step sign-in", "/signin/two-factor")
    step = usable_totp_step(after=solo.owner.totp_step)
    form = browser.form("two-step sign-in", field="code")
    browser.submit(form, {"code": totp(solo.owner.totp_secret, step)}, "two-step sign-in", "solo caseload", "/clients")
    solo.owner.totp_step = step


def set_date_and_time(browser: Browser, form, when: datetime) -> None:
    """Date and time inputs are set as values (the browser's own pickers differ by locale); the server is in UTC."""
    browser.driver.execute_script(
        "arguments[0].querySelector('[name=date]').value = arguments[1];"
        "arguments[0].querySelector('[name=time]').value = arguments[2];",
        form, when.strftime("%Y-%m-%d"), when.strftime("%H:%M"))


def test_01_a_solo_practitioner_sets_up_and_lands_on_their_caseload(browser: Browser, server, solo: Solo):
    browser.new_person(DESKTOP)
    browser.go(server.setup_link, "setup", re.compile(r"/setup/.+"))
    box = browser.element("#sees_clients", "setup", "the 'I see clients here myself' checkbox")
    assert box.is_selected(), "On the setup page: 'I see clients here myself' should be ticked for a solo practice"
    form = browser.form("setup", field="practice_name")
    browser.submit(form, {"practice_name": solo.practice_name, "name": solo.owner.name, "email": solo.owner.email,
                          "password": solo.owner.password}, "setup", "solo two-step enrolment", "/account/two-factor")
    enrol_totp(browser, solo.owner, "solo two-step enrolment", "solo caseload", "/clients")


def test_02_every_page_is_reached_through_the_navigation(browser: Browser, solo: Solo):
    walked = walk_navigation(browser, "solo owner-therapist")
    assert walked == ["/clients", "/account/calendar", "/practice", "/practice/outcomes", "/practice/settings", "/enquiries", "/account"], (
        f"An owner who sees clients should have the caseload, calendar, practice, outcomes, settings, enquiries and account; the navigation has {walked!r}")
    text = browser.visible_text()
    assert "see clients" in text, "On the account page: it should say the owner also sees clients"
    browser.go("/practice", "solo practice page", "/practice")
    own = browser.text_of("#own-caseload", "solo practice page", "the 'Your own clients' card")
    assert "You see clients here too" in own, f"On the practice page: the owner's own caseload should be described; it says {own!r}"


def test_03_invitations_are_made_and_one_is_re_issued(browser: Browser, solo: Solo):
    browser.go("/clients", "solo caseload", "/clients")
    solo.client_link = invite(browser, "/clients/invitations", solo.client, "client", "solo caseload")
    browser.go("/clients", "solo caseload", "/clients")
    first_link = invite(browser, "/clients/invitations", solo.second_client, "client", "solo caseload")
    browser.go("/clients", "solo caseload", "/clients")
    waiting = browser.text_of("#waiting-invitations", "solo caseload", "the waiting invitations")
    assert solo.second_client.name in waiting and solo.client.name in waiting, (
        f"On the caseload: both invitations should be waiting; the list says {waiting!r}")
    forms = [f for f in browser.driver.find_elements(By.CSS_SELECTOR, "#waiting-invitations li")
             if solo.second_client.name in f.text]
    assert forms, f"On the caseload: no waiting invitation for {solo.second_client.name}"
    reissue = forms[0].find_element(By.CSS_SELECTOR, "form[action$='/reissue']")
    browser.submit(reissue, {}, "solo caseload", "invitation re-issued")
    element = browser.element("#invitation-link", "invitation re-issued", "the new invitation link")
    new_link = (element.text or element.get_attribute("value") or element.get_attribute("href") or "").strip()
    assert new_link.startswith(browser.origin) and new_link != first_link, f"The re-issued link {new_link!r} should be new"
    # The copy button (the one first-party script) puts the link on the clipboard and says so.
    copy = browser.element("button[data-copy-target='invitation-link']", "invitation re-issued", "the 'Copy link' button")
    assert copy.is_displayed(), "On the invitation page: the 'Copy link' button should be shown once its script has run"
    copy.click()
    browser.wait(lambda _: "copied" in browser.text_of("#invitation-link-copied", "invitation re-issued", "the copy status"),
                 "invitation re-issued", "the status to say the link is copied", timeout=5)
    try:
        status = urlopen(first_link).status
    except HTTPError as error:
        status = error.code
    assert status == 404, f"The old invitation link should stop working once re-issued; it answers {status}"


def test_04_the_client_accepts_on_a_phone(browser: Browser, solo: Solo):
    accept_invitation(browser, PHONE, solo.client_link, solo.client, "client invitation", "client home", "/me")


def test_05_weekly_sessions_are_booked_in_one_step(browser: Browser, solo: Solo):
    owner_signs_in(browser, solo)
    links = [a for a in browser.driver.find_elements(By.CSS_SELECTOR, "a.client-link") if solo.client.name in a.text]
    if not links:
        browser.fail("solo caseload", f"a link a.client-link with the text {solo.client.name!r}")
    browser.click(links[0], "solo caseload", "client record", re.compile(r"/clients/" + UUID_PATH))
    solo.client_page = browser.page_path
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    form = browser.form("client record", css="form#schedule-form")
    set_date_and_time(browser, form, start)
    Select(form.find_element(By.CSS_SELECTOR, "select[name=repeats]")).select_by_value("weekly")
    browser.submit(form, {"length": "50", "count": "4", "location": "Room 1"}, "client record", "client record after booking",
                   browser.page_path)
    sessions = browser.driver.find_elements(By.CSS_SELECTOR, "#sessions li.session")
    assert len(sessions) == 4, f"On the client record: four weekly sessions should be listed; there are {len(sessions)}"


def test_06_one_session_is_moved_and_another_cancelled_after_confirming(browser: Browser, solo: Solo):
    change = browser.driver.find_elements(By.CSS_SELECTOR, "#sessions li.session a[href*='/appointments/']")
    assert len(change) == 4, f"On the client record: each upcoming session should offer 'Change or cancel'; {len(change)} do"
    solo.moved_from = browser.driver.find_elements(By.CSS_SELECTOR, "#sessions li.session strong")[0].text
    browser.click(change[0], "client record", "session page", re.compile(r"/clients/.+/appointments/" + UUID_PATH))
    form = browser.form("session page", css="form#change-form")
    later = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=15, minute=30, second=0, microsecond=0)
    set_date_and_time(browser, form, later)
    browser.submit(form, {"location": "Room 2"}, "session page", "client record after moving", solo.client_page)
    assert "Moved from" in browser.text_of("#sessions", "client record after moving", "the sessions"), (
        "On the client record: the moved session should say where it moved from")

    change = browser.driver.find_elements(By.CSS_SELECTOR, "#sessions li.session a[href*='/appointments/']")
    browser.click(change[-1], "client record", "session page (to cancel)", re.compile(r"/clients/.+/appointments/" + UUID_PATH))
    form = browser.form("session page (to cancel)", css="form#cancel-form")
    form.find_element(By.CSS_SELECTOR, "input[name=cancellation][value=late]").click()
    browser.submit(form, {}, "session page (to cancel)", "cancellation confirmation")
    confirmation = browser.text_of("#confirm-cancel", "cancellation confirmation", "the confirmation step")
    assert "Cancelled at short notice" in confirmation and solo.client.first_name in confirmation, (
        f"The confirmation should say what {solo.client.first_name} will see; it says {confirmation!r}")
    yes = browser.form("cancellation confirmation", css="#confirm-cancel form")
    browser.submit(yes, {}, "cancellation confirmation", "client record after cancelling", solo.client_page)
    sessions = browser.text_of("#sessions", "client record after cancelling", "the sessions")
    assert "Cancelled late" in sessions, f"On the client record: the cancelled session should stay, marked; the list says {sessions!r}"


def test_07_the_client_sees_the_move_and_the_cancellation_on_a_phone(browser: Browser, solo: Solo):
    browser.new_person(PHONE)
    sign_in(browser, solo.client, "client home", "/me")
    home = browser.text_of("#upcoming-sessions", "client home", "the next sessions")
    assert "Moved from" in home and "Room 2" in home, f"On the client's home: the moved session should say so; it says {home!r}"
    browser.go("/me/sessions", "client sessions", "/me/sessions")
    sessions = browser.text_of("#upcoming-sessions", "client sessions", "the sessions coming up")
    assert "Cancelled at short notice" in sessions, f"On the client's sessions: the cancellation should show; it says {sessions!r}"
    assert "Cancelled late" not in sessions, "The client should read the cancellation in plain words, not the practice's"
