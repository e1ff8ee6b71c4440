"""The half-written-report check the fuzz tests rely on (common.incomplete_reports) does see one: a complaint
row without its contact row, one without a history entry, and a quoted number that is not stored at all.
(Two contact rows for one report cannot happen: complaint_id is the contacts table's primary key.)"""
from __future__ import annotations

import datetime as dt
import sqlite3

from actions.complaints import store
from tests.fuzz.common import incomplete_reports

INSERT = ("insert into complaints (tracking_number, pollution_type, location, seen_date, description, status,"
          " created_at) values (?, '水', 'x', '2026-11-01', '河水发黑发臭', '已受理', '2026-11-01 10:00:00')")


def test_incomplete_reports_are_listed(tmp_path):
    db = tmp_path / "c.sqlite3"
    good = store.submit("水", "天宁区青洋路桥下", "天宁区", dt.date(2026, 11, 1), "下午", "河水发黑发臭", "匿名",
                        url=f"sqlite:///{db}").tracking_number
    assert incomplete_reports(db) == [] and incomplete_reports(db, [good]) == []
    con = sqlite3.connect(db)
    with con:
        no_contact = con.execute(INSERT, ("CZ-20261101-NOCT",)).lastrowid
        con.execute("insert into complaint_history (complaint_id, status, note, at)"
                    " values (?, '已受理', '', '2026-11-01 10:00:00')", (no_contact,))
        no_history = con.execute(INSERT, ("CZ-20261101-NOHI",)).lastrowid
        con.execute("insert into complaint_contacts (complaint_id, anonymous, phone) values (?, 1, null)",
                    (no_history,))
    con.close()
    assert sorted(incomplete_reports(db)) == [("CZ-20261101-NOCT", 0, 1), ("CZ-20261101-NOHI", 1, 0)]
    assert incomplete_reports(db, [good, "CZ-20261101-NOHI", "CZ-20200101-ZZZZ"]) == [
        ("CZ-20261101-NOHI", 1, 0), ("CZ-20200101-ZZZZ", None, None)]
