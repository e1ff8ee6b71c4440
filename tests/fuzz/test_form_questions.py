"""Form conversations with questions typed in at every step: at each turn the citizen either answers the
field the form asks (a plausible answer) or types a question or another request (plan questions, the
weather, status look-ups, greetings, chit-chat, English). After every turn Rasa's tracker must hold no
question as a field value. FUZZ_FORM_QUESTIONS conversations (default 8)."""
from __future__ import annotations

import uuid

import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SIGNUP_EVENT
from tests.fuzz.common import RUN, TIMEOUT, assert_messages, fuzz_settings, rest

MAX_TURNS = 14
FIELDS = ("pollution_type", "location", "seen_at", "description", "contact", "signup_name", "signup_phone",
          "signup_consent")
QUESTIONS = ["常州明天天气怎么样", "河长制是什么", "农村生活污水治理率现在多少", "哪些指标还没达标", "溧阳有哪些重点工程",
             "垃圾分类怎么做", "怎么举报", "查询CZ-20200101-ZZZZ", "我的投诉处理得怎么样了", "你好", "你是机器人吗",
             "你叫什么名字", "最近有什么环保活动", "你能做什么", "规划到哪一年？", "What is the river chief system?",
             "How do I report pollution?", "Are you a robot?", "明天会下雨吗", "那2030年呢"]
ANSWERS = (("哪类污染", ["冒黑烟", "水", "噪声"]), ("哪里", ["武进区湖塘镇长虹路", "天宁区青洋路桥下"]),
           ("具体的地点", ["钟楼区白荡河公园东门"]), ("什么时候", ["昨晚", "前天下午", "今天早上"]),
           ("描述", ["烟囱一直冒黑烟，气味很刺鼻", "河水发黑发臭，还漂着死鱼"]), ("手机号", ["13812345678", "匿名"]),
           ("姓名", ["张三", "李四"]), ("同意", ["同意"]), ("确认提交", ["/confirm_complaint"]))
OPENERS = ["我要举报", "我要举报，昨晚有工厂冒黑烟", f'/signup_activity{{"activity_id":"{SIGNUP_EVENT["id"]}"}}']


def form_slots(stack, sender: str) -> dict:
    r = requests.get(f"{stack.base}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=TIMEOUT)
    assert r.ok, r.text
    return {k: v for k, v in r.json()["slots"].items() if k in FIELDS and v is not None}


def answer_to(reply: str) -> list[str] | None:
    """Plausible answers to the field the bot's last message asks, or None when it asks none."""
    return next((answers for cue, answers in ANSWERS if cue in reply), None)


@fuzz_settings("FORM_QUESTIONS")
@given(data=st.data())
def test_a_question_is_never_stored_as_a_field_value(stack, data):
    RUN["FORM_QUESTIONS"] += 1
    sender = f"fq-{uuid.uuid4().hex[:12]}"
    asked: set[str] = set()
    transcript: list[tuple[str, str]] = []
    message = data.draw(st.sampled_from(OPENERS), label="opener")
    for _ in range(MAX_TURNS):
        msgs = assert_messages(rest(stack.base, sender, message), {"message": message, "transcript": transcript})
        reply = "\n".join(str(m.get("text") or "") for m in msgs)
        transcript.append((message, reply[-160:]))
        stored = form_slots(stack, sender)
        leaked = {k: v for k, v in stored.items() if v in asked}
        assert not leaked, f"questions stored as field values: {leaked}; transcript {transcript}"
        if any(isinstance(m.get("custom"), dict) and m["custom"].get("type") in ("complaint_submitted", "signup")
               for m in msgs):
            return
        answers = answer_to(reply.splitlines()[-1] if reply else "")
        if answers is None:                     # the form is over (or never started): nothing more to ask
            return
        if data.draw(st.booleans(), label="question?"):
            message = data.draw(st.sampled_from(QUESTIONS), label="question")
            asked.add(message)
        else:
            message = data.draw(st.sampled_from(answers), label="answer")
