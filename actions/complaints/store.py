"""Complaint reports and activity sign-ups in SQL (SQLAlchemy 2; no Rasa imports).

Database: DATABASE_URL (e.g. postgresql://user:password@host:port/db, driver psycopg2) when set, else a SQLite file at COMPLAINTS_DB
(default .run/complaints.sqlite3). Every write is committed before the function returns, so a reply
that quotes a tracking number is only sent for a stored report.

Tables: complaints (the report body), complaint_contacts (phone or anonymous, kept apart from the body),
complaint_history (status changes with time and operator note), activity_signups.
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

from ..privacy import mask_phone
from .fields import today

log = logging.getLogger(__name__)

STATUSES = ("已受理", "处理中", "已办结")
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
           description: str, contact: str, url: str | None = None) -> Stored:
    """Store a report (body, contact, first history entry) in one committed transaction."""
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


def set_status(tracking_number: str, status: str, note: str | None, url: str | None = None) -> Complaint:
    if status not in STATUSES:
        raise StoreError(f"状态只能是：{'、'.join(STATUSES)}")
    with _WRITE_LOCK, Session(engine(url), expire_on_commit=False) as session:
        row = session.scalar(select(Complaint).where(Complaint.tracking_number == normalise_number(tracking_number)))
        if row is None:
            raise StoreError(f"没有编号为 {tracking_number} 的举报。")
        if STATUSES.index(status) < STATUSES.index(row.status):
            raise StoreError(f"状态不能从“{row.status}”退回到“{status}”。")
        row.status = status
        session.add(ComplaintHistory(complaint_id=row.id, status=status, note=note, at=_now()))
        session.commit()
    return find(tracking_number, url)


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
