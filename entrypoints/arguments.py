"""Values of the command line's arguments that more than one command reads."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """Reads durations such as 90d, 12h, 30m or 3600s; raises ArgumentTypeError for anything else."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90d, 12h, 30m or 3600s")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})
