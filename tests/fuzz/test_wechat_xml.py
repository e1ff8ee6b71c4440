"""The WeChat webhook under malformed and hostile requests, built and signed as WeChat's servers would
(tests/wechat/test_wechat.py does the well-formed ones).

- FUZZ_WECHAT_XML (default 150): properly signed plaintext posts whose XML is malformed or odd: random
  element names, missing FromUserName/MsgType, wrong types, huge or non-numeric CreateTime/MsgId, nested or
  repeated elements, CDATA tricks, random bytes, truncated XML, DOCTYPE/entities in several spellings.
- FUZZ_WECHAT_AES (default 30): safe-mode posts with corrupted ciphertext, a bad msg_signature, or a correct
  signature over garbage or over malformed inner XML.
- FUZZ_WECHAT_SIGNATURE (default 20): unsigned and badly signed GET/POST requests (403, never 200).
No answer may be 5xx; at the end a well-formed signed text message (plaintext and safe mode) still gets a
proper XML answer. Every openid is fresh (a per-sender rate limit is coming).
"""
from __future__ import annotations

import base64
import time
import uuid

import requests
import xmltodict
from hypothesis import example, given
from hypothesis import strategies as st
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto, _get_signature

from tests.fuzz.common import RUN, TIMEOUT, fuzz_settings, shown
from tests.wechat.client import signature


def url(stack) -> str:
    return f"{stack.base}/webhooks/wechat/webhook"


def signed(stack) -> dict:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    return {"timestamp": ts, "nonce": nonce, "signature": signature(stack.wechat["token"], ts, nonce)}


def post(stack, body: bytes, params: dict) -> requests.Response:
    return requests.post(url(stack), params=params, data=body, headers={"Content-Type": "text/xml"},
                         timeout=TIMEOUT)


def openid() -> str:
    return f"o-fuzz-{uuid.uuid4().hex[:12]}"


def msg_id() -> str:
    """A fresh 16-digit MsgId (uuid-based: the random module is off limits inside hypothesis strategies)."""
    return str(10**15 + uuid.uuid4().int % (9 * 10**15))


def cdata(text: str) -> str:
    return f"<![CDATA[{text}]]>"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- XML pieces ---------------------------------------------------------------------------------------------

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,15}", fullmatch=True)
XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=60)
FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
          "Location_X", "Location_Y", "Scale", "Label", "PicUrl", "MediaId", "Format", "Latitude", "Longitude",
          "Precision", "Ticket", "Recognition", "Encrypt"]
MSG_TYPES = ["text", "event", "location", "image", "voice", "video", "shortvideo", "link", "TEXT", "Event", "",
             "device_event", "device_text", "unknown", "文本", "text ", "miniprogrampage", "file"]
EVENTS = ["subscribe", "unsubscribe", "SCAN", "LOCATION", "CLICK", "VIEW", "subscribe_scan", "", "TEMPLATESENDJOBFINISH",
          "scancode_push", "pic_sysphoto", "location_select", "MASSSENDJOBFINISH", "weird"]
NUMBERS = st.one_of(st.integers(-(10**30), 10**30).map(str), st.sampled_from(
    ["", "abc", "1e9", "0x10", "9" * 400, "-1", "1.5", " 123 ", "NaN", "十二", "253402300800", "99999999999"]))


def value(kind: str) -> st.SearchStrategy[str]:
    """The inner XML of one field: plausible or odd text, CDATA tricks, nested or repeated elements."""
    plausible = {
        "FromUserName": st.builds(openid), "ToUserName": st.just("gh_test"),
        "CreateTime": st.builds(lambda: str(int(time.time()))), "MsgId": st.integers(0, 10**16).map(str),
        "MsgType": st.sampled_from(MSG_TYPES), "Event": st.sampled_from(EVENTS),
        "Content": st.sampled_from(["你好", "1", "2", "99", "我要举报", "河长制是什么", "取消", " ", ""]),
        "Location_X": st.floats(-90, 90).map(str), "Location_Y": st.floats(-180, 180).map(str),
    }.get(kind, XML_TEXT)
    return st.one_of(
        plausible.map(escape), plausible.map(cdata), XML_TEXT.map(escape), XML_TEXT.map(cdata), NUMBERS,
        st.builds(lambda n, t: f"<{n}>{escape(t)}</{n}>", NAME, XML_TEXT),              # nested element
        st.builds(lambda n: f"<{n}/>", NAME),
        st.sampled_from(["<![CDATA[a]]]]><![CDATA[>b]]>", "<![CDATA[<xml>]]>", "<![CDATA[]]>", "<![CDATA[&amp;]]>",
                         "&lt;![CDATA[x]]&gt;", "&#x4F60;&#22909;", "&amp;amp;", "<!-- c -->x", "<?pi x?>y",
                         "<![CDATA[\u0000]]>".replace("\u0000", "\ufffd"), "&#1114111;", "&#xD800;", "&#0;",
                         "&unknown;", "]]>", "<![CDATA[", "<", "&"]),
    )


