"""Complaint reports and activity sign-ups in SQL (SQLAlchemy 2; no Rasa imports).

Database: DATABASE_URL (e.g. postgresql://user:password@host:port/db, driver psycopg2) when set, else a SQLite file at COMPLAINTS_DB
(default .run/complaints.sqlite3). Every write is committed before the function returns, so a reply
that quotes a tracking number is only sent for a stored report.

Tables: complaints (the report body), complaint_contacts (phone or anonymous, kept apart from the body),
complaint_history (status changes with time and operator note), complaint_reporters (the channel and sender id
the report came from, for notices), complaint_notices (what the reporter is to be told and whether it reached
them), operator_audit (who did what to a report, and when: status changes, contact reveals, merges),
activity_signups.
Phone numbers are never logged in clear: use actions.privacy.mask_phone (every log record is masked too).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from ..privacy import mask_phone, mask_phones
from .fields import today

log = logging.getLogger(__name__)

STATUSES = ("已受理", "处理中", "已办结")
REJECTED = "不予受理"                                 # from 已受理 or 处理中, with a reason; final like 已办结
ALL_STATUSES = STATUSES + (REJECTED,)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"      # no 0/O, 1/I: read out over the phone without doubt
DUPLICATE_DAYS = 7
SIMILARITY = 0.5
ROOT = Path(__file__).resolve().parents[2]


class Base(DeclarativeBase):
    pass


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    pollution_type: Mapped[str] = mapped_column(String(10), index=True)
    location: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(10))
    seen_date: Mapped[dt.date] = mapped_column(Date)
    seen_part: Mapped[str | None] = mapped_column(String(4))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    similar_to: Mapped[str | None] = mapped_column(String(20))
    history: Mapped[list[ComplaintHistory]] = relationship(order_by="ComplaintHistory.id", lazy="selectin")


class ComplaintContact(Base):
    __tablename__ = "complaint_contacts"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(11))


class ComplaintHistory(Base):
    __tablename__ = "complaint_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class ComplaintReporter(Base):
    """Where a report came from: the Rasa input channel ("rest", "wechat") and its sender id (an OpenID on WeChat)."""
    __tablename__ = "complaint_reporters"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    sender_id: Mapped[str] = mapped_column(String(200), index=True)


class ComplaintNotice(Base):
    """A message for the reporter about their report; `delivered_at` is set once it reached them (`via`)."""
    __tablename__ = "complaint_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    via: Mapped[str | None] = mapped_column(String(40))


class OperatorAudit(Base):
    """One operator action on a report: status change, contact reveal, merge."""
    __tablename__ = "operator_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    operator: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))
    tracking_number: Mapped[str] = mapped_column(String(20), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class ComplaintMerge(Base):
    """A report an operator merged into another: it follows the other's status changes from then on."""
    __tablename__ = "complaint_merges"
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    into_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class RefusedQuestion(Base):
    """A plan question the assistant could not answer: its text only (phone numbers masked), no sender."""
    __tablename__ = "refused_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    question: Mapped[str] = mapped_column(Text)


class QuestionDay(Base):
    """Plan questions asked and refused per day (counts only), for the share of refusals."""
    __tablename__ = "question_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    asked: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)


class OperatorEvent(Base):
    """A volunteer event added in the operator console (the same fields as activities.yml's `events:`)."""
    __tablename__ = "operator_events"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    date: Mapped[dt.date] = mapped_column(Date)
    time: Mapped[str] = mapped_column(String(11))
    district: Mapped[str] = mapped_column(String(10))
    place: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    quota: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(50))


EVENT_FIELDS = ("id", "title", "date", "time", "district", "place", "description", "quota")


class ActivitySignup(Base):
    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "phone"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(11))
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime)
    code: Mapped[str] = mapped_column(String(20), unique=True)


@dataclass
class Stored:
    tracking_number: str
    similar: Complaint | None


class StoreError(Exception):
    """A request the store refuses (unknown number, bad status, full activity…), with a Chinese message."""


_ENGINES: dict[str, object] = {}
_ENGINE_LOCK = threading.Lock()
_WRITE_LOCK = threading.Lock()      # SQLite allows one writer; serialise writes inside this process
# Several action servers on PostgreSQL: tracking numbers are unique in the table (a clash is redrawn) and the
# activity quota check holds a transaction-scoped advisory lock per activity, so no process-local lock is relied on.


