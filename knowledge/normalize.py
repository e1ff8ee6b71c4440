"""Question clean-up: traditional → simplified, full-width → half-width, control characters, length caps."""
from __future__ import annotations

import re
import unicodedata

import zhconv

MAX_QUESTION_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def normalize(text: str) -> str:
    """Canonical form used for matching: NFKC, simplified Chinese, lower-case ASCII, single spaces."""
    text = _CONTROL.sub(" ", text or "")
    text = unicodedata.normalize("NFKC", text)
    text = zhconv.convert(text, "zh-cn")
    return re.sub(r"\s+", " ", text).strip().lower()


def without_punctuation(text: str) -> str:
    """Text without punctuation or spaces, for substring matches across them ("中河、北河" reads "中河北河")."""
    return re.sub(r"[^\w]", "", text)


def problem(text: str | None) -> str | None:
    """A clear message for a question that cannot be answered as typed, or None when it is fine."""
    if text is None or not str(text).strip():
        return "您好像还没有输入问题。请直接输入想了解的内容，例如“空气质量优良天数比例是多少”。"
    text = str(text)
    if len(text) > MAX_QUESTION_CHARS:
        return (f"您的问题有{len(text)}个字，太长了，请缩短到{MAX_QUESTION_CHARS}字以内，"
                "一次问一件事效果最好。")
    if not _MEANINGFUL.search(_CONTROL.sub("", text)):
        return "没能看懂这条消息（只有表情或符号）。请用文字描述您想了解的问题。"
    return None