field = st.sampled_from(FIELDS)
element = st.builds(lambda name, v: f"<{name}>{v}</{name}>", field, st.deferred(lambda: st.sampled_from(FIELDS))
                    .flatmap(value))


@st.composite
def message_like(draw) -> str:
    """A text/event/location message with fields dropped, repeated, replaced or renamed at random."""
    kind = draw(st.sampled_from(["text", "event", "location", "image", "other"]))
    fields = {"ToUserName": "gh_test", "FromUserName": cdata(openid()), "CreateTime": str(int(time.time())),
              "MsgType": cdata(kind if kind != "other" else draw(st.sampled_from(MSG_TYPES))),
              "MsgId": msg_id()}
    if kind == "text":
        fields["Content"] = cdata(draw(st.sampled_from(["你好", "1", "蓝藻怎么治理", "查询CZ-20200101-AAAA"])))
    elif kind == "event":
        fields["Event"] = draw(st.sampled_from(EVENTS))
        fields.pop("MsgId")
    elif kind == "location":
        fields.update(Location_X="31.7", Location_Y="119.9", Scale="15", Label=cdata("武进区湖塘镇"))
    elif kind == "image":
        fields.update(PicUrl="http://x/y.jpg", MediaId="m1")
    essential = ("FromUserName", "MsgType")     # left alone 7 times in 10, so most messages reach the dialogue
    names = list(fields) if draw(st.integers(0, 9)) >= 7 else [n for n in fields if n not in essential]
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        action = draw(st.sampled_from(["drop", "replace", "repeat", "rename"]))
        if action == "drop":
            fields.pop(name)
        elif action == "replace":
            fields[name] = draw(value(name))
        elif action == "repeat":
            fields[name] = fields[name] + f"</{name}><{name}>" + draw(value(name))
        else:
            fields[draw(NAME)] = fields.pop(name)
    parts = [f"<{k}>{v}</{k}>" for k, v in fields.items()]
    parts += draw(st.lists(element, max_size=3))
    draw(st.randoms()).shuffle(parts)
    return "<xml>" + "".join(parts) + "</xml>"


DTD = st.sampled_from([
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>',
    '<!doctype xml [<!entity a "x">]><xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&a;</Content></xml>',
    '<!DocType xml SYSTEM "file:///etc/passwd"><xml><Content>x</Content></xml>',
    '<?xml version="1.0"?>\n<!DOCTYPE  xml PUBLIC "-//x" "http://127.0.0.1:1/x.dtd"><xml/>',
    '<xml><!ENTITY x "y"></xml>',
    '<?xml version="1.0" encoding="utf-16"?><xml><FromUserName>u</FromUserName><MsgType>text</MsgType></xml>',
    '<?xml version="1.0" encoding="gbk"?><xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>你好</Content></xml>',
    '<?xml version="2.0"?><xml/>', '<?xml-stylesheet href="x"?><xml/>', "<xml>", "</xml>", "<xml/>", "<xml></xml>",
    "<xml>text only</xml>", "<other><FromUserName>u</FromUserName><MsgType>text</MsgType></other>",
    '<xml xmlns="urn:x" a="1"><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>',
    "<xml><MsgType>text</MsgType><Content>没有结束", "这不是XML", "", " ", "\ufeff<xml/>",
])


def utf16(text: str) -> bytes:
    return text.encode("utf-16")


shaped_xml = st.integers(0, 3).flatmap(          # XML that parses, with odd or missing fields: gets furthest
    lambda i: message_like().map(str.encode) if i else
    st.lists(element, max_size=8).map(lambda els: ("<xml>" + "".join(els) + "</xml>").encode()))
