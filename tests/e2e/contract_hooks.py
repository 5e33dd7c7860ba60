"""schemathesis hooks for `test_openapi_contract.py` (loaded through SCHEMATHESIS_HOOKS): the rules
of a notification that JSON Schema cannot say, kept out of the bodies schemathesis sends as valid.

The description says each rule in words; each rule here says why no schema keyword can. Only
positive bodies are touched: a body generated to break the schema is refused whatever else it holds.
`filter_case` and `map_case`, not `filter_body`: schemathesis's coverage phase applies only the case
hooks, and every phase applies them.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from email_validator import EmailNotValidError, validate_email
from schemathesis.core.parameters import ParameterLocation

from bootstrap.settings import Settings
from domain import messages
from domain.sms_length import measure

ACCEPTED_ADDRESS = "alice@example.org"
ADDRESS_LISTS = ("to", "cc", "bcc")


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """Drops a valid body that a rule outside the schema refuses."""
    body = _valid_body(case)
    return body is None or not any(broken(body) for broken in (_too_large, _too_many, _too_long))


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Replaces in a valid body each email address email-validator refuses by one it accepts; keeps
    a valid long poll's `wait` at 0 or 1."""
    _short_wait(case)
    body = _valid_body(case)
    if body is not None:
        for name in ADDRESS_LISTS:
            if isinstance(body.get(name), list):
                body[name] = [_accepted(address) for address in body[name]]
        if isinstance(body.get("reply_to"), str):
            body["reply_to"] = _accepted(body["reply_to"])
    return case


def _short_wait(case: schemathesis.Case) -> None:
    # Not a rule of the service: `wait=30` is valid and holds the answer 30 s when the notification
    # exists and stays pending. The run has a time budget; one long poll or two still prove the
    # parameter. Out-of-range and non-numeric values stay as generated (answered 400 at once); a
    # valid one is shortened in negative cases too, where another part of the query is what is
    # wrong (unknown names are ignored, so such a request still waits).
    query = case.query if isinstance(case.query, dict) else {}
    if "wait" in query:
        query["wait"] = _short(query["wait"])


def _short(wait: Any) -> Any:
    if isinstance(wait, list):
        return [_short(w) for w in wait]
    if isinstance(wait, int | str) and str(wait).isdigit() and 1 < int(wait) <= 30:
        return 1
    return wait


def _valid_body(case: schemathesis.Case) -> dict[str, Any] | None:
    if case.meta is None or case.meta.is_negative_at(ParameterLocation.BODY):
        return None
    return case.body if isinstance(case.body, dict) else None


def _too_large(body: dict[str, Any]) -> bool:
    # The size of the whole body in bytes (413 past NOTIFICATIONS_MAX_REQUEST_BYTES): JSON Schema
    # bounds a value, never the document's serialized size.
    return len(json.dumps(body).encode()) > Settings().max_request_bytes


def _too_many(body: dict[str, Any]) -> bool:
    # At most MAX_EMAIL_RECIPIENTS in to, cc and bcc together: maxItems bounds one array, and JSON
    # Schema has no keyword that adds the lengths of three.
    if body.get("channel") != "email":
        return False
    lists = [body.get(name) for name in ADDRESS_LISTS]
    return sum(len(found) for found in lists if isinstance(found, list)) > messages.MAX_EMAIL_RECIPIENTS


def _too_long(body: dict[str, Any]) -> bool:
    # An email's text and html together in UTF-8 bytes, an SMS body in GSM-7 septets or UTF-16
    # units: maxLength counts characters (code points) of one string, not encoded units nor a sum.
    if body.get("channel") == "email":
        parts = [body.get(name) for name in ("text", "html")]
        size = sum(len(part.encode("utf-8", "surrogatepass")) for part in parts if isinstance(part, str))
        return size > messages.MAX_EMAIL_CONTENT_BYTES
    if body.get("channel") == "sms" and isinstance(body.get("body"), str):
        return measure(body["body"]).units > messages.MAX_SMS_BODY
    return False


def _accepted(address: Any) -> Any:
    # email-validator's rules beyond `format: email` (RFC 5321's Mailbox): its special-use domains
    # (RFC 6761: .test, .local, .invalid, .onion, .arpa, localhost), a local part of at most 64
    # octets, labels of at most 63: a format names a grammar, and a pattern would copy the
    # library's list, which changes with its releases.
    if not isinstance(address, str):
        return address
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return ACCEPTED_ADDRESS
    return address
