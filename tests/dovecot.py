"""A real IMAP server for the tests: Dovecot from Debian's `dovecot-imapd`, installed with apt-get when
missing, run with its own configuration in a temporary folder (no root mail access, no TLS)."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "bounces@bank.local", "mailbox-secret"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    username: str
    password: str

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.username, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Puts a message in the folder as a mail server delivering it would (IMAP APPEND)."""
        imap = self.client()
        try:
            imap.create(folder)
            status, data = imap.append(folder, "", None, raw)
            assert status == "OK", data
        finally:
            imap.logout()

    def messages(self, folder: str) -> list[tuple[bytes, bytes]]:
        """(flags, message) of every message in the folder."""
        imap = self.client()
        try:
            status, _ = imap.select(f'"{folder}"')
            if status != "OK":
                return []
            _, data = imap.uid("SEARCH", "ALL")
            found = []
            for uid in (data[0] or b"").split():
                _, parts = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, body = next(p for p in parts if isinstance(p, tuple))
                found.append((head, body))
            return found
        finally:
            imap.logout()


def ensure_installed() -> None:
    if Path(DOVECOT).exists():
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "dovecot-imapd"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cannot install Dovecot ({' '.join(command)}): {done.stderr[-500:]}")


OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  args = {root}/oauth2.conf
}}
"""
OAUTH2_CONFIG = """\
tokeninfo_url = {tokeninfo_url}
introspection_mode = auth
username_attribute = email
"""


@contextlib.contextmanager
def running_dovecot(root: Path, tokeninfo_url: str = "") -> Iterator[Dovecot]:
    """With `tokeninfo_url`, XOAUTH2 logins too: Dovecot asks that URL, the token appended, for a
    JSON object whose `email` is the user (its oauth2 passdb's token-info mode)."""
    ensure_installed()
    nobody = pwd.getpwnam("nobody")
    port = _free_port()
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    os.chmod(root, 0o755)  # Dovecot's unprivileged processes read the passwd file
    os.chmod(root / "passwd", 0o644)
    if tokeninfo_url:
        (root / "oauth2.conf").write_text(OAUTH2_CONFIG.format(tokeninfo_url=tokeninfo_url))
        os.chmod(root / "oauth2.conf", 0o644)
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            uid=nobody.pw_uid,
            gid=nobody.pw_gid,
            user="nobody",
            group=_group(nobody),
            mechanisms=" xoauth2" if tokeninfo_url else "",
            oauth2=OAUTH2_PASSDB.format(root=root) if tokeninfo_url else "",
        )
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])
    try:
        _wait_for(port, process, root)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def _group(user: pwd.struct_passwd) -> str:
    import grp

    return grp.getgrgid(user.pw_gid).gr_name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot stopped at start-up: {log[-1000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError("Dovecot did not listen within 10 s")
