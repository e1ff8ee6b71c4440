"""bench/load_bench.py as a user runs it: a subprocess with 3 citizens against the session's Rasa server
(conftest.py); its last line, exit status and report, and the complaint citizens' reports in the store."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

from tests.servers import ROOT, free_port

SCRIPT = ROOT / "bench" / "load_bench.py"
LAST_LINE = re.compile(r"citizens=(\d+) errors=(\d+) p50_ms=(\d+) p95_ms=(\d+) p99_ms=(\d+) msgs_per_s=(\d+\.\d)")


def run(*args: str, token: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BENCH_URLS"}
    env["OPERATOR_TOKEN"] = token                     # its readiness check asks Rasa's /status, which needs it
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def test_three_citizens_without_errors_and_their_complaints_stored(stack, tmp_path):
    report = tmp_path / "report.json"
    out = run("--citizens", "3", "--urls", stack.base, "--report", str(report), token=stack.token)
    assert out.returncode == 0, out.stdout + out.stderr
    last = LAST_LINE.fullmatch(out.stdout.strip().splitlines()[-1])
    assert last, out.stdout
    citizens, errors, p50, p95, p99, rate = last.groups()
    assert (citizens, errors) == ("3", "0")
    assert int(p50) <= int(p95) <= int(p99) and float(rate) > 0

    people = json.loads(report.read_text(encoding="utf-8"))
    assert len(people) == 3 and len({p["sender"] for p in people}) == 3
    assert sorted(p["kind"] for p in people) == ["complaint", "plan", "plan"]     # round(3 × 0.3) = 1
    assert all(p["errors"] == [] for p in people)
    assert all(p["turns"] == 4 for p in people if p["kind"] == "plan")          # 3 questions + a follow-up
    numbers = [p["tracking_number"] for p in people if p["kind"] == "complaint"]
    assert all(re.fullmatch(r"CZ-\d{8}-[A-Z0-9]{4}", n or "") for n in numbers), numbers
    con = sqlite3.connect(stack.db, timeout=30)
    try:
        rows = con.execute(f"select tracking_number, status from complaints where tracking_number in "
                           f"({','.join('?' * len(numbers))})", numbers).fetchall()
    finally:
        con.close()
    assert sorted(rows) == sorted((n, "已受理") for n in numbers)


def test_nothing_answering_says_to_run_make_up():
    out = run("--citizens", "1", "--urls", f"http://127.0.0.1:{free_port()}")
    assert out.returncode == 2
    assert "make up" in out.stderr