def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    path = Path(os.environ.get("COMPLAINTS_DB") or ROOT / ".run" / "complaints.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def engine(url: str | None = None):
    url = url or database_url()
    with _ENGINE_LOCK:
        return _ENGINES.get(url) or _create_engine(url)


def _create_engine(url: str):
    sqlite = url.startswith("sqlite")
    eng = create_engine(url, connect_args={"timeout": 30} if sqlite else {}, pool_pre_ping=not sqlite)
    if sqlite:
        @event.listens_for(eng, "connect")
        def _pragmas(conn, _):            # WAL: readers do not block the writer; FULL: durable on commit
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    for attempt in range(5):
        try:
            Base.metadata.create_all(eng)
            break
        except (IntegrityError, ProgrammingError):   # another action server created the tables at the same moment
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    _ENGINES[url] = eng
    return eng


def _now() -> dt.datetime:
    return dt.datetime.combine(today(), dt.datetime.now().time()).replace(microsecond=0)


def _code(prefix: str, day: dt.date) -> str:
    return f"{prefix}-{day:%Y%m%d}-" + "".join(secrets.choice(ALPHABET) for _ in range(4))


def normalise_number(text: str) -> str:
    return (text or "").strip().upper().replace("—", "-").replace("－", "-")


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in (text or "") if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def similarity(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _similar(session: Session, ptype: str, location: str, district: str | None, description: str,
             now: dt.datetime) -> Complaint | None:
    rows = session.scalars(select(Complaint).where(Complaint.pollution_type == ptype,
                                                   Complaint.created_at >= now - dt.timedelta(days=DUPLICATE_DAYS))
                           .order_by(Complaint.created_at.desc())).all()
    for row in rows:
        if district and row.district and district != row.district:
            continue
        if similarity(location, row.location) >= SIMILARITY or similarity(description, row.description) >= SIMILARITY:
            return row
    return None


def submit(pollution_type: str, location: str, district: str | None, seen_date: dt.date, seen_part: str | None,
           description: str, contact: str, url: str | None = None, reporter: tuple[str, str] | None = None) -> Stored:
    """Store a report (body, contact, first history entry, and the reporter's (channel, sender id) when given) in
    one committed transaction."""
    eng = engine(url)
    for _ in range(20):
        now = _now()
        number = _code("CZ", now.date())
        with _WRITE_LOCK, Session(eng, expire_on_commit=False) as session:
            similar = _similar(session, pollution_type, location, district, description, now)
            row = Complaint(tracking_number=number, pollution_type=pollution_type, location=location, district=district,
                            seen_date=seen_date, seen_part=seen_part, description=description, status=STATUSES[0],
                            created_at=now, similar_to=similar.tracking_number if similar else None)
            session.add(row)
            try:
                session.flush()
                anonymous = contact == "匿名"
                session.add(ComplaintContact(complaint_id=row.id, anonymous=anonymous,
                                             phone=None if anonymous else contact))
                session.add(ComplaintHistory(complaint_id=row.id, status=STATUSES[0], note="市民在线提交", at=now))
                if reporter and reporter[0] and reporter[1]:
                    session.add(ComplaintReporter(complaint_id=row.id, channel=reporter[0][:40],
                                                  sender_id=reporter[1][:200]))
                session.commit()
            except IntegrityError:
                session.rollback()
                continue                      # tracking number taken: draw another
            if similar is not None:
                session.expunge(similar)
            log.info("complaint %s stored (type %s, contact %s)", number, pollution_type, mask_phone(contact))
            return Stored(number, similar)
    raise StoreError("系统繁忙，暂时无法生成受理编号，请稍后再试。")


def find(tracking_number: str, url: str | None = None) -> Complaint | None:
    with Session(engine(url), expire_on_commit=False) as session:
        row = session.scalar(select(Complaint).where(Complaint.tracking_number == normalise_number(tracking_number)))
        if row is not None:
            _ = row.history
            session.expunge_all()
        return row


def contact_of(tracking_number: str, url: str | None = None) -> ComplaintContact | None:
    with Session(engine(url), expire_on_commit=False) as session:
        row = session.scalar(select(ComplaintContact).join(Complaint, Complaint.id == ComplaintContact.complaint_id)
                             .where(Complaint.tracking_number == normalise_number(tracking_number)))
        if row is not None:
            session.expunge(row)
        return row


def notice_text(tracking_number: str, status: str, note: str | None) -> str:
    """What the reporter is told about a status change: "您的举报 CZ-… 已办结：…"."""
    return f"您的举报 {tracking_number} {status}" + (f"：{note}" if note else "。")


def check_transition(current: str, status: str, note: str | None) -> None:
    """Raise StoreError unless `current` → `status` (with `note`) is allowed."""
    if status not in ALL_STATUSES:
        raise StoreError(f"状态只能是：{'、'.join(ALL_STATUSES)}")
    if current == REJECTED or (current == STATUSES[-1] and status == REJECTED):
        raise StoreError(f"这条举报已经“{current}”，状态不能再改。")
    if status == REJECTED:
        if not (note or "").strip():
            raise StoreError("不予受理必须写明理由。")
    elif STATUSES.index(status) < STATUSES.index(current):
        raise StoreError(f"状态不能从“{current}”退回到“{status}”。")


def audit(session: Session, operator: str, action: str, tracking_number: str, detail: str | None) -> None:
    """Add one audit entry to `session` (committed with the change it records)."""
    session.add(OperatorAudit(at=_now(), operator=operator[:50], action=action, tracking_number=tracking_number,
                              detail=detail))


def _move(session: Session, row: Complaint, status: str, note: str | None, now: dt.datetime) -> None:
    row.status = status
    session.add(ComplaintHistory(complaint_id=row.id, status=status, note=note, at=now))
    session.add(ComplaintNotice(complaint_id=row.id, text=notice_text(row.tracking_number, status, note),
                                created_at=now))


def _by_number(session: Session, tracking_number: str) -> Complaint:
    row = session.scalar(select(Complaint).where(Complaint.tracking_number == normalise_number(tracking_number)))
    if row is None:
        raise StoreError(f"没有编号为 {tracking_number} 的举报。")
    return row


def set_status(tracking_number: str, status: str, note: str | None, url: str | None = None,
               operator: str = "cli") -> Complaint:
    """Move a report on (已受理 → 处理中 → 已办结, or 不予受理 with a reason). The history entry, a notice for the
    reporter and the audit entry are committed together; reports merged into this one move with it."""
    note = (note or "").strip() or None
    with _WRITE_LOCK, Session(engine(url), expire_on_commit=False) as session:
        row = _by_number(session, tracking_number)
        check_transition(row.status, status, note)
        now = _now()
        _move(session, row, status, note, now)
        followers = session.scalars(select(Complaint).join(ComplaintMerge, ComplaintMerge.complaint_id == Complaint.id)
                                    .where(ComplaintMerge.into_id == row.id).order_by(Complaint.id)).all()
        moved = []
        for follower in followers:
            try:
                check_transition(follower.status, status, note)
            except StoreError:
                continue                      # already further on (or closed) by itself
            _move(session, follower, status, note, now)
            moved.append(follower.tracking_number)
        detail = f"{status}：{note}" if note else status
        audit(session, operator, "status", row.tracking_number, detail + (f"（合并的 {'、'.join(moved)} 同步）" if moved else ""))
        session.commit()
    return find(tracking_number, url)


def merge(tracking_number: str, into: str, operator: str, url: str | None = None) -> Complaint:
    """Merge a report into another: linked to it, told so, and moved with it from now on (audited)."""
    with _WRITE_LOCK, Session(engine(url), expire_on_commit=False) as session:
        row, target = _by_number(session, tracking_number), _by_number(session, into)
        if row.id == target.id:
            raise StoreError("不能把举报合并到它自己。")
        if session.get(ComplaintMerge, row.id) is not None:
            raise StoreError(f"{row.tracking_number} 已经合并过了。")
        if session.get(ComplaintMerge, target.id) is not None:
            raise StoreError(f"{target.tracking_number} 本身已合并到其他举报，请合并到那一条。")
        if session.scalar(select(ComplaintMerge).where(ComplaintMerge.into_id == row.id)) is not None:
            raise StoreError(f"已有举报合并到 {row.tracking_number}，不能再把它合并出去。")
        if row.status in (STATUSES[-1], REJECTED):
            raise StoreError(f"{row.tracking_number} 已经“{row.status}”，不能再合并。")
        now = _now()
        session.add(ComplaintMerge(complaint_id=row.id, into_id=target.id, at=now))
        row.similar_to = row.similar_to or target.tracking_number
        note = f"已与 {target.tracking_number} 合并处理"
        session.add(ComplaintHistory(complaint_id=row.id, status=row.status, note=note, at=now))
        session.add(ComplaintNotice(complaint_id=row.id, created_at=now,
                                    text=f"您的举报 {row.tracking_number} {note}，处理进展会继续告知您。"))
        audit(session, operator, "merge", row.tracking_number, f"合并至 {target.tracking_number}")
        session.commit()
    return find(tracking_number, url)


def reveal_contact(tracking_number: str, operator: str, url: str | None = None) -> ComplaintContact | None:
    """The report's contact in clear, with an audit entry saying who saw it and when."""
    with _WRITE_LOCK, Session(engine(url), expire_on_commit=False) as session:
        row = _by_number(session, tracking_number)
        contact = session.get(ComplaintContact, row.id)
        audit(session, operator, "reveal", row.tracking_number, "查看联系方式")
        session.commit()
        if contact is not None:
            session.expunge(contact)
        return contact


def since(day: dt.date, url: str | None = None) -> list[tuple[Complaint, ComplaintContact | None]]:
    with Session(engine(url), expire_on_commit=False) as session:
        rows = session.execute(select(Complaint, ComplaintContact)
                               .outerjoin(ComplaintContact, ComplaintContact.complaint_id == Complaint.id)
                               .where(Complaint.created_at >= dt.datetime.combine(day, dt.time()))
                               .order_by(Complaint.created_at, Complaint.id)).all()
        for complaint, _ in rows:
            _ = complaint.history
        session.expunge_all()
        return [(c, k) for c, k in rows]


def count_complaints(url: str | None = None) -> int:
    with Session(engine(url), expire_on_commit=False) as session:
        return session.scalar(select(func.count()).select_from(Complaint))


# --- operator events ------------------------------------------------------------------------------------

def event_item(row: OperatorEvent) -> dict:
    """An operator event in the shape of an activities.yml `events:` entry."""
    return {"id": row.id, "title": row.title, "date": row.date.isoformat(), "time": row.time,
            "district": row.district, "place": row.place, "description": row.description, "quota": row.quota}


def operator_events(include_closed: bool = False, url: str | None = None) -> list[OperatorEvent]:
    """The console's events, by date; closed ones only when asked."""
    with Session(engine(url)) as session:
        stmt = select(OperatorEvent).order_by(OperatorEvent.date, OperatorEvent.id)
        if not include_closed:
            stmt = stmt.where(OperatorEvent.closed.is_(False))
        rows = session.scalars(stmt).all()
        session.expunge_all()
    return list(rows)


def save_event(item: dict, operator: str, new: bool, url: str | None = None) -> None:
    """Add (new=True: the id must be free) or replace an event; `item` was validated by the caller."""
    values = {k: item[k] for k in EVENT_FIELDS}
    values["date"] = dt.date.fromisoformat(str(values["date"]))
    with _WRITE_LOCK, Session(engine(url)) as session:
        row = session.get(OperatorEvent, values["id"])
        if new and row is not None:
            raise StoreError(f"活动编号 {values['id']} 已存在，请换一个。")
        if not new and (row is None or row.closed):
            raise StoreError(f"没有可修改的活动 {values['id']}。")
        if row is None:
            row = OperatorEvent(closed=False)
            session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at, row.updated_by = _now(), operator[:50]
        try:
            session.commit()
        except IntegrityError:
            raise StoreError(f"活动编号 {values['id']} 已存在，请换一个。") from None


def close_event(event_id: str, operator: str, url: str | None = None) -> None:
    """Close an event: no longer offered or open for sign-up (its sign-ups are kept)."""
    with _WRITE_LOCK, Session(engine(url)) as session:
        row = session.get(OperatorEvent, event_id)
        if row is None or row.closed:
            raise StoreError(f"没有进行中的活动 {event_id}。")
        row.closed, row.updated_at, row.updated_by = True, _now(), operator[:50]
        session.commit()


# --- activity sign-ups ----------------------------------------------------------------------------------

def signups(activity_id: str, url: str | None = None) -> int:
    with Session(engine(url), expire_on_commit=False) as session:
        return session.scalar(select(func.count()).select_from(ActivitySignup)
                              .where(ActivitySignup.activity_id == activity_id))


def sign_up(activity_id: str, quota: int, name: str, phone: str, url: str | None = None) -> str:
    """Store a sign-up if the quota allows; returns the confirmation code. Raises StoreError when full."""
    eng = engine(url)
    for _ in range(20):
        now = _now()
        code = _code("HD", now.date())
        with _WRITE_LOCK, Session(eng, expire_on_commit=False) as session:
            if eng.dialect.name == "postgresql":   # several action servers: one sign-up per activity at a time
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"signup:{activity_id}"})
            taken = session.scalar(select(func.count()).select_from(ActivitySignup)
                                   .where(ActivitySignup.activity_id == activity_id))
            if taken >= quota:
                raise StoreError("这个活动的名额已经报满了，可以看看其他活动。")
            if session.scalar(select(ActivitySignup.code).where(ActivitySignup.activity_id == activity_id,
                                                                ActivitySignup.phone == phone)):
                raise StoreError("这个手机号已经报过名了，不用重复报名。")
            session.add(ActivitySignup(activity_id=activity_id, name=name, phone=phone, consent_at=now, code=code))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            log.info("sign-up %s for %s (phone %s)", code, activity_id, mask_phone(phone))
            return code
    raise StoreError("系统繁忙，请稍后再试。")


