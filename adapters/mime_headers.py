"""Header text that reads back exactly: plain where RFC 5322 keeps it as is, RFC 2047 encoded words
otherwise, folded here rather than by Python's email package.

Python's folder (3.11, policy.SMTP) puts the space between an encoded word and the next word into
the folding whitespace, which a reader drops between two encoded words (RFC 2047 section 6.2):
`de votre für` read back as `de votrefür`. Here a text that is not plain is encoded whole, in
base64 words of whole characters, so every space is inside a word, and lines are folded between
words (RFC 5322 section 2.2.3).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from email.policy import EmailPolicy
from itertools import groupby
from typing import Any

from domain.addresses import Mailbox

MAX_LINE = 78  # RFC 5322 section 2.1.1
MAX_ENCODED_WORD = 75  # RFC 2047 section 2
_EMPTY_WORD = len("=?utf-8?b??=")
_ATOMS = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?: [\w!#$%&'*+/=?^`{|}~-]+)*", re.ASCII)
_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words, one space apart


class Folded(str):
    """A header value already encoded and folded: the policy below stores it as it is."""


class ExactHeaders(EmailPolicy):
    """An email policy that writes `Folded` header values as given instead of parsing and refolding
    them; anything else is Python's own handling."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, Folded):
            return name, value
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: Any) -> str:
        if isinstance(value, Folded):
            return f"{name}: {value.replace(chr(10), self.linesep)}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, Folded):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


def text_header(name: str, text: str) -> Folded:
    """An unstructured header's value (Subject): plain if the text is printable ASCII words one space
    apart that fit a line and hold no `=?`, else base64 encoded words of UTF-8 (RFC 2047)."""
    if _plain(text, MAX_LINE - len(name) - 3):
        return _fold(name, text.split(" "))
    return _fold(name, _encoded_words(text, first=len(name) + 2))


def address_header(name: str, mailboxes: Iterable[Mailbox]) -> Folded:
    """An address list's value (From, To, Cc): each address in ASCII form (punycode domain, RFC 5890),
    after its display name, if any, in quoted strings (RFC 5322 section 3.2.4) and encoded words
    (RFC 2047 section 5)."""
    tokens: list[str] = []
    for mailbox in mailboxes:
        if tokens:
            tokens[-1] += ","
        if mailbox.display_name:
            tokens += [*_display_name(mailbox.display_name), f"<{mailbox.address.ascii}>"]
        else:
            tokens.append(mailbox.address.ascii)
    return _fold(name, tokens)


def _display_name(name: str) -> list[str]:
    """The name's runs of ASCII words as quoted strings, its runs of other words each as one encoded
    word: a reader drops the space between two encoded words (RFC 2047 section 6.2), where Python's
    parser (3.11) reads one, so a run is never split, even past 75 characters."""
    runs = [list(run) for _, run in groupby(name.split(" "), key=_quotable)]
    return [
        _quoted(" ".join(run)) if _quotable(run[0]) else _encoded_word(" ".join(run).encode()) for run in runs
    ]


def _quotable(word: str) -> bool:
    return word.isascii() and "=?" not in word


def _quoted(text: str) -> str:
    """The words as atoms if they are (RFC 5322 section 3.2.3), else as one quoted string."""
    if _ATOMS.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plain(text: str, width: int) -> bool:
    return bool(_PLAIN.fullmatch(text)) and "=?" not in text and max(map(len, text.split(" "))) <= width


def _encoded_words(text: str, first: int) -> list[str]:
    """Base64 encoded words of whole characters, none longer than 75 characters, the first one short
    enough to follow `first` characters on its line."""
    words: list[str] = []
    chunk = b""
    room = _room(MAX_LINE - first - 1)
    for character in text:
        encoded = character.encode()
        if len(chunk) + len(encoded) > room:
            words.append(_encoded_word(chunk))
            chunk, room = b"", _room(MAX_ENCODED_WORD)
        chunk += encoded
    return [*words, _encoded_word(chunk)]


def _room(word_length: int) -> int:
    """The bytes that fit, base64 encoded, in a word of that length."""
    return (min(word_length, MAX_ENCODED_WORD) - _EMPTY_WORD) // 4 * 3


def _encoded_word(chunk: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?="


def _fold(name: str, tokens: list[str]) -> Folded:
    """Joins the tokens with spaces, starting a new line before a token that would pass 78 characters."""
    lines = [tokens[0]]
    used = len(name) + 2 + len(tokens[0])
    for token in tokens[1:]:
        if used + 1 + len(token) > MAX_LINE:
            lines.append(token)
            used = 1 + len(token)
        else:
            lines[-1] += " " + token
            used += 1 + len(token)
    return Folded("\n ".join(lines))
