"""Logging filters: what must never be written to a log."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(?<=[?&]token=)[^&\s]*")


class RedactTokens(logging.Filter):
    """Blanks `token=` values in uvicorn's access lines (personal links carry a credential
    in their query, `/me?token=…`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN.sub("…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def redact_access_log() -> None:
    """Install `RedactTokens` on uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