# --- notices to reporters -------------------------------------------------------------------------------

def _take(session: Session, query, via: str) -> list[str]:
    """Mark the notices of `query` that wait here (not handed to the WeChat channel) delivered; their texts."""
    rows = session.scalars(query.where(ComplaintNotice.delivered_at.is_(None), ComplaintNotice.via.is_(None))
                           .order_by(ComplaintNotice.id)).all()
    now = _now()
    for row in rows:
        row.delivered_at, row.via = now, via
    session.commit()
    return [row.text for row in rows]


def take_notices_for_sender(sender_id: str, via: str, url: str | None = None) -> list[str]:
    """The undelivered notices of every report filed by `sender_id`, oldest first, marked delivered `via`."""
    if not sender_id:
        return []
    with _WRITE_LOCK, Session(engine(url)) as session:
        return _take(session, select(ComplaintNotice).join(
            ComplaintReporter, ComplaintReporter.complaint_id == ComplaintNotice.complaint_id)
            .where(ComplaintReporter.sender_id == sender_id), via)


def take_notices_for_report(tracking_number: str, via: str, url: str | None = None) -> list[str]:
    """The undelivered notices of one report (shown when the reporter looks it up), marked delivered `via`."""
    with _WRITE_LOCK, Session(engine(url)) as session:
        return _take(session, select(ComplaintNotice).join(Complaint, Complaint.id == ComplaintNotice.complaint_id)
                     .where(Complaint.tracking_number == normalise_number(tracking_number)), via)


