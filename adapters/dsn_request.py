"""The DSN parameters of an envelope (RFC 3461), for servers that offer the extension.

- `RET=HDRS` (§4.3): a report returns the headers, enough to match it by `Message-ID` and
  `X-Notification-Id`, without the message's content going back to the bounce mailbox.
- `ENVID=<notification id>` (§4.4), xtext-encoded: reports name it as `Original-Envelope-Id`.
- `NOTIFY=FAILURE,DELAY` per recipient (§4.1): failures and delays are what a sender must hear
  about; success reports for every email would double the mail, and a bounce window without a
  failure already means delivered. With a read receipt, the client asked for a report back:
  `SUCCESS` is added, as before.
- `ORCPT=rfc822;<address>` (§4.2): the report names the recipient as we sent it, even after aliases
  and forwards rewrote it, so each recipient's outcome can be matched.
"""

from __future__ import annotations

from uuid import UUID


def xtext(value: str) -> str:
    """RFC 3461 §4: printable ASCII but `+` and `=` as is, every other byte as `+XX` (upper hex)."""
    return "".join(
        chr(byte) if 33 <= byte <= 126 and chr(byte) not in "+=" else f"+{byte:02X}"
        for byte in value.encode()
    )


def mail_options(notification_id: UUID) -> list[str]:
    """The MAIL FROM parameters."""
    return ["RET=HDRS", f"ENVID={xtext(str(notification_id))}"]


def rcpt_options(address: str, read_receipt: bool) -> list[str]:
    """The RCPT TO parameters for `address` (its ASCII form)."""
    notify = "SUCCESS,FAILURE,DELAY" if read_receipt else "FAILURE,DELAY"
    return [f"NOTIFY={notify}", f"ORCPT=rfc822;{xtext(address)}"]
