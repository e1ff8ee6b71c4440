"""Environmental activities: load and validate knowledge/activities.yml, compute what is coming up.

No Rasa imports. `load()` raises ActivitiesError listing every problem with its place in the file.
The file can be moved with env ACTIVITIES_FILE (an operator's copy, or a test's).
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).with_name("activities.yml")
SOURCE_GLOB = "source/*.txt"
DISTRICTS = ("金坛区", "武进区", "新北区", "天宁区", "钟楼区", "溧阳市", "经开区")
KINDS = {"纪念日": "recurring", "宣传活动": "recurring", "教育基地": "base", "活动": "event"}


class ActivitiesError(ValueError):
    """The activities file is invalid; the message lists every problem."""


@dataclass(frozen=True)
class Activity:
    id: str
    title: str
    kind: str                         # 纪念日 | 宣传活动 | 教育基地 | 活动
    date: dt.date | None = None       # the next occurrence (recurring) or the event's date
    time: str | None = None
    district: str | None = None
    place: str | None = None
    description: str | None = None
    quota: int | None = None
    line: int | None = None           # plan line for recurring days and bases
    quote: str | None = None
    month_day: str | None = None      # "04-22" for recurring days

    @property
    def can_sign_up(self) -> bool:
        return self.kind == "活动" and bool(self.quota)


@dataclass(frozen=True)
class Catalogue:
    recurring: tuple[Activity, ...]
    bases: tuple[Activity, ...]
    events: tuple[Activity, ...]

    def event(self, activity_id: str) -> Activity | None:
        return next((e for e in self.events if e.id == activity_id), None)


def _plan_lines() -> list[str]:
    files = sorted(Path(__file__).parent.glob(SOURCE_GLOB))
    return files[0].read_text(encoding="utf-8").splitlines() if files else []


def _mappings(data: dict, section: str, errors: list[str]):
    """(where, item) for each entry of a section that is a mapping; an entry that is not is an error."""
    for i, item in enumerate(data.get(section) or []):
        where = f"{section}[{i}]"
        if isinstance(item, dict):
            yield where, item
        else:
            errors.append(f"{where}: 应为映射")


def _need(item: dict, key: str, where: str, errors: list[str], kind=str) -> object:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(f"{where}.{key}: 必填")
    elif not isinstance(value, kind) or isinstance(value, bool):
        errors.append(f"{where}.{key}: 应为 {kind.__name__}，实际是 {value!r}")
    else:
        return value
    return None


def _quote_check(item: dict, where: str, lines: list[str], errors: list[str]) -> None:
    line, quote = item.get("line"), item.get("quote")
    if not isinstance(line, int) or not isinstance(quote, str):
        errors.append(f"{where}: 需要 line（规划原文行号）和 quote（原文）")
    elif lines and (line < 1 or line > len(lines) or quote.strip() not in lines[line - 1]):
        errors.append(f"{where}: quote 不在规划第 {line} 行")


def parse(data: object, check_plan: bool = True) -> Catalogue:
    if not isinstance(data, dict):
        raise ActivitiesError("activities file: 顶层应为包含 recurring、bases、events 的映射")
    errors: list[str] = []
    lines = _plan_lines() if check_plan else []
    ids: set[str] = set()
    recurring, bases, events = [], [], []

    def _id(item: dict, where: str) -> str | None:
        value = _need(item, "id", where, errors)
        if value in ids:
            errors.append(f"{where}.id: 重复的 id {value!r}")
        if value:
            ids.add(value)
        return value

    for where, item in _mappings(data, "recurring", errors):
        aid, title = _id(item, where), _need(item, "title", where, errors)
        kind = item.get("kind")
        if kind not in ("纪念日", "宣传活动"):
            errors.append(f"{where}.kind: 应为 纪念日 或 宣传活动")
        md = item.get("date")
        if md is not None:
            try:
                dt.date(2024, *(int(x) for x in str(md).split("-")))
                assert re.fullmatch(r"\d{2}-\d{2}", str(md))
            except (ValueError, TypeError, AssertionError):
                errors.append(f"{where}.date: 应为 MM-DD 或 null，实际是 {md!r}")
                md = None
        _quote_check(item, where, lines, errors)
        recurring.append(Activity(aid or "", title or "", kind or "", month_day=md, line=item.get("line"),
                                  quote=item.get("quote")))
    for where, item in _mappings(data, "bases", errors):
        aid, title = _id(item, where), _need(item, "title", where, errors)
        if item.get("district") is not None and item["district"] not in DISTRICTS:
            errors.append(f"{where}.district: 应为 {'、'.join(DISTRICTS)} 之一或 null")
        _quote_check(item, where, lines, errors)
        bases.append(Activity(aid or "", title or "", "教育基地", district=item.get("district"),
                              line=item.get("line"), quote=item.get("quote")))
    for where, item in _mappings(data, "events", errors):
        aid = _id(item, where)
        title = _need(item, "title", where, errors)
        place = _need(item, "place", where, errors)
        desc = _need(item, "description", where, errors)
        raw_date = item.get("date")
        date = None
        if isinstance(raw_date, dt.date):
            date = raw_date
        else:
            try:
                date = dt.date.fromisoformat(str(raw_date))
            except ValueError:
                errors.append(f"{where}.date: 应为 YYYY-MM-DD，实际是 {raw_date!r}")
        time = item.get("time")
        if not isinstance(time, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d(-([01]\d|2[0-3]):[0-5]\d)?", time):
            errors.append(f"{where}.time: 应为 HH:MM 或 HH:MM-HH:MM，实际是 {time!r}")
        if item.get("district") not in DISTRICTS:
            errors.append(f"{where}.district: 应为 {'、'.join(DISTRICTS)} 之一，实际是 {item.get('district')!r}")
        quota = item.get("quota")
        if not isinstance(quota, int) or isinstance(quota, bool) or quota < 1:
            errors.append(f"{where}.quota: 应为正整数，实际是 {quota!r}")
        events.append(Activity(aid or "", title or "", "活动", date=date, time=time, district=item.get("district"),
                               place=place, description=desc, quota=quota if isinstance(quota, int) else None))
    unknown = set(data) - {"recurring", "bases", "events"}
    if unknown:
        errors.append(f"未知的顶层字段：{', '.join(sorted(unknown))}")
    if errors:
        raise ActivitiesError("activities file has errors:\n" + "\n".join(f"  - {e}" for e in errors))
    return Catalogue(tuple(recurring), tuple(bases), tuple(events))


def activities_file() -> Path:
    return Path(os.environ.get("ACTIVITIES_FILE") or DEFAULT_FILE)


def load(path: Path | None = None, extra_events: list[dict] | tuple = ()) -> Catalogue:
    """The catalogue of `path` (default: activities_file()); `extra_events` (entries shaped like the file's
    `events:`, e.g. the operator console's) are added and validated with the same rules."""
    path = path or activities_file()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ActivitiesError(f"{path}: 不是有效的 YAML：{exc}") from exc
    if extra_events and isinstance(data, dict):
        data["events"] = [*(data.get("events") or []), *extra_events]
    try:
        return parse(data)
    except ActivitiesError as exc:
        raise ActivitiesError(f"{path}: {exc}") from None


def next_occurrence(month_day: str, today: dt.date) -> dt.date:
    """The next date (today included) on which MM-DD falls; 02-29 moves to the next leap year."""
    month, day = (int(x) for x in month_day.split("-"))
    year = today.year
    while True:
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            year += 1
            continue
        if candidate >= today:
            return candidate
        year += 1


def upcoming(catalogue: Catalogue, today: dt.date, start: dt.date | None = None, end: dt.date | None = None,
             district: str | None = None, kinds: set[str] | None = None) -> list[Activity]:
    """Dated activities between start and end (default: today … today+365), soonest first; then
    undated campaigns and bases when their kind is asked for (bases match a district only when known)."""
    start = max(start or today, today)
    end = end or today + dt.timedelta(days=365)
    found: list[Activity] = []
    want = kinds or set(KINDS)
    if want & {"纪念日", "宣传活动"}:
        for r in catalogue.recurring:
            if r.kind not in want or district:
                continue                # commemorative days are city-wide: not listed under a district
            if r.month_day:
                date = next_occurrence(r.month_day, start)
                if date <= end:
                    found.append(Activity(**{**r.__dict__, "date": date}))
    if "活动" in want:
        found += [e for e in catalogue.events if e.date and start <= e.date <= end
                  and (district is None or e.district == district)]
    found.sort(key=lambda a: a.date)
    if want & {"纪念日", "宣传活动"} and not district:
        found += [r for r in catalogue.recurring if r.month_day is None and r.kind in want]
    if "教育基地" in want:
        found += [b for b in catalogue.bases if district is None or b.district == district]
    return found
