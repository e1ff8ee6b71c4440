"""Malformed bodies to the REST webhook: random bytes, invalid UTF-8, JSON of the wrong shape or types,
huge numbers, deep nesting, wrong content types. Every answer must be 2xx or 4xx, never 5xx.
FUZZ_REST_BODY examples (default 150); senders are fresh uuids whenever the body has a sender.
"""
from __future__ import annotations

import json
import uuid

import requests
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.common import RUN, TIMEOUT, fuzz_settings, shown

JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False),
                      st.text(max_size=20))
JSON_VALUE = st.recursive(JSON_LEAF, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                          max_size=4), max_leaves=12)
WRONG = st.one_of(JSON_VALUE, st.integers(-(10**40), 10**40), st.just(""), st.just(" "))


def fresh_sender() -> str:
    return str(uuid.uuid4())


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


shaped = st.one_of(                                         # JSON text of the wrong shape
    st.builds(json.dumps, JSON_VALUE),                      # lists, numbers, strings, objects without the fields
    st.builds(lambda s, m: json.dumps({"sender": s, "message": m}), WRONG, WRONG),
    st.builds(lambda m: json.dumps({"sender": fresh_sender(), "message": m}), WRONG),
    st.builds(lambda s: json.dumps({"sender": s, "message": "你好"}), WRONG),
    st.builds(lambda m: json.dumps({"message": m}), st.text(max_size=20)),
    st.builds(lambda: json.dumps({"sender": fresh_sender()})),
    st.builds(lambda md: json.dumps({"sender": fresh_sender(), "message": "你好", "metadata": md}), JSON_VALUE),
    st.builds(lambda extra: json.dumps({"sender": fresh_sender(), "message": "你好", **extra}),
              st.dictionaries(st.text(max_size=8), JSON_VALUE, max_size=4)),
    st.builds(lambda d: json.dumps({"sender": fresh_sender(), "message": "你好", "x": json.loads(nested(d))}),
              st.integers(1, 400)),
    st.builds(nested, st.integers(1, 5000)),                # deep arrays as the whole body (no sender: 400)
    st.builds(lambda n: '{"sender": "' + fresh_sender() + '", "message": ' + n + "}",     # huge literals
              st.sampled_from(["1" * 5000, "1e999999", "-1e999999", "NaN", "Infinity", "0x10", "01"])),
    st.builds(lambda n: '{"sender": ' + n + ', "message": "hi"}', st.sampled_from(["9" * 5000, "1e400", "true"])),
)
broken = st.one_of(                                         # not JSON at all, or JSON cut/garbled
    st.binary(max_size=2000),
    st.builds(lambda b: b"\xff\xfe" + b, st.binary(max_size=100)),
    st.builds(lambda s, cut: json.dumps({"sender": s, "message": "举报"}, ensure_ascii=False).encode()[:cut],
              st.uuids().map(str), st.integers(0, 60)),
    st.builds(lambda s: ('{"sender": "' + s + '", "message": "').encode() + b"\xc3\x28\xa0\xa1\xed\xa0\x80\"}",
              st.uuids().map(str)),                    # invalid UTF-8 inside a string
    st.builds(lambda s: ('{"sender": "' + s + '", "message": "\\ud800"}').encode(), st.uuids().map(str)),
    st.text(max_size=200).map(str.encode),
)
body = st.one_of(shaped.map(str.encode), broken)
content_type = st.sampled_from([None, "application/json", "application/json; charset=utf-8", "text/plain",
                                "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                "application/xml", "application/json; charset=gbk", "", "*/*; q=oops"])


@fuzz_settings("REST_BODY")
@given(data=body, ctype=content_type)
@example(data=b"", ctype="application/json")
@example(data=b"null", ctype="application/json")
@example(data=b"[]", ctype="application/json")
@example(data=b'{"sender": null, "message": null}', ctype="application/json")
@example(data=b'{"sender": "", "message": "hi"}', ctype="application/json")
@example(data=b'{"sender": ["a"], "message": "hi"}', ctype="application/json")
@example(data=b'{"sender": {"a": 1}, "message": "hi"}', ctype="application/json")
@example(data=b'{"sender": "s-x", "message": "hi", "metadata": [1]}', ctype="application/json")
def test_malformed_body_is_never_5xx(stack, data, ctype):
    RUN["REST_BODY"] += 1
    headers = {"Content-Type": ctype} if ctype is not None else {}
    r = requests.post(f"{stack.base}/webhooks/rest/webhook", data=data, headers=headers, timeout=TIMEOUT)
    assert r.status_code < 500 and r.status_code != 0, f"body {data[:300]!r} ({len(data)} bytes), " \
                                                        f"Content-Type {ctype!r} -> {shown(r)}"


@fuzz_settings("REST_METHOD")
@given(method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]))
def test_other_methods_are_never_5xx(stack, method):
    RUN["REST_METHOD"] += 1
    r = requests.request(method, f"{stack.base}/webhooks/rest/webhook", timeout=TIMEOUT)
    assert r.status_code < 500, f"{method} -> {shown(r)}"
