"""The iCalendar feeds of a demo practice parse with a standard RFC 5545 library (icalendar) and carry no
names and nothing clinical. Runs on SQLite in its own data folder, whatever database the story uses."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from datetime import timezone
from pathlib import Path

import icalendar
import pytest

from conftest import free_port
from rapport_helpers import BUILD_DIR, REPO_ROOT


def rapport_binary() -> Path:
    return Path(os.environ.get("RAPPORT_BIN") or REPO_ROOT / ".build" / "debug" / "rapport")


@pytest.fixture(scope="module")
def demo():
    data_dir = tempfile.mkdtemp(prefix="rapport-calendar-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    made = subprocess.run([str(rapport_binary()), "demo", "--data-dir", data_dir, "--hostname", "127.0.0.1", "--port", str(port)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, f"rapport demo failed:\n{made.stderr}"
    accounts = json.loads(made.stdout)["accounts"]
    log = open(BUILD_DIR / "browser" / "server-calendar.log", "w", encoding="utf-8") if (BUILD_DIR / "browser").is_dir() else subprocess.DEVNULL
    server = subprocess.Popen([str(rapport_binary()), "serve", "--data-dir", data_dir, "--hostname", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert server.poll() is None, "rapport serve exited early"
        assert time.monotonic() < deadline, "rapport serve did not become healthy"
        time.sleep(0.3)
    yield accounts
    server.terminate()
    server.wait(20)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_every_feed_parses_and_names_nobody(demo):
    feeds = [account for account in demo if account.get("calendar_feed")]
    assert len(feeds) >= 5, f"expected feeds for both therapists and the clients, got {len(feeds)}"
    names = [part for account in demo for part in account["name"].split()] + [account["email"] for account in demo]
    for account in feeds:
        status, content_type, body = fetch(account["calendar_feed"])
        assert status == 200, f"{account['role']} feed answered {status}"
        assert content_type.startswith("text/calendar"), content_type
        calendar = icalendar.Calendar.from_ical(body)
        assert str(calendar.get("VERSION")) == "2.0"
        events = list(calendar.walk("VEVENT"))
        assert events, f"{account['role']} {account['name']}: the feed has no sessions"
        for event in events:
            assert str(event.get("SUMMARY")) == "Session"
            start = event.decoded("DTSTART")
            end = event.decoded("DTEND")
            assert start.tzinfo is not None and start.utcoffset() == timezone.utc.utcoffset(None), "times are in UTC"
            assert (end - start).total_seconds() == 50 * 60
            assert str(event.get("UID")).endswith("@rapport")
        text = body.decode("utf-8")
        for name in names:
            assert name not in text, f"the {account['role']}'s feed mentions {name!r}"
        for clinical in ("note", "Sam practised", "risk", "PHQ"):
            assert clinical not in text, f"the {account['role']}'s feed carries {clinical!r}"


def test_a_made_up_address_finds_nothing(demo):
    origin = demo[1]["calendar_feed"].split("/calendar/")[0]
    status, _, _ = fetch(f"{origin}/calendar/not-a-real-address.ics")
    assert status == 404
