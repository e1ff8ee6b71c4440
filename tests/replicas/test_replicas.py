"""One conversation across two replicas sharing PostgreSQL and Redis (tests/replicas/conftest.py): the dialogue
state follows the citizen from one Rasa server to the other, two messages arriving at once are taken in turn,
and a replica killed mid-conversation loses nothing that was confirmed. The kill test runs last."""
from __future__ import annotations

import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from actions.complaints import store
from tests.conversation import complain, custom, say, texts
from tests.replicas.conftest import WECHAT
from tests.wechat.client import WeChat, text_xml


def user_texts(tracker: dict) -> list[str]:
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def whole_report(url: str, number: str) -> tuple | None:
    """(type, district, status, contact, history entries) of a stored report, or None."""
    with create_engine(url).connect() as con:
        return con.execute(text(
            "select c.pollution_type, c.district, c.status, coalesce(k.phone, '匿名'), "
            "(select count(*) from complaint_history h where h.complaint_id = c.id) "
            "from complaints c join complaint_contacts k on k.complaint_id = c.id where c.tracking_number = :n"),
            {"n": number}).fetchone()


def test_a_follow_up_on_the_other_replica_keeps_the_indicator(replicas):
    r1, r2 = replicas
    sender = f"alt-{uuid.uuid4().hex[:8]}"
    assert "25.6" in texts(say(r1.base, sender, "农村生活污水治理率现在多少"))
    follow = texts(say(r2.base, sender, "那2030年呢"))
    assert "农村生活污水治理率" in follow and "2030年目标值100%" in follow
    assert "不达标" in texts(say(r1.base, sender, "现在达标了吗"))
    expected = ["农村生活污水治理率现在多少", "那2030年呢", "现在达标了吗"]
    assert user_texts(r1.tracker(sender)) == user_texts(r2.tracker(sender)) == expected


def test_a_complaint_form_half_on_each_replica_is_stored_whole(replicas, services):
    r1, r2 = replicas
    sender = f"form-{uuid.uuid4().hex[:8]}"
    number, done = complain([r1.base, r2.base], sender, place="天宁区青洋路桥下", phone="13912345678")
    assert number in texts(done)
    assert whole_report(services.settings["DATABASE_URL"], number) == ("大气", "天宁区", "已受理", "13912345678", 1)
    for r in (r1, r2):
        status = texts(say(r.base, sender, f"查询{number}"))
        assert "已受理" in status and "13912345678" not in status


def test_two_messages_of_one_conversation_at_once_are_taken_in_turn(replicas):
    """The lock store (bot/lock_store.py): a second message arriving at the other replica waits for the first to
    finish, so neither turn overwrites the other's events in the shared tracker. Eight conversations at once,
    each sending its two messages to the two replicas at the same moment."""
    r1, r2 = replicas
    senders = [f"lock-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    with ThreadPoolExecutor(max_workers=2 * len(senders)) as pool:
        pairs = [(pool.submit(say, r1.base, s, "农村生活污水治理率现在多少"), pool.submit(say, r2.base, s, "哪些指标没达标"))
                 for s in senders]
        replies = [(texts(a.result(timeout=300)), texts(b.result(timeout=300))) for a, b in pairs]
    for sender, (first, second) in zip(senders, replies, strict=True):
        assert "25.6" in first and "未达标" in second
        events = [e["event"] for e in r2.tracker(sender)["events"] if e["event"] in ("user", "bot")]
        turns = "".join("u" if e == "user" else "b" for e in events)
        assert turns.count("u") == 2, (sender, turns)
        assert turns.startswith("u") and "ub" in turns[1:] and turns.index("u", 1) > turns.index("b"), (sender, turns)


def test_the_rate_limit_counts_a_sender_on_every_replica(replicas):
    """30 messages a minute per sender (bot/channels/guard.py), counted in Redis: alternating replicas gains nothing."""
    r1, r2 = replicas
    sender = f"rate-{uuid.uuid4().hex[:8]}"
    for i in range(30):
        assert "有点快" not in texts(say((r1, r2)[i % 2].base, sender, "你好"))
    assert "有点快" in texts(say(r1.base, sender, "你好")) and "有点快" in texts(say(r2.base, sender, "你好"))
    assert len(user_texts(r2.tracker(sender))) == 30                # the refused ones never reached the dialogue
    assert "有点快" not in texts(say(r2.base, f"other-{uuid.uuid4().hex[:8]}", "你好"))


def test_a_wechat_retry_landing_on_the_other_replica_is_answered_once(replicas):
    """WeChat retries a MsgId it got no answer for; behind a load balancer the retry may reach the other replica,
    which must not run the dialogue again but reply with the first replica's answer."""
    r1, r2 = replicas
    openid = f"o-rep-{uuid.uuid4().hex[:10]}"
    xml = text_xml(openid, "农村生活污水治理率现在多少", msg_id=random.randrange(10**15, 10**16))
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(WeChat(r1.base, WECHAT).post, xml)
        time.sleep(0.3)
        retry = pool.submit(WeChat(r2.base, WECHAT).post, xml)
        answers = [WeChat(r.base, WECHAT).reply(f.result(timeout=300)).content for r, f in ((r1, first), (r2, retry))]
    assert "25.6" in answers[0] and answers[1] == answers[0]
    assert user_texts(r1.tracker(openid)) == ["农村生活污水治理率现在多少"]


def test_killing_a_replica_mid_conversation_loses_nothing_confirmed(replicas, services):
    r1, r2 = replicas
    url = services.settings["DATABASE_URL"]
    sender = f"kill-{uuid.uuid4().hex[:8]}"
    first, _ = complain([r1.base, r2.base], sender, place="钟楼区白荡河公园东门")
    assert "哪类污染" in texts(say(r1.base, sender, "我要举报"))
    assert "哪里" in texts(say(r1.base, sender, "河水发黑"))
    r1.kill()                                                   # kill -9 of replica 1's Rasa and action server
    assert whole_report(url, first) == ("大气", "钟楼区", "已受理", "13812345678", 1)
    assert "什么时候" in texts(say(r2.base, sender, "新北区藻江河桥下"))   # the form goes on where it was
    assert "描述" in texts(say(r2.base, sender, "前天下午"))
    assert "手机号" in texts(say(r2.base, sender, "河水发黑发臭，还漂着死鱼"))
    summary = texts(say(r2.base, sender, "匿名"))
    assert "新北区藻江河桥下" in summary and "水" in summary
    submitted = custom(say(r2.base, sender, "/confirm_complaint"), "complaint_submitted")
    second = store.find(submitted["tracking_number"], url=url)
    assert second is not None and second.location == "新北区藻江河桥下"
    assert whole_report(url, second.tracking_number) == ("水", "新北区", "已受理", "匿名", 1)
    assert "已受理" in texts(say(r2.base, sender, f"查询{first}"))
    assert user_texts(r2.tracker(sender))[:2] == ["我要举报，昨晚有工厂冒黑烟", "钟楼区白荡河公园东门"]