broken_xml = st.one_of(                          # XML that does not parse, or is refused before parsing
    st.builds(lambda x, cut: x.encode()[:cut], message_like(), st.integers(0, 400)),       # truncated
    st.binary(max_size=2000),
    st.builds(lambda b: b"<xml>" + b + b"</xml>", st.binary(max_size=300)),
    DTD.map(str.encode),
    DTD.map(utf16),
    st.builds(lambda x: x.encode("utf-16-le"), message_like()),
    st.builds(lambda n: b"<xml>" + b"<a>" * n + b"</a>" * n + b"</xml>", st.integers(1, 3000)),   # deep nesting
)
odd_xml = st.integers(0, 9).flatmap(lambda i: shaped_xml if i < 6 else broken_xml)     # 60 % shaped


def assert_not_5xx(r: requests.Response, sent: object) -> None:
    assert r.status_code < 500, f"sent {sent!r} -> {shown(r)}"


@fuzz_settings("WECHAT_XML")
@given(body=odd_xml)
@example(body=b"<xml><FromUserName>u-1</FromUserName><MsgType>text</MsgType><Content>hi</Content><MsgId>abc</MsgId></xml>")
@example(body=b"<xml><FromUserName>u-2</FromUserName><MsgType>text</MsgType><Content><b>1</b></Content></xml>")
@example(body=b"<xml><FromUserName>u-3</FromUserName><MsgType>text</MsgType><Content>x</Content>"
              b"<CreateTime>99999999999999999999999</CreateTime></xml>")
@example(body=b"<xml><FromUserName>u-4</FromUserName><MsgType>event</MsgType><Event>subscribe</Event>"
              b"<CreateTime>zz</CreateTime></xml>")
@example(body=b"<xml><FromUserName><a>1</a></FromUserName><MsgType>text</MsgType><Content>1</Content></xml>")
@example(body=b"<xml><FromUserName>u-5</FromUserName><FromUserName>u-6</FromUserName><MsgType>text</MsgType>"
              b"<Content>2</Content><MsgId>77</MsgId></xml>")
@example(body=b"<xml><FromUserName>u-7</FromUserName><MsgType>text</MsgType><Content>1</Content>"
              b"<Content>2</Content></xml>")
@example(body=b"<xml><FromUserName>u-8</FromUserName><MsgType><a/></MsgType></xml>")
def test_signed_odd_xml_is_never_5xx(stack, body):
    RUN["WECHAT_XML"] += 1
    assert_not_5xx(post(stack, body, signed(stack)), body[:600])


# --- safe mode ----------------------------------------------------------------------------------------------

def crypto(stack) -> WeChatCrypto:
    return WeChatCrypto(stack.wechat["token"], stack.wechat["aes_key"], stack.wechat["appid"])


def envelope(encrypt: str) -> bytes:
    return f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def inner_text(sender: str, content: str = "你好") -> str:
    return (f"<xml><ToUserName>{cdata('gh_test')}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{cdata('text')}</MsgType>"
            f"<Content>{cdata(content)}</Content><MsgId>{msg_id()}</MsgId></xml>")


AES_HOW = ["flip", "truncate", "random_b64", "random_text", "bad_msg_signature", "no_msg_signature", "wrong_appid",
           "garbage_inside", "odd_inner_xml", "no_encrypt", "plaintext_body"]


