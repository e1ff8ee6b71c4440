"""Phone numbers out of logs: `mask_phone` for one known number, `install_log_masking` for every log record.

Standard library only: the Rasa server (through bot/channels), the action server (actions/__init__.py)
and scripts/web.py all install the masking at import time.
"""
from __future__ import annotations

import logging
import re

# a mainland mobile number (1[3-9] + 9 digits, also written 138 1234 5678 / 138-1234-5678, optionally
# after 86 / +86) that is not part of a longer run of digits
PHONE_IN_TEXT = re.compile(r"(?<![0-9])((?:\+?86[ -]?)?1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])")


def mask_phone(phone: str | None) -> str:
    """'13812341234' → '138****1234'; anything else is fully masked."""
    if not phone:
        return ""
    if phone == "匿名":
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"


def mask_phones(text: str) -> str:
    """`text` with every mobile number in it masked: '电话13812345678' → '电话138****5678'."""
    return PHONE_IN_TEXT.sub(r"\1****\2", text)


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:                   # bad args: leave the record to logging's own error report
        return record
    masked = mask_phones(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_phones(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_phones(record.stack_info)
    return record


def install_log_masking() -> None:
    """Make every log record of this process (any logger, any handler) carry masked phone numbers. Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_phones", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _masked(previous(*args, **kwargs))

    factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
