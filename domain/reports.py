"""What mail servers and mail clients report back about an email after it was sent.

A delivery status notification (DSN, RFC 3464) gives one `Action` per recipient (section 2.3.3)
with a status code (RFC 3463, e.g. `5.1.1`) and the remote server's diagnostic. A message
disposition notification (MDN, RFC 8098) says what the reader's client did with the message
(section 3.2.6.2: `displayed`, `deleted`; RFC 3798's `denied` and others are still sent).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.addresses import EmailAddress


class Action(enum.StrEnum):
    """RFC 3464 section 2.3.3."""

    FAILED = "failed"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    RELAYED = "relayed"
    EXPANDED = "expanded"

    @property
    def arrived(self) -> bool:
        """Whether the report proves the message reached the recipient's side."""
        return self in (Action.DELIVERED, Action.RELAYED, Action.EXPANDED)


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's outcome in a DSN: `recipient` is the address the report names, `status` an
    RFC 3463 code (`5.1.1`, empty when the report gives none), `diagnostic` the remote server's words."""

    recipient: str
    action: Action
    status: str = ""
    diagnostic: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "action": self.action.value,
            "status": self.status,
            "diagnostic": self.diagnostic,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecipientStatus:
        return cls(data["recipient"], Action(data["action"]), data["status"], data["diagnostic"])

    @property
    def reason(self) -> str:
        """`5.1.1 user unknown`: the status and the diagnostic, whichever the report gave."""
        return " ".join(part for part in (self.status, self.diagnostic) if part) or self.action.value


DISPLAYED = "displayed"


def ours(statuses: Sequence[RecipientStatus], recipients: Iterable[EmailAddress]) -> list[RecipientStatus]:
    """The statuses with each recipient named as the notification names it (lower-case ASCII form).

    A report may name an address the notification does not (an alias the server rewrote): with a
    single recipient it can only be that one; with several it is kept as the report names it.
    """
    known = {address.ascii.lower(): address.ascii.lower() for address in recipients}
    only = next(iter(known)) if len(known) == 1 else None
    return [
        RecipientStatus(
            known.get(status.recipient.lower(), only or status.recipient.lower()),
            status.action,
            status.status,
            status.diagnostic,
        )
        for status in statuses
    ]