def aes_request(stack, data) -> tuple[bytes, dict]:
    """A safe-mode request broken in one way. Encryption runs in the test body between draws: wechatpy's
    random nonces must not run inside a hypothesis strategy."""
    params = signed(stack)
    key = base64.b64decode(stack.wechat["aes_key"] + "=")
    appid = stack.wechat["appid"]
    how = data.draw(st.sampled_from(AES_HOW), label="how")
    good = PrpCrypto(key).encrypt(inner_text(openid()), appid)
    good = good.decode() if isinstance(good, bytes) else good
    encrypt = good
    if how == "flip":
        raw = bytearray(base64.b64decode(good))
        for i in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4), label="flipped bytes"):
            raw[i] ^= data.draw(st.integers(1, 255))
        encrypt = base64.b64encode(bytes(raw)).decode()
    elif how == "truncate":
        encrypt = good[:data.draw(st.integers(0, len(good) - 1), label="cut")]
    elif how == "random_b64":
        encrypt = base64.b64encode(data.draw(st.binary(max_size=600))).decode()
    elif how == "random_text":
        encrypt = escape(data.draw(XML_TEXT))
    elif how == "wrong_appid":
        encrypt = PrpCrypto(key).encrypt(inner_text(openid()), "wx_other")
    elif how == "garbage_inside":
        encrypt = PrpCrypto(key).encrypt(data.draw(XML_TEXT, label="plaintext"), appid)
    elif how == "odd_inner_xml":
        inner = data.draw(st.one_of(message_like(), DTD, st.lists(element, max_size=5).map(
            lambda e: "<xml>" + "".join(e) + "</xml>")), label="inner xml")
        encrypt = PrpCrypto(key).encrypt(inner, appid)
    encrypt = encrypt.decode() if isinstance(encrypt, bytes) else encrypt
    body = envelope(encrypt)
    sig = _get_signature(stack.wechat["token"], params["timestamp"], params["nonce"], encrypt)
    if how == "bad_msg_signature":
        sig = data.draw(st.one_of(st.just("0" * 40), st.text("0123456789abcdef", max_size=41), XML_TEXT),
                        label="msg_signature")
    if how == "no_encrypt":
        body = b"<xml><ToUserName>gh_test</ToUserName></xml>"
    if how == "plaintext_body":
        body = inner_text(openid()).encode()
    params.update(encrypt_type="aes")
    if how != "no_msg_signature":
        params["msg_signature"] = sig
    return body, params


@fuzz_settings("WECHAT_AES")
@given(data=st.data())
def test_safe_mode_with_broken_ciphertext_is_never_5xx(stack, data):
    RUN["WECHAT_AES"] += 1
    body, params = aes_request(stack, data)
    assert_not_5xx(post(stack, body, params), (body[:600], params))


# --- signatures -----------------------------------------------------------------------------------------------

@st.composite
def bad_params(draw, stack) -> dict:
    params = signed(stack)
    how = draw(st.sampled_from(["none", "wrong_token", "drop", "random", "stale_signature", "extra_char"]))
    if how == "none":
        return {}
    if how == "wrong_token":
        return {**params, "signature": signature(draw(st.text(min_size=1, max_size=20).filter(
            lambda t: t != stack.wechat["token"])), params["timestamp"], params["nonce"])}
    if how == "drop":
        dropped = draw(st.sampled_from(sorted(params)))
        return {k: v for k, v in params.items() if k != dropped}
    if how == "random":
        return {k: draw(XML_TEXT) for k in params}
    if how == "stale_signature":
        return {**params, "nonce": params["nonce"] + "x"}
    return {**params, "signature": params["signature"] + draw(st.sampled_from(["0", " ", "\u00e9", "%00"]))}


@fuzz_settings("WECHAT_SIGNATURE")
@given(data=st.data(), method=st.sampled_from(["GET", "POST", "POST_AES"]))
def test_bad_signature_is_403(stack, data, method):
    RUN["WECHAT_SIGNATURE"] += 1
    params = data.draw(bad_params(stack))
    if method == "GET":
        r = requests.get(url(stack), params={**params, "echostr": "fuzz-echo"}, timeout=TIMEOUT)
    else:
        if method == "POST_AES":
            params = {**params, "encrypt_type": "aes", "msg_signature": params.get("signature", "")}
        r = post(stack, inner_text(openid()).encode(), params)
    assert r.status_code == 403, f"{method} {params!r} -> {shown(r)}"


# --- and the channel still answers ----------------------------------------------------------------------------

def test_well_formed_signed_text_still_answered(stack):
    sender = openid()
    r = post(stack, inner_text(sender, "蓝藻怎么治理").encode(), signed(stack))
    assert r.status_code == 200, shown(r)
    reply = parse_message(r.text)
    assert reply.type == "text" and reply.target == sender and reply.content, shown(r)

    sender = openid()
    params = signed(stack)
    enc = xmltodict.parse(crypto(stack).encrypt_message(inner_text(sender, "你好"), params["nonce"],
                                                        params["timestamp"]))["xml"]
    params.update(encrypt_type="aes", msg_signature=enc["MsgSignature"])
    r = post(stack, envelope(enc["Encrypt"]), params)
    assert r.status_code == 200, shown(r)
    fields = xmltodict.parse(r.text)["xml"]
    reply = parse_message(crypto(stack).decrypt_message(r.text, fields["MsgSignature"], fields["TimeStamp"],
                                                        fields["Nonce"]))
    assert reply.type == "text" and reply.target == sender and reply.content, shown(r)
