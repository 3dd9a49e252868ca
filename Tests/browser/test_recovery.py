"""Recovery codes and the owner's reset of a therapist's two-step sign-in, in a real browser (issue 9).

The owner sets up a practice and enrols (ten recovery codes, shown once), makes a new set from the account
page, signs out, and signs back in with the password and a recovery code instead of the app's code: the
account page then says 9 are left; a used code, and one from the replaced set, are refused. The owner
invites a therapist, who enrols; then, as if the therapist had lost their phone and their codes, the owner
resets their two-step sign-in (a confirmation page first), and the therapist's next sign-in with their
password leads to enrolment again. No recovery code is in the database files or the server's output.

Each test is one step of the story, run in order; a failed step skips the later ones. Every page is checked
and screenshotted by `Browser` (phone 390×844 and desktop); the pages this story adds are also checked with
axe-core at 1366×900.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from dataclasses import dataclass, field
from typing import Optional

import pytest
from selenium.webdriver.common.by import By

from rapport_helpers import (BUILD_DIR, DB_KIND, DESKTOP, PHONE, Browser, files_under, pg_dump_binary, search_bytes,
                             set_viewport, slug, totp, usable_totp_step)
from test_first_run import Person, accept_invitation, enrol_totp, invite, sign_in

pytestmark = pytest.mark.story

RUN = uuid.uuid4().hex[:8]
WIDE_DESKTOP = (1366, 900)


@dataclass
class Story:
    practice_name: str = "Quiet Harbour Counselling"
    owner: Person = field(default_factory=lambda: Person(
        "Nadia Okafor", f"Nadia.Okafor.{RUN}@Example.org", f"owner-recovery-passphrase-{RUN}"))
    therapist: Person = field(default_factory=lambda: Person(
        "Tom Ward", f"Tom.Ward.{RUN}@Example.org", f"therapist-recovery-passphrase-{RUN}"))
    owner_codes: list[str] = field(default_factory=list)
    owner_first_codes: list[str] = field(default_factory=list)  # the set made at enrolment, replaced since
    therapist_codes: list[str] = field(default_factory=list)
    therapist_invitation: Optional[str] = None


@pytest.fixture(scope="module")
def story() -> Story:
    return Story()


def also_at_wide_desktop(browser: Browser, page: str) -> None:
    """The page this story adds, screenshotted and checked with axe-core at 1366×900 too."""
    set_viewport(browser.driver, *WIDE_DESKTOP)
    try:
        name = f"{browser.shot_number:02d}-{slug(page)}-desktop-1366.png"
        browser.driver.save_screenshot(str(browser.screenshot_dir / name))
        browser._axe(page, "desktop-1366", WIDE_DESKTOP, name)
    finally:
        set_viewport(browser.driver, *browser.window)


def code_from_app(browser: Browser, person: Person, page: str, next_page: str, next_path: str) -> None:
    step = usable_totp_step(after=person.totp_step)  # each 30-s step is accepted once
    form = browser.form(page, field="code")
    browser.submit(form, {"code": totp(person.totp_secret, step)}, page, next_page, next_path)
    person.totp_step = step


def shown(browser: Browser, codes: list[str]) -> list[str]:
    """Which of these codes the page shows."""
    dom = browser.dom()
    return [code for code in codes if code in dom or code.replace("-", "") in dom]


# ----------------------------------------------------------------------------------------------------
# The story


def test_01_owner_sets_up_enrols_and_is_shown_ten_codes_once(browser: Browser, server, story: Story):
    browser.new_person(DESKTOP)
    browser.go(server.setup_link, "setup", re.compile(r"/setup/.+"))
    form = browser.form("setup", field="practice_name")
    browser.element("#sees_clients", "setup", "the 'I see clients here myself' checkbox").click()  # an owner who only runs it
    browser.submit(form, {"practice_name": story.practice_name, "name": story.owner.name, "email": story.owner.email,
                          "password": story.owner.password}, "setup", "owner two-factor enrolment", "/account/two-factor")
    story.owner_codes = enrol_totp(browser, story.owner, "owner two-factor enrolment", "practice home", "/practice")
    assert len(set(story.owner_codes)) == 10, f"the ten recovery codes should differ: {story.owner_codes!r}"


def test_02_the_codes_are_not_shown_again_and_new_ones_replace_them(browser: Browser, story: Story):
    # Back at the enrolment address: two-step sign-in is on, so it leads home, without the codes.
    browser.go("/account/two-factor", "enrolment address, once enrolled", "/practice")
    assert not shown(browser, story.owner_codes), "Back at /account/two-factor after enrolment: recovery codes are shown again"
    browser.go("/account", "owner account", "/account")
    also_at_wide_desktop(browser, "owner account")
    left = browser.text_of("#recovery-codes-left", "owner account", "how many recovery codes are left")
    assert "10 left" in left, f"On the owner's account page: expected 10 recovery codes left; it says {left!r}"
    link = browser.element("a[href='/account/recovery-codes']", "owner account", "the link to make new recovery codes")
    browser.click(link, "owner account", "make new recovery codes", "/account/recovery-codes")
    also_at_wide_desktop(browser, "make new recovery codes")
    assert not shown(browser, story.owner_codes), "On /account/recovery-codes: the codes made at enrolment are shown again"

    # New codes take a current code from the app, and are shown once in place of the old ones.
    code_from_app(browser, story.owner, "make new recovery codes", "new recovery codes", "/account/recovery-codes")
    also_at_wide_desktop(browser, "new recovery codes")
    new = [element.text.strip() for element in browser.driver.find_elements(By.CSS_SELECTOR, "#recovery-codes li code")]
    assert len(set(new)) == 10 and not set(new) & set(story.owner_codes), (
        f"On the new recovery codes page: expected ten codes, none of the old ones; found {new!r}")
    story.owner_first_codes, story.owner_codes = story.owner_codes, new
    back = browser.element("#recovery-codes-continue", "new recovery codes", "the way back to the account")
    browser.click(back, "new recovery codes", "owner account with new codes", "/account")
    left = browser.text_of("#recovery-codes-left", "owner account with new codes", "how many recovery codes are left")
    assert "10 left" in left, f"After making new codes the account page says {left!r}"


def test_03_owner_signs_in_with_a_recovery_code_instead_of_the_app(browser: Browser, story: Story):
    sign_out = browser.element("#signout-form button", "owner account with new codes", "the sign-out button")
    browser.click(sign_out, "owner account with new codes", "after sign-out", "/signin")
    sign_in(browser, story.owner, "two-factor sign-in", "/signin/two-factor")
    also_at_wide_desktop(browser, "two-factor sign-in")
    link = browser.element("a#use-recovery-code", "two-factor sign-in", "the link to use a recovery code instead")
    browser.click(link, "two-factor sign-in", "recovery code sign-in", "/signin/recovery-code")
    also_at_wide_desktop(browser, "recovery code sign-in")
    # Typed as someone might copy it from paper: capitals, a space for the dash.
    typed = story.owner_codes[0].upper().replace("-", " ")
    form = browser.form("recovery code sign-in", field="code")
    browser.submit(form, {"code": typed}, "recovery code sign-in", "owner account after a recovery code", "/account")
    also_at_wide_desktop(browser, "owner account after a recovery code")
    left = browser.text_of("#recovery-codes-left", "owner account after a recovery code", "how many recovery codes are left")
    assert "9 left" in left, f"After signing in with a recovery code: expected 9 left; the account page says {left!r}"


def test_04_a_used_code_or_one_from_the_replaced_set_does_not_work(browser: Browser, story: Story):
    browser.new_person(PHONE)
    sign_in(browser, story.owner, "two-factor sign-in", "/signin/two-factor")
    browser.go("/signin/recovery-code", "recovery code sign-in", "/signin/recovery-code")
    form = browser.form("recovery code sign-in", field="code")
    browser.submit(form, {"code": story.owner_first_codes[1]}, "recovery code sign-in", "replaced recovery code refused",
                   "/signin/recovery-code", allow_error=True)
    error = browser.text_of("#code-error", "replaced recovery code refused", "the message beside the field")
    assert "didn't work" in error, f"A code from the replaced set should not work; the page says {error!r}"
    form = browser.form("replaced recovery code refused", field="code")
    browser.submit(form, {"code": story.owner_codes[0]}, "replaced recovery code refused", "recovery code refused",
                   "/signin/recovery-code", allow_error=True)
    assert browser.page.status == 422, f"A used code should be refused with 422, not HTTP {browser.page.status}"
    error = browser.text_of("#code-error", "recovery code refused", "the message beside the field")
    assert "already been used" in error, f"A code used before should be refused as used; the page says {error!r}"
    back = browser.element("a[href='/signin/two-factor']", "recovery code refused", "the way back to the app's code")
    browser.click(back, "recovery code refused", "two-factor sign-in", "/signin/two-factor")
    code_from_app(browser, story.owner, "two-factor sign-in", "practice home", "/practice")


def test_05_owner_invites_a_therapist_who_enrols(browser: Browser, story: Story):
    browser.set_window(*DESKTOP)
    story.therapist_invitation = invite(browser, "/practice/invitations", story.therapist, "therapist", "practice home")
    accept_invitation(browser, DESKTOP, story.therapist_invitation, story.therapist, "therapist invitation",
                      "therapist two-factor enrolment", "/account/two-factor")
    story.therapist_codes = enrol_totp(browser, story.therapist, "therapist two-factor enrolment", "therapist home", "/clients")


def test_06_owner_resets_the_therapists_two_step_sign_in(browser: Browser, story: Story):
    browser.new_person(DESKTOP)
    sign_in(browser, story.owner, "two-factor sign-in", "/signin/two-factor")
    code_from_app(browser, story.owner, "two-factor sign-in", "practice home", "/practice")
    also_at_wide_desktop(browser, "practice home")
    links = [a for a in browser.driver.find_elements(By.CSS_SELECTOR, "li.therapist a")
             if a.get_attribute("href").endswith("/reset-two-factor") and story.therapist.name in (a.get_attribute("aria-label") or "")]
    if not links:
        browser.fail("practice home", f"a link to reset {story.therapist.name}'s two-step sign-in")
    browser.click(links[0], "practice home", "reset two-step confirmation",
                  re.compile(r"/practice/therapists/[0-9a-f-]{36}/reset-two-factor"))
    also_at_wide_desktop(browser, "reset two-step confirmation")
    consequences = browser.text_of("#reset-consequences", "reset two-step confirmation", "what the reset does")
    for words in ("stop working", "signed out", "set up two-step sign-in again"):
        assert words in consequences, f"The reset's confirmation should say what happens ({words!r}); it says {consequences!r}"
    form = browser.form("reset two-step confirmation", css="form#reset-two-factor-form")
    # A key operation: the owner confirms with a fresh code from their own app.
    step = usable_totp_step(after=story.owner.totp_step)
    browser.submit(form, {"code": totp(story.owner.totp_secret, step)}, "reset two-step confirmation",
                   "practice home after the reset", "/practice")
    story.owner.totp_step = step
    also_at_wide_desktop(browser, "practice home after the reset")
    notice = browser.text_of("#reset-done", "practice home after the reset", "the notice that the reset is done")
    assert story.therapist.name in notice and "reset" in notice, f"After the reset the practice page says {notice!r}"


def test_07_the_therapist_is_taken_to_enrolment_again(browser: Browser, story: Story):
    browser.new_person(PHONE)
    sign_in(browser, story.therapist, "therapist two-factor enrolment, again", "/account/two-factor")
    key = re.sub(r"\s+", "", browser.text_of("#totp-secret", "therapist two-factor enrolment, again", "the new key"))
    assert key != story.therapist.totp_secret, "After the reset the therapist should get a new key, not the lost phone's"
    # Nor does a recovery code from before the reset get them past enrolment.
    browser.go("/signin/recovery-code", "recovery code address while enrolling", "/account/two-factor")


@pytest.mark.final_check
def test_08_no_recovery_code_is_stored_or_logged(server, story: Story):
    server.stop()
    codes = story.owner_first_codes + story.owner_codes + story.therapist_codes
    assert len(codes) == 30
    needles = {}
    for number, code in enumerate(codes):
        needles[f"recovery code {number}"] = code
        needles[f"recovery code {number} without its dash"] = code.replace("-", "")
    files = files_under(server.data_dir)
    if DB_KIND == "postgres":
        dump = BUILD_DIR / "browser" / "database-postgres-recovery.sql"
        subprocess.run([pg_dump_binary(), "--dbname", server.database_url, "--file", str(dump)],
                       check=True, stdin=subprocess.DEVNULL)
        files.append(dump)
    assert search_bytes(files, {"control": "recovery_codes"}), "the search did not read the database (no 'recovery_codes' table)"
    hits = search_bytes(files + [server.log_path], needles)
    if hits:
        pytest.fail("recovery codes stored or logged in plain text:\n  " + "\n  ".join(map(str, hits)), pytrace=False)
