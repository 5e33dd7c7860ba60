"""Checks of the bounce mailbox's settings (NOTIFICATIONS_IMAP_*), each naming the setting at fault."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bootstrap.setting_fields import SettingFields


def mailbox_problem(s: SettingFields) -> str | None:
    """Returns the first problem as msgspec words it ("reason - at `$.field`"), or None."""
    if not s.imap_host:
        return None
    problems = [
        ("imap_username", "is required with NOTIFICATIONS_IMAP_HOST" if not s.imap_username else None),
        (
            "imap_password",
            "is required with NOTIFICATIONS_IMAP_AUTH=password"
            if s.imap_auth == "password" and not s.imap_password
            else None,
        ),
        (
            "imap_host",
            "needs NOTIFICATIONS_EMAIL_PROVIDER=smtp: the mailbox reports on emails sent over SMTP"
            if s.email_provider != "smtp"
            else None,
        ),
        (
            "imap_processed_folder",
            "must differ from NOTIFICATIONS_IMAP_FOLDER"
            if s.imap_processed_folder == s.imap_folder
            else None,
        ),
        (
            "imap_ca_file",
            f"no such file: {s.imap_ca_file}"
            if s.imap_ca_file and not Path(s.imap_ca_file).is_file()
            else None,
        ),
    ]
    return next((f"{problem} - at `$.{field}`" for field, problem in problems if problem), None)
