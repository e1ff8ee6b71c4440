"""Operator CLI for complaint reports.

    OPERATOR_TOKEN=… python -m actions.complaints export --since 2026-11-01 --out reports.csv [--with-contact]
    OPERATOR_TOKEN=… python -m actions.complaints set-status CZ-20261128-7F3K 处理中 --note "已派单"
    OPERATOR_TOKEN=… python -m actions.complaints show CZ-20261128-7F3K

Every command needs the operator token: the secret configured in env OPERATOR_TOKEN, presented with
--token (or taken from the same env when --token is absent). Without a configured token nothing runs.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hmac
import os
import sys

from ..privacy import mask_phone
from . import store


def _authorised(token: str | None) -> bool:
    expected = os.environ.get("OPERATOR_TOKEN", "")
    presented = token if token is not None else expected
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def _phone(contact, with_contact: bool) -> str:
    if contact is None or contact.anonymous:
        return "匿名"
    return contact.phone if with_contact else mask_phone(contact.phone)


def export(args) -> int:
    day = dt.date.fromisoformat(args.since)
    rows = store.since(day)
    with open(args.out, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["受理编号", "类型", "区域", "地点", "发现日期", "时段", "描述", "状态", "提交时间", "相似举报", "联系方式"])
        for c, contact in rows:
            writer.writerow([c.tracking_number, c.pollution_type, c.district or "", c.location, c.seen_date.isoformat(),
                             c.seen_part or "", c.description, c.status, c.created_at.isoformat(sep=" "),
                             c.similar_to or "", _phone(contact, args.with_contact)])
    print(f"{len(rows)} reports since {day} written to {args.out}"
          + ("" if args.with_contact else " (contacts masked)"))
    return 0


def show(args) -> int:
    row = store.find(args.id)
    if row is None:
        print(f"no report {args.id}", file=sys.stderr)
        return 1
    contact = store.contact_of(args.id)
    print(f"{row.tracking_number}  {row.pollution_type}  {row.status}")
    print(f"地点：{row.location}（{row.district or '区域未识别'}）")
    print(f"发现：{row.seen_date} {row.seen_part or ''}".rstrip())
    print(f"描述：{row.description}")
    print(f"联系方式：{_phone(contact, False)}")
    if row.similar_to:
        print(f"相似举报：{row.similar_to}")
    for h in row.history:
        print(f"  {h.at:%Y-%m-%d %H:%M}  {h.status}  {h.note or ''}".rstrip())
    return 0


def set_status(args) -> int:
    try:
        row = store.set_status(args.id, args.status, args.note)
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"{row.tracking_number} → {row.status}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.complaints", description="Operator tools for complaint reports")
    parser.add_argument("--token", help="operator token (default: env OPERATOR_TOKEN)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export", help="write reports since a date to CSV (contacts masked)")
    p.add_argument("--since", required=True, help="YYYY-MM-DD")
    p.add_argument("--out", required=True)
    p.add_argument("--with-contact", action="store_true", help="write phone numbers in clear")
    p.set_defaults(fn=export)
    p = sub.add_parser("set-status", help="move a report to 处理中 or 已办结 with a note (不予受理 with a reason)")
    p.add_argument("id")
    p.add_argument("status", choices=store.ALL_STATUSES)
    p.add_argument("--note", default=None)
    p.set_defaults(fn=set_status)
    p = sub.add_parser("show", help="one report with its history (contact masked)")
    p.add_argument("id")
    p.set_defaults(fn=show)
    for name in ("export", "set-status", "show"):       # --token is accepted after the command too
        sub.choices[name].add_argument("--token", dest="token_after", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    token = args.token_after if args.token_after is not None else args.token
    if not _authorised(token):
        print("refused: operator token missing or wrong (set OPERATOR_TOKEN, or pass --token)", file=sys.stderr)
        return 2
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