def mark_notice(notice_id: int, via: str, delivered: bool, url: str | None = None) -> None:
    """Record how a notice went out: delivered (`via` and the time) or only handed on (`via`, still pending here)."""
    with _WRITE_LOCK, Session(engine(url)) as session:
        row = session.get(ComplaintNotice, notice_id)
        if row is not None and row.delivered_at is None:
            row.via = via
            if delivered:
                row.delivered_at = _now()
            session.commit()


# --- refused questions ----------------------------------------------------------------------------------

def refusal_retention_days() -> int:
    """Days a refused question's text is kept: env REFUSAL_RETENTION_DAYS (default 180; 0 = keep no text)."""
    try:
        return max(int(os.environ.get("REFUSAL_RETENTION_DAYS", "180")), 0)
    except ValueError:
        return 180


def record_question(question: str, refused: bool, url: str | None = None) -> None:
    """Count a plan question for today; keep the text of a refused one (phone numbers masked, no sender) and
    drop texts older than the retention setting."""
    keep = refusal_retention_days()
    for _ in range(3):                    # another action server may count the day's first question meanwhile
        now = _now()
        with _WRITE_LOCK, Session(engine(url)) as session:
            day = session.get(QuestionDay, now.date())
            if day is None:
                day = QuestionDay(day=now.date(), asked=0, refused=0)
                session.add(day)
            day.asked += 1
            day.refused += int(refused)
            if refused and keep:
                session.add(RefusedQuestion(asked_at=now, question=mask_phones(question.strip())[:500]))
            purge = RefusedQuestion.__table__.delete()
            session.execute(purge.where(RefusedQuestion.asked_at < now - dt.timedelta(days=keep)) if keep else purge)
            try:
                session.commit()
                return
            except IntegrityError:
                session.rollback()
