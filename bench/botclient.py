"""What the benchmarks that talk to the bot share: the REST webhook call (stdlib only, localhost only), the
question set, percentiles, and the process groups of the servers `scripts/stack.sh` started (.run/NAME.pid;
setsid makes each pid its group's id). Used by bench/bot_bench.py and bench/load_bench.py."""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".run"
LOCAL = ("http://localhost:", "http://127.0.0.1:")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def http(method: str, url: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int, object]:
    """Status and parsed JSON body (None when empty or on an HTTP error status). Transport errors and
    timeouts raise OSError; a body that is not JSON raises ValueError."""
    assert url.startswith(LOCAL), url
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as exc:
        return exc.code, None


def answers(url: str) -> bool:
    try:
        status, _ = http("GET", url, timeout=2)
        return status == 200
    except OSError:
        return False


def operator_token() -> str:
    """Rasa's API token: env OPERATOR_TOKEN, else the one scripts/stack.sh keeps in .run/operator_token."""
    token = os.environ.get("OPERATOR_TOKEN", "")
    if not token and (RUN / "operator_token").is_file():
        token = (RUN / "operator_token").read_text().strip()
    return urllib.parse.quote(token)


def rasa_ready(base: str) -> bool:
    """/status (which needs the operator token) answers with a loaded model."""
    try:
        status, body = http("GET", f"{base}/status?token={operator_token()}", timeout=2)
    except (OSError, ValueError):
        return False
    return status == 200 and isinstance(body, dict) and bool(body.get("model_file"))


def webhook(base: str, sender: str, message: str, timeout: float) -> tuple[int, object, float]:
    """One message through the REST webhook: (HTTP status, body, ms). Raises like http()."""
    started = time.perf_counter()
    status, body = http("POST", f"{base}/webhooks/rest/webhook", {"sender": sender, "message": message},
                        timeout=timeout)
    return status, body, (time.perf_counter() - started) * 1000


def load_set(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def group_pids(name: str) -> list[int]:
    """Pids of the process group led by .run/NAME.pid (empty when it is not running)."""
    try:
        leader = int((RUN / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue                                     # the process ended while we looked
        pgid = int(stat[stat.rindex(")") + 2:].split()[2])  # fields after "(comm)": state ppid pgrp
        if pgid == leader or int(entry.name) == leader:
            pids.append(int(entry.name))
    return pids


def group_rss_mb(name: str) -> float | None:
    """Sum of VmRSS over the process group (shared pages counted per process)."""
    total_kb, found = 0, False
    for pid in group_pids(name):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    found = True
        except (OSError, ValueError):
            continue
    return total_kb / 1024 if found else None


def group_cpu_s(name: str) -> float | None:
    """CPU seconds (user + system) used so far by the live processes of the group."""
    total, found = 0, False
    for pid in group_pids(name):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])          # utime, stime (fields 14, 15 of stat)
        found = True
    return total / CLK_TCK if found else None
