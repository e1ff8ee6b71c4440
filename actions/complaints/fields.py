"""Complaint fields as pure functions: each takes the citizen's words and returns (value, error).

No Rasa imports. `error` is a Chinese message for the citizen, `value` is None when there is an error.
Dates are relative to `today()` (env ASSISTANT_TODAY=YYYY-MM-DD pins it for demos and tests).
"""
from __future__ import annotations

import datetime as dt
import os
import re
from functools import lru_cache
from pathlib import Path

import yaml

TYPES_FILE = Path(__file__).with_name("pollution_types.yml")
DISTRICTS = {   # canonical name → words that name it
    "金坛区": ("金坛",), "武进区": ("武进",), "新北区": ("新北",), "天宁区": ("天宁",),
    "钟楼区": ("钟楼",), "溧阳市": ("溧阳",), "经开区": ("经开区", "经济开发区", "经开"),
}
PARTS = (   # part of day → words, longest first within the search below
    ("凌晨", ("凌晨", "半夜", "深夜", "后半夜")),
    ("早上", ("早上", "早晨", "清晨", "一早", "今早", "昨早")),
    ("上午", ("上午",)),
    ("中午", ("中午", "午间")),
    ("下午", ("下午", "午后")),
    ("傍晚", ("傍晚", "黄昏")),
    ("晚上", ("晚上", "夜里", "夜间", "晚间", "昨晚", "今晚", "前晚", "夜晚")),
)
RELATIVE_DAYS = (("大前天", 3), ("前天", 2), ("前晚", 2), ("昨天", 1), ("昨日", 1), ("昨晚", 1), ("昨早", 1),
                 ("昨夜", 1), ("今天", 0), ("今日", 0), ("今早", 0), ("今晚", 0), ("刚才", 0), ("刚刚", 0),
                 ("现在", 0), ("早上", 0), ("上午", 0), ("中午", 0), ("下午", 0), ("傍晚", 0), ("晚上", 0))
WEEKDAYS = "一二三四五六日天"
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
PHONE = re.compile(r"^1[3-9]\d{9}$")
ANONYMOUS = ("匿名", "anonymous", "不留", "不想留", "不方便留", "保密", "不用联系")
HAN = re.compile(r"[\u4e00-\u9fff]")
# words that make a message read as a place (a road, a village, a landmark, "附近"), and map coordinates
PLACE = re.compile(r"常州|[路街巷弄镇乡村桥河湖港浜塘江渠号栋幢]|社区|小区|公园|广场|园区|工业园|开发区|学校|医院|市场"
                   r"|工地|工厂|厂区|码头|附近|旁边|对面|门口|路口|交叉口|[东西南北]侧|\d+\.\d+\s*[,，]\s*\d+\.\d+")


def today() -> dt.date:
    pinned = os.environ.get("ASSISTANT_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


@lru_cache(maxsize=1)
def _type_words() -> list[tuple[str, str]]:
    data = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))["types"]
    pairs = [(name, name) for name in data]
    pairs += [(word, name) for name, words in data.items() for word in (words or [])]
    return sorted(pairs, key=lambda p: -len(p[0]))


def pollution_types() -> list[str]:
    data = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))["types"]
    return list(data)


def pollution_type(text: str) -> tuple[str | None, str | None]:
    """'工厂冒黑烟' → '大气'; the longest known word in the text decides."""
    text = (text or "").strip()
    for word, name in _type_words():
        if word and word in text:
            return name, None
    return None, ("没能判断污染类型。请从这些类型里选一个：" + "、".join(pollution_types())
                  + "，或者用一句话说说看到了什么（例如“冒黑烟”“河水发黑”“半夜施工”）。")


def district(text: str) -> str | None:
    for name, words in DISTRICTS.items():
        if name in text or any(w in text for w in words):
            return name
    return None


def names_place(text: str) -> bool:
    """Whether a message names a place: a district, a road / village / landmark word, or coordinates (a WeChat
    location). Inside the form such a message is the location even when NLU files it under small talk."""
    return bool(district(text) or PLACE.search(text or ""))


LOCATION_LABEL = re.compile(r"^(地点|地址|位置|发生地点)\s*[:：]\s*")   # "地点：…" (a WeChat location, or typed so)


def location(text: str) -> tuple[str | None, str | None]:
    """The place as said, without a leading "地点：" label (the summary already labels it)."""
    text = LOCATION_LABEL.sub("", re.sub(r"\s+", " ", (text or "")).strip())
    if len(HAN.findall(text)) + len(re.findall(r"[A-Za-z0-9]", text)) < 2 or len(text) > 200:
        return None, "请说一个具体的地点（200字以内），例如“武进区湖塘镇长虹路和花园街路口”。"
    return text, None


