"""Posting to the WeChat channel as WeChat's servers do: messages built, signed and encrypted with wechatpy,
replies parsed (and decrypted) with wechatpy. Used by tests/wechat, tests/replicas and tests/fuzz."""
from __future__ import annotations

import hashlib
import random
import time
import uuid

import requests
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

TIMEOUT = 120


def signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or random.randrange(10**15, 10**16)}</MsgId></xml>")


class WeChat:
    """Posts to the channel the way WeChat's servers do (plaintext or safe mode)."""

    def __init__(self, base: str, account: dict, path: str = "wechat"):
        self.url = f"{base}/webhooks/{path}/webhook"
        self.token = account["token"]
        self.crypto = WeChatCrypto(account["token"], account["aes_key"], account["appid"])

    def params(self, token: str | None = None) -> dict:
        ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        return {"timestamp": ts, "nonce": nonce, "signature": signature(token or self.token, ts, nonce)}

    def post(self, xml: str | bytes, aes: bool = False, token: str | None = None) -> requests.Response:
        params = self.params(token)
        if aes:
            encrypted = self.crypto.encrypt_message(xml, params["nonce"], params["timestamp"])
            fields = xmltodict.parse(encrypted)["xml"]
            params.update(encrypt_type="aes", msg_signature=fields["MsgSignature"])
            # WeChat posts only ToUserName and Encrypt; the signature covers Encrypt
            xml = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
        body = xml.encode("utf-8") if isinstance(xml, str) else xml
        return requests.post(self.url, params=params, data=body, timeout=TIMEOUT,
                             headers={"Content-Type": "text/xml"})

    def reply(self, r: requests.Response, aes: bool = False):
        assert r.status_code == 200, r.text
        xml = r.text
        if aes:
            fields = xmltodict.parse(xml)["xml"]
            xml = self.crypto.decrypt_message(xml, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        return parse_message(xml)

    def ask(self, openid: str, content: str, aes: bool = False) -> str:
        msg = self.reply(self.post(text_xml(openid, content), aes=aes), aes=aes)
        assert msg.type == "text" and msg.source == "gh_test" and msg.target == openid
        return msg.content
