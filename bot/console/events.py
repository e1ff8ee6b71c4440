"""Operator events: the console's form values checked with the same rules as activities.yml's `events:`
(knowledge/activities.parse, on the whole catalogue so an id cannot clash), then kept in the complaint store,
where actions/activities.py reads them with the file on every request (no restart)."""
from __future__ import annotations

import re

from actions.complaints import store
from knowledge import activities as catalogue_mod

LABELS = {"id": "活动编号", "title": "名称", "date": "日期", "time": "时间", "district": "区域", "place": "地点",
          "description": "内容", "quota": "名额"}
ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def item_from_form(form: dict[str, str]) -> dict:
    """The form's values in the shape of an `events:` entry (quota as a number when it is one)."""
    item: dict = {k: (form.get(k) or "").strip() or None for k in store.EVENT_FIELDS}
    quota = item["quota"]
    item["quota"] = int(quota) if quota and quota.isdigit() else quota
    return item


def problems(item: dict, editing: str | None = None) -> list[str]:
    """What is wrong with `item` (a new event, or the new version of event `editing`), in Chinese per field."""
    errors = []
    if editing is None and (not ID.fullmatch(item.get("id") or "") or item.get("id") == "new"):
        errors.append("活动编号：只能用小写字母、数字和“-”，例如 clean-river-1205")
    others = [store.event_item(e) for e in store.operator_events(include_closed=True) if e.id != (editing or item["id"])]
    try:
        catalogue_mod.load(extra_events=[*others, item])
    except catalogue_mod.ActivitiesError as exc:
        index = len(_file_events()) + len(others)            # the candidate is the catalogue's last event
        for line in str(exc).splitlines():
            m = re.match(rf"\s*- events\[{index}\]\.?(\w*):?\s*(.*)", line)
            if m:
                errors.append(f"{LABELS.get(m.group(1), m.group(1) or '活动')}：{m.group(2)}")
            elif line.strip().startswith("- "):
                errors.append("活动清单本身有误：" + line.strip()[2:])
    return list(dict.fromkeys(errors))


def _file_events() -> list:
    import yaml
    data = yaml.safe_load(catalogue_mod.activities_file().read_text(encoding="utf-8")) or {}
    return list(data.get("events") or []) if isinstance(data, dict) else []


def file_events() -> list[catalogue_mod.Activity]:
    """The events kept in activities.yml itself (shown, not editable here)."""
    return list(catalogue_mod.load().events)
