"""Property-based text through the REST webhook: any unicode a citizen (or a script) might send.

Each example is one message from a fresh sender id (a per-sender rate limit is coming), and the answer
must be below 500 and, when 200, a JSON list of message dicts. FUZZ_REST_TEXT examples (default 200).
"""
from __future__ import annotations

import json
import uuid

from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.common import RUN, assert_messages, fuzz_settings, rest

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
TRADITIONAL = st.sampled_from("臺灣環境噪聲廢氣汙染請問藍藻湖濱區縣處應開發獎勵鐘樓區違規檢舉樹黃廠")
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
CONTROL = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn"])
ANY = st.characters(codec="utf-8")                      # every code point except surrogates
MIXED = st.text(st.one_of(CHINESE, TRADITIONAL, EMOJI, CONTROL, ANY), max_size=200)

DISTRICTS = ["武进区", "新北区", "天宁区", "钟楼区", "金坛区", "溧阳市", "经开区", "苏州"]
ALPHANUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZOI"
tracking_like = st.builds(
    lambda prefix, sep, day, code, ask: f"{ask}{prefix}{sep}{day}{sep}{code}",
    st.sampled_from(["CZ", "cz", "HD", "CZ ", ""]), st.sampled_from(["-", "—", "－", "", " "]),
    st.one_of(st.integers(19000101, 20991231).map(str), st.text("0123456789", max_size=10)),
    st.text(ALPHANUM, max_size=6), st.sampled_from(["", "查询", "查询 ", "进度", "我的举报"]))
phone_like = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.from_regex(r"\+?86[ -]?1\d{2}[ -]?\d{4}[ -]?\d{4}",
                                                                 fullmatch=True),
    st.text("0123456789 -+()", max_size=20), st.integers().map(str))
fragments = st.sampled_from([
    "'; DROP TABLE complaints; --", "\" OR 1=1 --", "1' UNION SELECT * FROM complaint_contacts --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]></Content></xml>", "<![CDATA[x]]>",
    '{"sender": "x", "message": "y"}', '/inform{"location": "武进区"}', '/inform{"location": ', "/restart",
    "/confirm_complaint", "/stop", "/session_start", "/nlu_fallback", "/EXTERNAL_x", "/", "//", "/{}",
    '/report_pollution{"pollution_type": null}', "${jndi:ldap://x}", "{{7*7}}", "%s%s%n", "\\x00", "\u0000",
    "../../etc/passwd", "null", "[]", "{}", "NaN", "true"])
text = st.one_of(
    MIXED,
    st.text(CHINESE, min_size=1, max_size=60),
    st.text(st.one_of(CHINESE, ANY), min_size=900, max_size=5000),   # around and above the 1000-char cap
    tracking_like, phone_like, fragments,
    st.lists(st.one_of(fragments, tracking_like, phone_like, st.sampled_from(DISTRICTS), st.text(CHINESE, max_size=8),
                       st.text(EMOJI, max_size=3)), min_size=2, max_size=6).map("".join),
    st.builds(json.dumps, st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                                           max_size=3),
                                       max_leaves=8)),
)


@fuzz_settings("REST_TEXT")
@given(message=text)
@example(message="")
@example(message=" \n\t\u3000")
@example(message="查询CZ-20200101-ZZZZ")
@example(message="长" * 5000)
@example(message="\u202e\u200b\ufeff我要举报")
def test_any_text_gets_an_answer_below_500(stack, message):
    RUN["REST_TEXT"] += 1
    sender = str(uuid.uuid4())
    assert_messages(rest(stack.base, sender, message), {"sender": sender, "message": message})
