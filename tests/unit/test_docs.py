"""The settings tables of the README and of docs/configuration.md list exactly the settings there are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bootstrap.settings import FILE_VARIABLE, PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("page", ["README.md", "docs/configuration.md"])
def test_a_settings_table_lists_every_setting_and_no_other(page: str) -> None:
    settings = {f"{PREFIX}{name.upper()}" for name in Settings.__struct_fields__}
    named = set(re.findall(r"`(NOTIFICATIONS_[A-Z0-9_]+)`", (ROOT / page).read_text()))
    assert settings - named == set()
    assert named - settings - {FILE_VARIABLE} == set()
