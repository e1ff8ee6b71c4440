"""Phone numbers masked in log records (actions/privacy.py), through a real logger and handler."""
from __future__ import annotations

import io
import logging

import pytest

from actions.privacy import install_log_masking, mask_phone, mask_phones


@pytest.fixture
def log():
    """A logger writing "<level>|<message>" lines (with tracebacks) to a string, masking installed."""
    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s|%(message)s"))
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_numbers_are_masked_in_messages_args_and_tracebacks(log):
    logger, stream = log
    logger.info("用户留了电话13812345678，请回电")
    logger.debug("contact %s, slots %r", "139 8765 4321", {"contact": "+86-150-0000-1111"})
    try:
        raise ValueError("bad contact 15912345678")
    except ValueError:
        logger.exception("validation failed")
    out = stream.getvalue()
    for raw in ("13812345678", "139 8765 4321", "150-0000-1111", "15912345678"):
        assert raw not in out, out
    assert "INFO|用户留了电话138****5678，请回电" in out
    assert "contact 139****4321" in out and "+86-150****1111" in out
    assert "ValueError: bad contact 159****5678" in out


def test_other_numbers_are_left_alone(log):
    logger, stream = log
    logger.info("ts %s, order 213812345678, code %s, 12345678901", 1732845123456, "CZ-20261128-7F3K")
    assert stream.getvalue() == "INFO|ts 1732845123456, order 213812345678, code CZ-20261128-7F3K, 12345678901\n"


def test_installing_twice_masks_once():
    install_log_masking()
    factory = logging.getLogRecordFactory()
    install_log_masking()
    assert logging.getLogRecordFactory() is factory
    record = factory("x", logging.INFO, __file__, 1, "tel %s", ("13812345678",), None)
    assert record.getMessage() == "tel 138****5678"


def test_mask_phone_for_one_known_contact():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("匿名") == "匿名" and mask_phone("123") == "****" and mask_phone(None) == ""
    assert mask_phones("无号码") == "无号码"
