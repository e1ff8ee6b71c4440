"""The insight page's figures: what citizens ask that the plan cannot answer (refused questions and answers voted
没帮助, grouped by similar wording), the share of refused plan questions per day, reports by type, district and
week, and activity sign-ups per event. Read-only; the charts are drawn as SVG by templates/insight.html."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.complaints import store

DAYS = 30                 # the share of refusals: the last DAYS days
WEEKS = 12                # reports per week: the last WEEKS weeks
GROUP_SIMILARITY = 0.5    # questions this alike (character bigrams, store.similarity) fall in one group
MAX_QUESTIONS = 5000      # the newest refused / not-helpful questions grouped


@dataclass
class QuestionGroup:
    key: str
    count: int = 0
    refused: int = 0
    not_helpful: int = 0
    last: dt.datetime | None = None
    seen: Counter = field(default_factory=Counter)     # wording (without punctuation) → times asked
    shown: dict = field(default_factory=dict)          # wording → how it was first (newest) written

    @property
    def text(self) -> str:
        """The wording asked most often (the newest of equals)."""
        return self.shown[self.seen.most_common(1)[0][0]]

    @property
    def wordings(self) -> list[str]:
        """Up to five wordings, the most asked first."""
        return [self.shown[w] for w, _ in self.seen.most_common(5)]


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\W_]+", "", text)


def _bigrams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(len(key) - 1)} or {key}


def group_questions(items: list[tuple[str, dt.datetime, str]]) -> list[QuestionGroup]:
    """(question, when, "refused" | "not_helpful") → groups of similar wording, most asked first. A question
    joins the first group whose first wording shares ≥ GROUP_SIMILARITY of its character bigrams (Jaccard);
    candidates come from an index of bigrams, so distinct questions cost no pairwise comparisons."""
    groups: list[QuestionGroup] = []
    grams: list[set[str]] = []
    by_key: dict[str, int] = {}
    by_gram: dict[str, list[int]] = {}
    for text, when, source in sorted(items, key=lambda i: i[1], reverse=True):
        key = _key(text)
        if not key:
            continue
        index = by_key.get(key)
        if index is None:
            mine = _bigrams(key)
            candidates = sorted({i for g in mine for i in by_gram.get(g, ())})
            index = next((i for i in candidates if len(mine & grams[i]) / len(mine | grams[i]) >= GROUP_SIMILARITY),
                         None)
            if index is None:
                index = len(groups)
                groups.append(QuestionGroup(key=key, last=when))
                grams.append(mine)
                for g in mine:
                    by_gram.setdefault(g, []).append(index)
            by_key[key] = index
        group = groups[index]
        group.count += 1
        group.refused += source == "refused"
        group.not_helpful += source == "not_helpful"
        group.seen[key] += 1
        group.shown.setdefault(key, text.strip())
    return sorted(groups, key=lambda g: (-g.count, -(g.last or dt.datetime.min).timestamp()))


def not_helpful_votes(feedback_db: Path) -> list[tuple[str, dt.datetime, str]]:
    """Questions whose answer was voted 没帮助, from the web chat's feedback file."""
    if not feedback_db.exists():
        return []
    with sqlite3.connect(feedback_db) as db:
        rows = db.execute("SELECT question, created_at FROM feedback WHERE helpful = 0 AND question != '' "
                          "ORDER BY id DESC LIMIT ?", (MAX_QUESTIONS,)).fetchall()
    return [(q, dt.datetime.fromisoformat(at[:19]), "not_helpful") for q, at in rows]


@dataclass
class Insight:
    groups: list[QuestionGroup]
    refusal_days: list[tuple[str, int, int]]              # (MM-DD, asked, refused)
    by_type: list[tuple[str, int]]
    by_district: list[tuple[str, int]]
    by_week: list[tuple[str, int]]
    signups: list[tuple[str, int]]
    retention_days: int


def weeks_back(today: dt.date, created: list[dt.datetime]) -> list[tuple[str, int]]:
    """Reports per ISO week (labelled by its Monday) for the last WEEKS weeks, oldest first, empty weeks included."""
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    counts = Counter(c.date() - dt.timedelta(days=c.weekday()) for c in created)
    return [(f"{s:%m-%d}", counts.get(s, 0)) for s in starts]


def gather(feedback_db: Path, activity_titles: dict[str, str], url: str | None = None) -> Insight:
    today = store.today()
    C = store.Complaint
    with Session(store.engine(url)) as session:
        refused = session.execute(select(store.RefusedQuestion.question, store.RefusedQuestion.asked_at)
                                  .order_by(store.RefusedQuestion.id.desc()).limit(MAX_QUESTIONS)).all()
        days = {d.day: d for d in session.scalars(select(store.QuestionDay).where(
            store.QuestionDay.day > today - dt.timedelta(days=DAYS)))}
        by_type = session.execute(select(C.pollution_type, func.count()).group_by(C.pollution_type)
                                  .order_by(func.count().desc())).all()
        by_district = session.execute(select(func.coalesce(C.district, "未识别"), func.count())
                                      .group_by(func.coalesce(C.district, "未识别")).order_by(func.count().desc())).all()
        since = dt.datetime.combine(today - dt.timedelta(days=today.weekday(), weeks=WEEKS - 1), dt.time())
        created = list(session.scalars(select(C.created_at).where(C.created_at >= since)))
        signups = session.execute(select(store.ActivitySignup.activity_id, func.count())
                                  .group_by(store.ActivitySignup.activity_id).order_by(func.count().desc())).all()
    items = [(q, at, "refused") for q, at in refused] + not_helpful_votes(feedback_db)
    refusal_days = []
    for i in range(DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=i)
        row = days.get(day)
        refusal_days.append((f"{day:%m-%d}", row.asked if row else 0, row.refused if row else 0))
    return Insight(group_questions(items)[:50], refusal_days, [tuple(r) for r in by_type],
                   [tuple(r) for r in by_district], weeks_back(today, created),
                   [(activity_titles.get(a, a), n) for a, n in signups], store.refusal_retention_days())
