"""First answer after start and REST latency: prints figures (it is not a test).

Starts the stack with scripts/stack.sh start (RASA_PORT / ACTION_PORT / WEB_PORT as there; use free ports when
another stack runs), and as soon as it has printed the web page's address sends a first plan question from a
new citizen and times it; then sends the questions of a set one after another (one sender each, as citizens
would) and prints p50 / p95. Stops the stack at the end unless --keep. Usage:
    .venv/bin/python bench/first_answer.py [--set bench/devset.jsonl] [--questions 60] [--keep]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

from botclient import ROOT, load_set, pct, webhook

RASA = f"http://localhost:{int(os.environ.get('RASA_PORT', 5005))}"
FIRST = ("农村生活污水治理率现在多少", "规划里怎么治理蓝藻", "溧阳有哪些重点工程")   # not the stack's own warm-up question


def stack(cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["scripts/stack.sh", cmd], cwd=ROOT, capture_output=True, text=True, timeout=900)


def ask(message: str) -> float:
    """Milliseconds for one plan question from a new sender; exits when it gets no plan answer."""
    status, body, ms = webhook(RASA, f"bench-{uuid.uuid4().hex[:8]}", message, timeout=60)
    if status != 200 or not any(isinstance(m.get("custom"), dict) and m["custom"].get("type") == "plan_answer"
                                for m in body or []):
        sys.exit(f"error: {message!r} got HTTP {status}: {str(body)[:300]}")
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default=str(ROOT / "bench" / "devset.jsonl"))
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--keep", action="store_true", help="leave the stack running")
    args = ap.parse_args()
    stack("stop")
    started = time.perf_counter()
    done = stack("start")
    if done.returncode != 0 or "开始对话" not in done.stdout:
        sys.exit(f"scripts/stack.sh start failed:\n{done.stdout}{done.stderr}")
    print(f"scripts/stack.sh start printed the address after {time.perf_counter() - started:.1f} s")
    try:
        first = [ask(q) for q in FIRST]
        print("first answers after the address: " + ", ".join(f"{q} {ms:.0f} ms" for q, ms in zip(FIRST, first, strict=True)))
        questions = [row["q"] for row in load_set(args.set)][:args.questions]
        times = []
        for q in questions:
            status, _, ms = webhook(RASA, f"bench-{uuid.uuid4().hex[:8]}", q, timeout=60)
            if status == 200:
                times.append(ms)
        print(f"REST sequential, {len(times)}/{len(questions)} answered: p50 {pct(times, 0.5):.0f} ms, "
              f"p95 {pct(times, 0.95):.0f} ms, mean {statistics.mean(times):.0f} ms, max {max(times):.0f} ms")
    finally:
        if not args.keep:
            stack("stop")


if __name__ == "__main__":
    main()
