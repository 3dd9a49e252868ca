"""Validates a FHIR R4 Bundle exported by Rapport (issue 12, point 4) with the `fhir.resources` R4 models, and checks
what those models let through: every reference resolves inside the Bundle, every date-time has a time zone, every
attachment is base64, and the kinds of resource and LOINC codes asked for are there.

Run with the Python that has `fhir.resources==6.4.0` (R4, pydantic 1; scripts/test makes it in build/fhir-venv):

    build/fhir-venv/bin/python Tests/fhir/validate_bundle.py BUNDLE.json [--expect-loinc CODE]... [--absent TEXT]...

Prints a one-line summary and exits 0, or names the first problem and exits 1.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys

from fhir.resources import construct_fhir_element
from fhir.resources.bundle import Bundle

REQUIRED = ["Patient", "Appointment", "QuestionnaireResponse", "Observation", "Consent", "DocumentReference", "Provenance"]
# Date-time fields that carry a time of day, and so must carry a zone (FHIR instant; dateTime with a time).
TIMED = {"start", "end", "authored", "effectiveDateTime", "recorded", "timestamp", "dateTime", "date", "creation"}
ZONE = re.compile(r"T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def walk(value, path=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path + "/" + key, key, inner
            yield from walk(inner, path + "/" + key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from walk(inner, f"{path}[{index}]")


def problems(data: dict, raw: bytes, expect_loinc: list[str], absent: list[str]) -> tuple[list[str], dict]:
    found: list[str] = []
    Bundle.parse_obj(data)
    if data.get("type") != "collection":
        found.append(f"Bundle.type is {data.get('type')!r}, not 'collection'")
    entries = data.get("entry") or []
    full_urls = [entry.get("fullUrl") for entry in entries]
    if len(set(full_urls)) != len(full_urls):
        found.append("two entries share a fullUrl")
    kinds: dict[str, int] = {}
    for entry in entries:
        resource = entry["resource"]
        kind = resource["resourceType"]
        kinds[kind] = kinds.get(kind, 0) + 1
        construct_fhir_element(kind, resource)  # each resource against its own R4 model
        if entry["fullUrl"] != "urn:uuid:" + resource.get("id", ""):
            found.append(f"{kind}/{resource.get('id')}: fullUrl {entry['fullUrl']!r} does not name it")
    for path, key, value in walk(data):
        if key == "reference" and value not in full_urls:
            found.append(f"{path}: {value!r} is not in the Bundle")
        if key in TIMED and isinstance(value, str) and "T" in value and not ZONE.search(value):
            found.append(f"{path}: {value!r} has no time zone")
        if key == "data" and isinstance(value, str):
            try:
                base64.b64decode(value, validate=True)
            except Exception:  # noqa: BLE001
                found.append(f"{path}: not base64")
    for kind in REQUIRED:
        if kind not in kinds:
            found.append(f"no {kind} in the Bundle")
    codes = {coding.get("code") for entry in entries if entry["resource"]["resourceType"] == "Observation"
             for coding in entry["resource"].get("code", {}).get("coding", []) if coding.get("system") == "http://loinc.org"}
    for code in expect_loinc:
        if code not in codes:
            found.append(f"no Observation coded LOINC {code} (found {sorted(c for c in codes if c)})")
    for text in absent:
        if text.encode() in raw:
            found.append(f"{text!r} is in the Bundle")
        for entry in entries:
            for _, key, value in walk(entry["resource"]):
                if key == "data" and isinstance(value, str) and text.encode() in base64.b64decode(value):
                    found.append(f"{text!r} is in an attachment of {entry['resource']['resourceType']}")
    return found, kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--expect-loinc", action="append", default=[])
    parser.add_argument("--absent", action="append", default=[])
    arguments = parser.parse_args()
    with open(arguments.bundle, "rb") as file:
        raw = file.read()
    try:
        found, kinds = problems(json.loads(raw), raw, arguments.expect_loinc, arguments.absent)
    except Exception as error:  # noqa: BLE001 — the models' own refusal, in their words
        print(f"INVALID: {error}", file=sys.stderr)
        return 1
    if found:
        print("INVALID: " + "; ".join(found[:10]), file=sys.stderr)
        return 1
    print("VALID R4 Bundle: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
