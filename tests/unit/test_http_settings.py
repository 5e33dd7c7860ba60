"""The HTTP server's limits are settings, checked at start-up."""

from __future__ import annotations

import pytest

from bootstrap.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HTTP_MAX_HEADER_BYTES", "512"), ("HTTP_HEADER_TIMEOUT", "0"), ("HTTP_KEEP_ALIVE_TIMEOUT", "soon")],
)
def test_a_bad_http_limit_is_named_in_one_line(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^invalid setting NOTIFICATIONS_{variable}: [^\\n]+$"):
        load_settings({f"NOTIFICATIONS_{variable}": value})
