"""Green-living tips grounded in the plan, and reporting channels (the plan + channels.yml).

Tips are the plan's own words found by a topic question; nothing is added that the plan does not
say. Reporting channels from knowledge/data/channels.yml are labelled as coming from outside the
plan, each with its source.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, run_knowledge, send_answer

# topic → (words that select it in a message, the question put to the plan)
TOPICS: dict[str, tuple[tuple[str, ...], str]] = {
    "垃圾分类": (("垃圾", "分类", "分類"), "推进生活垃圾分类 分类投放设施"),
    "绿色出行": (("出行", "公交", "骑车", "自行车", "地铁", "步行", "开车", "通勤"),
                 "构建便捷绿色出行系统 落实公交优先"),
    "光盘行动": (("光盘", "剩饭", "剩菜", "浪费", "粮食", "吃饭"), "推行光盘行动 遏制食品浪费"),
    "一次性用品": (("一次性", "塑料袋", "餐具", "布袋", "过度包装"), "严格限制一次性用品的生产销售和使用 可降解塑料袋"),
    "节能家电": (("家电", "电器", "省电", "节电", "照明", "节能"), "倡导低碳居住 使用节电型电器和照明产品"),
    "节约用水": (("节水", "省水", "用水", "节约用水"), "推广节能低碳节水产品应用"),
}
GENERAL = ("光盘行动", "一次性用品", "节能家电")
REPORT_BUTTONS = [{"title": "在这里提交举报", "payload": "/report_pollution"},
                  {"title": "查询举报进度", "payload": "/check_complaint_status"}]
HERE = ("· 在这里提交：点下面的“在这里提交举报”，我一步步帮您登记（污染类型、地点、时间、描述、联系方式），"
        "提交后给您一个受理编号，之后凭编号随时查询处理进度。")
CHANNEL_QUESTIONS = ("健全举报制度 举报受理程序", "网格吹哨 部门报到", "畅通公众参与渠道 信息公开 社会监督",
                     "公众听证制度 表达环境利益诉求的渠道")


def pick_topic(text: str, entity: str | None) -> str | None:
    """The topic a message is about: keywords in the text first, then the topic entity; None if general."""
    for name, (words, _) in TOPICS.items():
        if any(w in text for w in words):
            return name
    if entity:
        for name, (words, _) in TOPICS.items():
            if entity == name or any(w in entity for w in words):
                return name
    return None


def tips(topic: str | None) -> tuple[str, bool, list]:
    """Reply text, confidence and sources for one topic, or a few general tips when there is none."""
    from knowledge.answer import answer
    names = [topic] if topic else list(GENERAL)
    parts, sources = [], []
    for name in names:
        res = answer(TOPICS[name][1])
        if res.confident and res.kind == "text":
            parts.append(f"【{name}】{res.text}")
            sources.extend(res.sources[:1])
    if not parts:
        return (f"《规划》里没有找到关于“{topic}”的具体做法，我不作推测。"
                "您可以问问垃圾分类、绿色出行、光盘行动、一次性用品或节能家电。", False, [])
    head = "以下是《规划》中倡导的绿色生活方式：\n" if not topic else ""
    return head + "\n\n".join(parts), True, sources


def load_channels(path: Path | None = None) -> list[dict]:
    """Reporting channels from knowledge/data/channels.yml (outside the plan)."""
    import knowledge
    path = path or Path(knowledge.__file__).parent / "data" / "channels.yml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("channels") or []


def channels_text(channels: list[dict]) -> str:
    lines = ["以下渠道不是出自《规划》，是规划之外的公开信息（各条注明了来源）："]
    for ch in channels:
        lines.append(f"· {ch['name']}：{ch['how']}。\n  来源：{ch['source']}")
        if ch.get("note"):
            lines.append(f"  提示：{ch['note']}")
    return "\n".join(lines)


def plan_on_reporting() -> tuple[list[str], list]:
    """What the plan itself says on 举报制度, 网格吹哨, 信息公开 and 公众参与 (deduplicated)."""
    from knowledge.answer import answer
    texts, sources, seen = [], [], set()
    for q in CHANNEL_QUESTIONS:
        res = answer(q)
        if res.confident and res.kind == "text" and res.text not in seen:
            seen.add(res.text)
            texts.append(res.text)
            sources.extend(res.sources[:1])
    return texts, sources


def tips_turn(question: str, entity: str | None) -> tuple[str, bool, list, str | None]:
    """(text, confident, sources, topic): the plan's answer to the question itself when it has one,
    general tips for a general request, and an honest refusal for a specific question it does not cover."""
    from knowledge.answer import answer, has_own_subject
    topic = pick_topic(question, entity)
    if topic is None and not has_own_subject(re.sub(r"绿色生活|低碳生活|环保|生活", "", question)):
        text, confident, sources = tips(None)
        return text, confident, sources, None
    res = answer(question)
    if res.confident and res.kind == "text":
        return res.text, True, res.sources, topic
    if topic is not None and not has_own_subject(_without_topic_words(question, topic)):
        text, confident, sources = tips(topic)
        return text, confident, sources, topic
    return res.text, res.confident, res.sources, topic


def _without_topic_words(question: str, topic: str) -> str:
    for word in (topic, *TOPICS[topic][0]):
        question = question.replace(word, "")
    return question


class ActionGreenTips(Action):
    """Green-living tips on a topic, in the plan's own words with citations."""

    def name(self) -> str:
        return "action_green_tips"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text, confident, sources, topic = await run_knowledge(tips_turn, latest_text(tracker),
                                                              latest_entity(tracker, "topic"))
        buttons = None if confident and topic else [{"title": t, "payload": f"{t}有什么建议"} for t in TOPICS]
        send_answer(dispatcher, text, confident, sources, buttons=buttons, kind="tips")
        return []


def _specific_answer(question: str, already: list[str]):
    """The plan's answer to the citizen's own question when it adds to the general reporting texts."""
    from knowledge.answer import answer
    res = answer(question)
    return res if res.confident and res.text not in already else None


class ActionReportChannels(Action):
    """What the plan says about reporting, then the outside channels with their sources."""

    def name(self) -> str:
        return "action_report_channels"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        channels = await run_knowledge(load_channels)
        external = [{"name": c["name"], "source": c["source"], "outside_plan": True} for c in channels]
        texts, sources = await run_knowledge(plan_on_reporting)
        specific = await run_knowledge(_specific_answer, latest_text(tracker), texts)
        if specific:
            texts, sources = [specific.text, *texts], [*specific.sources[:1], *sources]
        plan_part = "\n".join(texts) if texts else "《规划》中没有找到关于举报渠道的具体内容。"
        text = (f"举报环境问题可以走这几条渠道：\n{HERE}\n{channels_text(channels)}\n\n"
                f"《规划》里的说法：\n{plan_part}")
        send_answer(dispatcher, text, bool(texts), sources, buttons=REPORT_BUTTONS, kind="channels",
                    external=external)
        return []
