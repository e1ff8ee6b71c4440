"""Reading reports for the console: the filtered, paged queue, one report with everything about it, CSV rows.

Writes (status changes, merges, contact reveals) go through actions/complaints/store.py, which audits them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from actions.complaints import store
from actions.complaints.fields import DISTRICTS
from actions.privacy import mask_phone

PER_PAGE = 50
TYPES = ("大气", "水", "噪声", "固体废物", "土壤", "生态破坏", "辐射", "其他")
CSV_HEADER = ["受理编号", "类型", "区域", "地点", "发现日期", "时段", "描述", "状态", "提交时间", "相似举报",
              "合并至", "联系方式"]


@dataclass
class Filters:
    """The queue's filters as given in the query string; `errors` says which values were not understood."""
    status: str = ""
    type: str = ""
    district: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, query: dict[str, str]) -> Filters:
        f = cls()
        for name, allowed, label in (("status", store.ALL_STATUSES, "状态"), ("type", TYPES, "类型"),
                                     ("district", DISTRICTS, "区域")):
            value = query.get(name, "").strip()
            if value and value not in allowed:
                f.errors.append(f"{label}“{value}”不存在，已忽略。")
            elif value:
                setattr(f, name, value)
        for name, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
            value = query.get(name, "").strip()
            if value:
                try:
                    setattr(f, name, dt.date.fromisoformat(value))
                except ValueError:
                    f.errors.append(f"{label}“{value}”不是 YYYY-MM-DD 格式的日期，已忽略。")
        try:
            f.page = max(int(query.get("page") or 1), 1)
        except ValueError:
            f.errors.append("页码不是数字，已显示第 1 页。")
        return f

    def query_string(self, page: int | None = None) -> str:
        """The filters as a query string (for paging links and the CSV link)."""
        from urllib.parse import urlencode
        pairs = {"status": self.status, "type": self.type, "district": self.district,
                 "date_from": self.date_from.isoformat() if self.date_from else "",
                 "date_to": self.date_to.isoformat() if self.date_to else ""}
        if page is not None:
            pairs["page"] = str(page)
        return urlencode({k: v for k, v in pairs.items() if v})

    def where(self, stmt):
        C = store.Complaint
        if self.status:
            stmt = stmt.where(C.status == self.status)
        if self.type:
            stmt = stmt.where(C.pollution_type == self.type)
        if self.district:
            stmt = stmt.where(C.district == self.district)
        if self.date_from:
            stmt = stmt.where(C.created_at >= dt.datetime.combine(self.date_from, dt.time()))
        if self.date_to:
            stmt = stmt.where(C.created_at < dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time()))
        return stmt


@dataclass
class Page:
    rows: list[store.Complaint]
    total: int
    page: int
    pages: int


def queue(filters: Filters, per_page: int = PER_PAGE, url: str | None = None) -> Page:
    """One page of the reports matching `filters`, newest first."""
    with Session(store.engine(url)) as session:
        total = session.scalar(filters.where(select(func.count()).select_from(store.Complaint)))
        pages = max((total + per_page - 1) // per_page, 1)
        page = min(filters.page, pages)
        rows = session.scalars(filters.where(select(store.Complaint))
                               .order_by(store.Complaint.created_at.desc(), store.Complaint.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)
                               .execution_options(populate_existing=False)).all()
        session.expunge_all()
    return Page(list(rows), total, page, pages)


@dataclass
class Detail:
    report: store.Complaint
    contact: str                         # masked unless revealed
    channel: str | None
    notices: list[store.ComplaintNotice]
    linked: list[store.Complaint]        # similar or merged, in both directions
    merged_into: str | None
    merged_here: list[str]
    audit: list[store.OperatorAudit]


def masked_contact(contact: store.ComplaintContact | None) -> str:
    if contact is None or contact.anonymous:
        return "匿名"
    return mask_phone(contact.phone)


def detail(tracking_number: str, url: str | None = None) -> Detail | None:
    """A report with its history, notices, linked reports and audit trail; None when there is no such report."""
    with Session(store.engine(url)) as session:
        row = session.scalar(select(store.Complaint).where(
            store.Complaint.tracking_number == store.normalise_number(tracking_number)))
        if row is None:
            return None
        _ = row.history
        reporter = session.get(store.ComplaintReporter, row.id)
        merge = session.get(store.ComplaintMerge, row.id)
        into = session.get(store.Complaint, merge.into_id).tracking_number if merge else None
        merged_here = list(session.scalars(
            select(store.Complaint.tracking_number).join(store.ComplaintMerge,
                                                         store.ComplaintMerge.complaint_id == store.Complaint.id)
            .where(store.ComplaintMerge.into_id == row.id).order_by(store.Complaint.id)))
        numbers = set(merged_here) | {n for n in (row.similar_to, into) if n}
        linked = session.scalars(select(store.Complaint).where(
            or_(store.Complaint.tracking_number.in_(numbers), store.Complaint.similar_to == row.tracking_number),
            store.Complaint.id != row.id).order_by(store.Complaint.created_at)).all()
        notices = session.scalars(select(store.ComplaintNotice).where(store.ComplaintNotice.complaint_id == row.id)
                                  .order_by(store.ComplaintNotice.id)).all()
        audit = session.scalars(select(store.OperatorAudit).where(
            store.OperatorAudit.tracking_number == row.tracking_number).order_by(store.OperatorAudit.id)).all()
        result = Detail(row, masked_contact(session.get(store.ComplaintContact, row.id)),
                        reporter.channel if reporter else None, list(notices), list(linked), into, merged_here,
                        list(audit))
        session.expunge_all()
    return result


def recent_audit(limit: int = 200, url: str | None = None) -> list[store.OperatorAudit]:
    with Session(store.engine(url)) as session:
        rows = session.scalars(select(store.OperatorAudit).order_by(store.OperatorAudit.id.desc()).limit(limit)).all()
        session.expunge_all()
    return list(rows)


def csv_text(filters: Filters, url: str | None = None) -> str:
    """Every report matching `filters` (all pages), newest first, contacts masked, as CSV with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    C = store.Complaint
    with Session(store.engine(url)) as session:
        into = {cid: number for cid, number in session.execute(
            select(store.ComplaintMerge.complaint_id, C.tracking_number)
            .join(C, C.id == store.ComplaintMerge.into_id))}
        stmt = filters.where(select(C, store.ComplaintContact)
                             .outerjoin(store.ComplaintContact, store.ComplaintContact.complaint_id == C.id))
        for c, contact in session.execute(stmt.order_by(C.created_at.desc(), C.id.desc())):
            writer.writerow([c.tracking_number, c.pollution_type, c.district or "", c.location,
                             c.seen_date.isoformat(), c.seen_part or "", c.description, c.status,
                             c.created_at.isoformat(sep=" "), c.similar_to or "", into.get(c.id, ""),
                             masked_contact(contact)])
    return "\ufeff" + out.getvalue()
