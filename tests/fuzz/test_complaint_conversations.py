"""Complaint conversations with hypothesis-drawn answers: partly plausible, partly random pollution types,
places, times, descriptions and contacts (invalid phone numbers included), with random interruptions.
Each citizen (a fresh sender) follows the form until it confirms or gives up (cancels, or runs out of turns).
Whenever a reply quotes a tracking number the citizen did not type, that report must be in the store
complete: the complaint row, exactly one contact row and at least one history entry.
FUZZ_COMPLAINTS conversations (default 10; each is ~6-16 messages, so they are kept few).
"""
from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from actions.complaints.status import EXAMPLE
from tests.fuzz.common import OUTCOMES, RUN, TRACKING, assert_messages, fuzz_settings, incomplete_reports, rest

MAX_TURNS = 16            # below the coming rate limit of 30 messages per sender per minute

CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=30)
ANY = st.text(st.characters(codec="utf-8"), max_size=80)
SOME = st.one_of(CHINESE, ANY)


def mostly(plausible: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """Three times in four a plausible answer (so some conversations get to the end), else an odd one."""
    return st.integers(0, 3).flatmap(lambda i: odd if i == 3 else plausible)


openers = mostly(st.sampled_from(["我要举报", "我要举报，昨晚有工厂冒黑烟", "举报河水发黑", "投诉半夜施工噪音",
                                  "有人乱倒垃圾，我要举报", "举报", "我要投诉污染"]),
                 st.builds(lambda t: f"我要举报{t}", SOME))
types = mostly(st.sampled_from(["大气", "水", "噪声", "固体废物", "土壤", "生态破坏", "辐射", "其他", "冒黑烟", "河水发黑",
                                "半夜施工", "乱倒垃圾", "异味"]), st.one_of(st.sampled_from(["不知道", "啥"]), SOME))
places = mostly(st.builds(lambda d, s: d + s, st.sampled_from(["武进区", "新北区", "天宁区", "钟楼区", "金坛区", "溧阳市",
                                                               "经开区", "苏州", ""]),
                          st.sampled_from(["湖塘镇长虹路", "青洋路桥下", "白荡河公园东门", "第3号工业园", "人民路88号"])),
                st.one_of(st.sampled_from(["", "x", "武进区"]), SOME))
times = mostly(st.sampled_from(["昨晚", "今天早上", "前天下午", "刚刚", "大前天凌晨", "昨天中午"]),
               st.one_of(st.sampled_from(["3月5日", "2026-11-20", "明天", "2099-01-01", "13月45日", "上周三",
                                          "很久以前", "0", "2月29日"]), SOME))
descriptions = mostly(st.one_of(st.sampled_from(["烟囱一直冒黑烟，气味很刺鼻", "河水发黑发臭，还漂着死鱼",
                                                 "半夜一直在施工，打桩声音很大"]),
                                st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=5,
                                        max_size=400)),
                      st.one_of(st.sampled_from(["太吵", "噪音"]), SOME,
                                st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=990,
                                        max_size=1100)))
contacts = mostly(st.one_of(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["匿名", "不留"])),
                  st.one_of(st.sampled_from(["12345678901", "1381234567", "138123456789", "+8613812345678",
                                             "138 1234 5678", "电话", ""]), st.text("0123456789", max_size=14), SOME,
                            st.from_regex(r"1[3-9]\d{9}", fullmatch=True)))       # \d: other scripts' digits too
interruptions = st.one_of(st.sampled_from(["河长制是什么", "你好", "取消", "算了不举报了", "修改", "修改地点", "/stop",
                                           "/confirm_complaint", "/edit_complaint", "查询CZ-20200101-ZZZZ", "?", "1"]),
                          SOME)
confirmations = st.sampled_from(["/confirm_complaint", "确认提交", "确认", "/confirm_complaint", "/confirm_complaint",
                                 "/edit_complaint", "修改描述", "/stop", "取消"])
edits = st.sampled_from(["类型", "地点", "时间", "描述", "联系方式", "都不改", "/stop"])
CUES = (("请核对", confirmations), ("修改哪一项", edits), ("污染类型", types), ("哪类污染", types), ("哪里", places),
        ("具体的地点", places), ("什么时候", times), ("发现时间", times), ("日期", times), ("描述", descriptions),
        ("手机号", contacts))


def texts(msgs: list[dict]) -> str:
    return "\n".join(str(m.get("text") or "") for m in msgs)


def quoted_numbers(msgs: list[dict]) -> set[str]:
    """Tracking numbers a reply gives as a report's (not the format example of the status look-up's prompt)."""
    found = set(TRACKING.findall(texts(msgs))) - {EXAMPLE}
    for m in msgs:
        if isinstance(m.get("custom"), dict):
            found |= {str(m["custom"].get(k)) for k in ("tracking_number", "similar") if m["custom"].get(k)}
    return found


def answer_for(msgs: list[dict], draw) -> str:
    """What the citizen answers to the bot's last words (the question the form asked decides the strategy)."""
    last = next((str(m["text"]) for m in reversed(msgs) if m.get("text")), "")
    if draw(st.integers(0, 9)) == 0:
        return draw(interruptions)
    for cue, strategy in CUES:
        if cue in last:
            return draw(strategy)
    return draw(st.one_of(interruptions, types, places))


@fuzz_settings("COMPLAINTS")
@given(data=st.data())
def test_fuzzed_complaint_conversation_never_leaves_a_half_report(stack, data):
    RUN["COMPLAINTS"] += 1
    sender = f"fz-{uuid.uuid4().hex[:12]}"
    said: list[str] = []
    transcript: list[tuple[str, str]] = []
    message = data.draw(openers, label="opener")
    for turn in range(MAX_TURNS):
        said.append(message)
        r = rest(stack.base, sender, message)
        msgs = assert_messages(r, {"sender": sender, "message": message, "turn": turn, "transcript": transcript})
        reply = texts(msgs)
        transcript.append((message, reply[:300]))
        numbers = {n for n in quoted_numbers(msgs) if not any(n in s.upper() for s in said)}
        if numbers:
            bad = incomplete_reports(stack.db, sorted(numbers))
            assert not bad, f"reports quoted but not complete: {bad}; transcript {transcript}"
        if any(isinstance(m.get("custom"), dict) and m["custom"].get("type") == "complaint_submitted" for m in msgs):
            OUTCOMES["submitted"] += 1                         # its number was checked above
            return
        if "已取消" in reply:
            OUTCOMES["cancelled"] += 1
            return
        message = answer_for(msgs, data.draw)
    OUTCOMES["gave up"] += 1