def description(text: str) -> tuple[str | None, str | None]:
    text = re.sub(r"\s+", " ", (text or "")).strip()
    if len(HAN.findall(text)) < 5:
        return None, "描述太短了，请至少用5个汉字说说看到的情况，例如“工厂烟囱一直冒黑烟，气味刺鼻”。"
    if len(text) > 1000:
        return None, "描述太长了，请控制在1000字以内。"
    return text, None


def contact(text: str) -> tuple[str | None, str | None]:
    raw = (text or "").strip()
    if any(w in raw.lower() for w in ANONYMOUS):
        return "匿名", None
    digits = re.sub(r"[\s\-－()（）]", "", raw)
    digits = re.sub(r"^(\+?86)", "", digits)
    found = re.search(r"1\d{10}", digits)
    candidate = found.group(0) if found else digits
    if PHONE.match(candidate):
        return candidate, None
    return None, "手机号格式不对：请输入11位大陆手机号（1开头，第二位是3-9），或者回复“匿名”。"


def _cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if not s or any(c not in CN_DIGITS and c != "十" for c in s):
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    value = 0
    for c in s:
        value = value * 10 + CN_DIGITS[c]
    return value


def _part_of_day(text: str) -> str | None:
    best = None
    for part, words in PARTS:
        for w in words:
            pos = text.find(w)
            if pos >= 0 and (best is None or len(w) > best[1]):
                best = (part, len(w))
    return best[0] if best else None


def _explicit_date(text: str, now: dt.date) -> tuple[dt.date | None, str | None]:
    num = r"(\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
    m = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        has_year = True
    else:
        m = re.search(num + r"\s*月\s*" + num + r"\s*[日号]?", text) or re.search(r"(\d{1,2})/(\d{1,2})", text)
        if not m:
            return None, None
        mo, d = _cn_number(m.group(1)), _cn_number(m.group(2))
        if mo is None or d is None:
            return None, None
        y, has_year = now.year, False
    try:
        date = dt.date(y, mo, d)
    except ValueError:
        return None, f"“{m.group(0)}”不是一个有效的日期，请再说一次，例如“3月5日”或“2026-11-20”。"
    if date > now and not has_year:
        date = dt.date(y - 1, mo, d) if not (mo == 2 and d == 29) else None
        if date is None:
            return None, "请说明是哪一年的2月29日。"
    return date, None


def _relative_date(text: str, now: dt.date) -> dt.date | None:
    m = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*天(之)?前", text)
    if m and _cn_number(m.group(1)) is not None:
        return now - dt.timedelta(days=_cn_number(m.group(1)))
    m = re.search(r"(上+)(周|星期|礼拜)([" + WEEKDAYS + r"])", text)
    if m:
        weekday = min(WEEKDAYS.index(m.group(3)), 6)
        monday = now - dt.timedelta(days=now.weekday()) - dt.timedelta(weeks=len(m.group(1)))
        return monday + dt.timedelta(days=weekday)
    m = re.search(r"(这|本)?(周|星期|礼拜)([" + WEEKDAYS + r"])", text)
    if m:
        weekday = min(WEEKDAYS.index(m.group(3)), 6)
        return now - dt.timedelta(days=now.weekday()) + dt.timedelta(days=weekday)
    for word, days in RELATIVE_DAYS:
        if word in text:
            return now - dt.timedelta(days=days)
    return None


def seen_at(text: str, now: dt.date | None = None) -> tuple[str | None, str | None]:
    """'昨晚' → '2026-11-27 晚上'; '3月5日' → '2026-03-05'; never a date after today."""
    now = now or today()
    text = (text or "").strip()
    date, error = _explicit_date(text, now)
    if error:
        return None, error
    if date is None and re.search(r"明天|明早|明晚|后天|下周|下星期|下个月|明年|将来|以后", text):
        return None, f"发现时间不能晚于今天（{now.isoformat()}），请说已经发生的时间，例如“昨晚”。"
    if date is None:
        date = _relative_date(text, now)
    if date is None:
        return None, ("没听懂是什么时候。请说一个日期或相对时间，例如“昨晚”“今天早上”“前天下午”“3月5日”"
                      "或“2026-11-20”。")
    if date > now:
        return None, f"发现时间不能晚于今天（{now.isoformat()}），请再确认一下日期。"
    if date < now - dt.timedelta(days=366):
        return None, "这个日期已经超过一年了，请确认年份；一年以前的问题建议直接拨打12369反映。"
    part = _part_of_day(text)
    return (f"{date.isoformat()} {part}" if part else date.isoformat()), None


def split_seen_at(value: str) -> tuple[dt.date, str | None]:
    day, _, part = (value or "").partition(" ")
    return dt.date.fromisoformat(day), (part or None)
