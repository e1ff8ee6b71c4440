"""Bot benchmark: the assistant end to end through Rasa's REST channel, next to the knowledge base alone.

Prints figures (it is not a test): Rasa cold start and memory of both servers, optionally training time,
REST latency sequential and with concurrent senders, and answer accuracy through the bot side by side
with `python -m knowledge ask --json --batch` (hybrid) on the same question set. Usage:
    .venv/bin/python bench/bot_bench.py [--set bench/devset.jsonl] [--concurrency 10] [--no-start]
                                        [--train] [--failures] [--budget 1200]

Without --no-start it stops any running stack (scripts/stack.sh stop), starts it again with
scripts/stack.sh start (timing cold start) and stops it at the end; with --no-start it uses the running
servers and leaves them running. Scoring mirrors bench/knowledge_bench.py:
  answer accuracy            answerable questions whose reply text (all bot messages joined) holds every key
  answer accuracy, confident same, and a plan_answer payload says confident (knowledge_bench's rule)
  unanswerable / answerable refused   no {"type": "plan_answer", "confident": true} payload in the replies
Only localhost is contacted; every request has a 30 s timeout and the whole run a time budget.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from botclient import ROOT, answers, group_rss_mb, http, load_set, operator_token, pct, webhook
from botclient import rasa_ready as _rasa_ready

RASA = f"http://localhost:{int(os.environ.get('RASA_PORT', 5005))}"
ACTIONS = f"http://localhost:{int(os.environ.get('ACTION_PORT', 5055))}"
TIMEOUT = 30.0
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RASA_TELEMETRY_ENABLED": "false",
       "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


class Budget:
    """The run's wall-clock limit: requests after it are skipped (and counted as errors)."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


# ---------------------------------------------------------------- HTTP (bench/botclient.py)

def rasa_ready() -> bool:
    """/status answers with a loaded model."""
    return _rasa_ready(RASA)


def send(sender: str, message: str, budget: Budget) -> dict:
    """One message through the REST webhook: replies, latency ms, error."""
    if budget.left() <= 0:
        return {"replies": None, "ms": None, "error": "skipped: time budget spent"}
    try:
        status, body, ms = webhook(RASA, sender, message, timeout=min(TIMEOUT, max(1.0, budget.left())))
    except (OSError, ValueError) as exc:             # timeouts, refused connections, bad JSON
        return {"replies": None, "ms": None, "error": f"{type(exc).__name__}: {exc}"}
    if status != 200 or not isinstance(body, list):
        return {"replies": None, "ms": ms, "error": f"HTTP {status}"}
    return {"replies": body, "ms": ms, "error": None}


def parse(text: str) -> tuple[str, float, str]:
    """Intent name, its confidence and the entities ("entity=value, ...") from POST /model/parse."""
    try:
        status, body = http("POST", f"{RASA}/model/parse?token={operator_token()}", {"text": text})
    except (OSError, ValueError):
        return "?", 0.0, ""
    body = body if status == 200 and isinstance(body, dict) else {}
    intent = body.get("intent") or {}
    entities = ", ".join(f"{e.get('entity')}={e.get('value')}" for e in body.get("entities") or [])
    return intent.get("name") or "?", float(intent.get("confidence") or 0.0), entities


# ---------------------------------------------------------------- stack and processes

def stack(cmd: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["scripts/stack.sh", cmd], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def cold_start(limit: float = 330.0) -> dict:
    """Stop the stack, start it with scripts/stack.sh and time until each server answers."""
    stack("stop", 60)
    time.sleep(1)
    for name, url in (("Rasa", f"{RASA}/"), ("action server", f"{ACTIONS}/health")):
        if answers(url):
            raise SystemExit(f"error: {url} still answers after scripts/stack.sh stop: the {name} port is held by "
                             "a process this repo's .run/ does not know (another test run?); free it or use --no-start")
    started = time.perf_counter()
    proc = subprocess.Popen(["scripts/stack.sh", "start"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    times: dict[str, float] = {}
    while time.perf_counter() - started < limit and ("rasa" not in times or "actions" not in times):
        if "actions" not in times and answers(f"{ACTIONS}/health"):
            times["actions"] = time.perf_counter() - started
        if "rasa" not in times and rasa_ready():
            times["rasa"] = time.perf_counter() - started
        if proc.poll() is not None and proc.returncode != 0:
            break
        time.sleep(0.25)
    try:
        out, _ = proc.communicate(timeout=max(5.0, limit - (time.perf_counter() - started)))
    except subprocess.TimeoutExpired:
        proc.kill()
        out = ""
    if proc.returncode != 0 or "rasa" not in times:
        raise RuntimeError(f"scripts/stack.sh start failed (exit {proc.returncode}):\n{out}")
    return times


def rss_all() -> dict[str, float | None]:
    return {"actions": group_rss_mb("actions"), "rasa": group_rss_mb("rasa")}


def train_seconds(limit: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()                     # own cache folder: cold, and the shared .rasa/ untouched
        subprocess.run([".venv-rasa/bin/rasa", "train", "--data", "bot/data", "--config", "config.yml",
                        "--domain", "domain.yml", "--out", tmp, "--fixed-model-name", "bench", "--force"],
                       cwd=ROOT, env={**ENV, "RASA_CACHE_DIRECTORY": str(Path(tmp) / "cache")}, check=True, timeout=limit,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


# ---------------------------------------------------------------- scoring

def reply_view(res: dict) -> dict:
    """Joined text of all bot messages and whether a plan_answer payload says confident."""
    msgs = res["replies"] or []
    payloads = [m["custom"] for m in msgs if isinstance(m.get("custom"), dict)
                and m["custom"].get("type") == "plan_answer"]
    return {"text": "\n".join(m["text"] for m in msgs if isinstance(m.get("text"), str)),
            "confident": any(p.get("confident") is True for p in payloads),
            "plan_answer": bool(payloads)}


def correct(item: dict, text: str, confident: bool) -> bool:
    """The headline rule for both sides: keys in the text for answerable, no confident answer otherwise."""
    if item["answerable"]:
        return all(k in text for k in item["keys"])
    return not confident


def score(items: list[dict], views: list[dict]) -> dict:
    ans = [(i, v) for i, v in zip(items, views, strict=True) if i["answerable"]]
    una = [(i, v) for i, v in zip(items, views, strict=True) if not i["answerable"]]
    return {
        "answer accuracy": sum(all(k in v["text"] for k in i["keys"]) for i, v in ans) / len(ans),
        "answer accuracy, confident": sum(v["confident"] and all(k in v["text"] for k in i["keys"])
                                          for i, v in ans) / len(ans),
        "unanswerable refused": sum(not v["confident"] for _, v in una) / max(1, len(una)),
        "answerable refused": sum(not v["confident"] for _, v in ans) / len(ans),
    }


def knowledge_ask(items: list[dict], limit: float) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(i["q"].replace("\n", " ") for i in items) + "\n")
        batch = fh.name
    try:
        out = subprocess.run([sys.executable, "-m", "knowledge", "ask", "--json", "--mode", "hybrid",
                              "--batch", batch], cwd=ROOT, env=ENV, check=True, timeout=limit,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(batch)
    results = [json.loads(line) for line in out.splitlines() if line.strip()]
    if len(results) != len(items):
        raise SystemExit(f"knowledge ask returned {len(results)} answers for {len(items)} questions")
    return [{"text": r["answer"], "confident": bool(r["confident"])} for r in results]


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(ROOT / "bench" / "devset.jsonl"))
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--no-start", action="store_true", help="use the running servers and leave them running")
    parser.add_argument("--train", action="store_true", help="also time a forced training into a temp folder")
    parser.add_argument("--failures", action="store_true",
                        help="list questions the bot gets wrong and `knowledge ask` right, with the NLU intent")
    parser.add_argument("--budget", type=float, default=1200.0, help="seconds for the whole run (default 1200)")
    args = parser.parse_args()
    budget = Budget(args.budget)
    items = load_set(args.set)
    n_una = sum(not i["answerable"] for i in items)
    run_id = uuid.uuid4().hex[:8]
    summary: dict[str, str] = {}
    load0 = os.getloadavg()[0]                            # other jobs on the machine make every figure noisy

    # the knowledge base alone first, while the servers are not answering anything
    subprocess.run([sys.executable, "-m", "knowledge", "build", "--if-stale"], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=max(60.0, budget.left()))
    kb_started = time.perf_counter()
    kb_views = knowledge_ask(items, max(60.0, budget.left()))
    kb_s = time.perf_counter() - kb_started

    started_here = False
    try:
        if args.no_start:
            if not rasa_ready():
                raise SystemExit(f"error: no Rasa server with a model answers {RASA}/status (start it: make up)")
            print("stack: using the running servers (--no-start); cold start not measured")
            summary["rasa cold start s"] = "not measured (--no-start)"
        else:
            started_here = True
            times = cold_start()
            rss0 = rss_all()
            print(f"cold start: Rasa /status {times['rasa']:.1f} s, action server /health "
                  f"{times.get('actions', float('nan')):.1f} s (from scripts/stack.sh start)")
            print(f"RSS after start: Rasa {rss0['rasa'] or 0:.0f} MB, action server {rss0['actions'] or 0:.0f} MB")
            summary["rasa cold start s"] = f"{times['rasa']:.1f}"
            summary["action server cold start s"] = f"{times.get('actions', float('nan')):.1f}"

        # warm-up: the first message loads the knowledge index and embedding model in the action server
        warm = [send(f"bench-{run_id}-warm-{n}", q, budget)
                for n, q in enumerate(["你好", "农村生活污水治理率现在多少", "重点工程一共投资多少"])]
        first_ms = warm[1]["ms"]                         # the first plan question: index and model load
        if any(w["error"] for w in warm):
            print(f"warning: warm-up errors: {[w['error'] for w in warm if w['error']]}")
        shown = [f"{w['ms']:.0f} ms" if w["ms"] else w["error"] for w in warm]
        print(f"warm-up (excluded): {', '.join(shown)}")

        # sequential
        seq = [send(f"bench-{run_id}-seq-{n}", i["q"], budget) for n, i in enumerate(items)]
        seq_ms = [r["ms"] for r in seq if r["error"] is None]
        seq_err = sum(r["error"] is not None for r in seq)

        # concurrent: N senders, each question once
        started = time.perf_counter()
        with cf.ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
            futures = [pool.submit(send, f"bench-{run_id}-con-{n}", i["q"], budget) for n, i in enumerate(items)]
            con = [f.result() for f in futures]
        con_wall = time.perf_counter() - started
        con_ms = [r["ms"] for r in con if r["error"] is None]
        con_err = sum(r["error"] is not None for r in con)
        rss1 = rss_all()

        bot_views = [reply_view(r) for r in seq]
        con_views = [reply_view(r) for r in con]
        differ = sum(a["text"] != b["text"] for a, b, r, s in zip(bot_views, con_views, con, seq, strict=True)
                     if r["error"] is None and s["error"] is None)

        print(f"\nquestion set: {args.set} ({len(items)} questions, {len(items) - n_una} answerable, "
              f"{n_una} unanswerable)")
        print(f"REST latency sequential: p50 {statistics.median(seq_ms) if seq_ms else float('nan'):.0f} ms, "
              f"p95 {pct(seq_ms, 0.95):.0f} ms, max {max(seq_ms, default=float('nan')):.0f} ms "
              f"({len(seq_ms)} ok, {seq_err} errors)")
        print(f"REST latency {args.concurrency} concurrent senders: p50 "
              f"{statistics.median(con_ms) if con_ms else float('nan'):.0f} ms, p95 {pct(con_ms, 0.95):.0f} ms, "
              f"{len(con_ms) / con_wall:.1f} msgs/s over {con_wall:.1f} s ({len(con_ms)} ok, {con_err} errors; "
              f"{differ} replies differ from the sequential run)")
        print(f"RSS after the run: Rasa {rss1['rasa'] or 0:.0f} MB, action server {rss1['actions'] or 0:.0f} MB "
              "(sum of VmRSS over each process group; shared pages counted per process)")

        bot, kb = score(items, bot_views), score(items, kb_views)
        print(f"\n{'metric':<28}{'bot (REST)':>12}{'knowledge ask':>15}{'gap (points)':>14}")
        for metric in bot:
            print(f"{metric:<28}{bot[metric]:>12.3f}{kb[metric]:>15.3f}{(bot[metric] - kb[metric]) * 100:>+14.1f}")
        print("  (answer accuracy: every key in the joined reply text; ', confident': and a confident plan_answer "
              "payload, knowledge_bench's rule; knowledge ask: hybrid mode, "
              f"{kb_s:.0f} s for the batch incl. model load)")

        bot_ok = [correct(i, v["text"], v["confident"]) for i, v in zip(items, bot_views, strict=True)]
        kb_ok = [correct(i, v["text"], v["confident"]) for i, v in zip(items, kb_views, strict=True)]
        losses = [n for n in range(len(items)) if kb_ok[n] and not bot_ok[n]]
        gains = [n for n in range(len(items)) if bot_ok[n] and not kb_ok[n]]
        both = [n for n in range(len(items)) if not bot_ok[n] and not kb_ok[n]]
        print(f"bot wrong where knowledge ask is right: {len(losses)}; bot right where knowledge ask is wrong: "
              f"{len(gains)}; both wrong: {len(both)}")
        if args.failures and losses:
            print(f"\n--- {len(losses)} questions the bot gets wrong and knowledge ask right "
                  "(intent from POST /model/parse)")
            by_intent: dict[str, int] = {}
            for n in losses:
                i, v, r = items[n], bot_views[n], seq[n]
                intent, conf, ents = parse(i["q"]) if budget.left() > 0 else ("?", 0.0, "")
                by_intent[intent] = by_intent.get(intent, 0) + 1
                reply = r["error"] or v["text"].replace("\n", " ")[:150]
                print(f"[{i['category']}] {i['q']}  keys={i['keys']}\n    intent={intent} ({conf:.2f}) "
                      f"entities [{ents}] plan_answer={v['plan_answer']} confident={v['confident']}\n"
                      f"    bot → {reply!r}\n"
                      f"    kb  → {kb_views[n]['text'].replace(chr(10), ' ')[:100]!r}")
            print("routing losses by intent: " + ", ".join(f"{k} {c}" for k, c in
                                                          sorted(by_intent.items(), key=lambda kv: -kv[1])))

        summary.update({
            "rasa RSS MB": f"{rss1['rasa'] or 0:.0f}",
            "action server RSS MB": f"{rss1['actions'] or 0:.0f}",
            "first plan answer after start ms": f"{first_ms:.0f}" if first_ms else "n/a",
            "REST p50 ms (sequential)": f"{statistics.median(seq_ms):.0f}" if seq_ms else "n/a",
            "REST p95 ms (sequential)": f"{pct(seq_ms, 0.95):.0f}",
            f"REST p50 ms ({args.concurrency} concurrent)": f"{statistics.median(con_ms):.0f}" if con_ms else "n/a",
            f"REST p95 ms ({args.concurrency} concurrent)": f"{pct(con_ms, 0.95):.0f}",
            f"throughput msgs/s ({args.concurrency} concurrent)": f"{len(con_ms) / con_wall:.1f}",
            "request errors": f"{seq_err + con_err}",
            "bot answer accuracy": f"{bot['answer accuracy']:.3f}",
            "knowledge ask answer accuracy": f"{kb['answer accuracy']:.3f}",
            "bot vs knowledge ask (points)": f"{(bot['answer accuracy'] - kb['answer accuracy']) * 100:+.1f}",
            "bot answer accuracy, confident": f"{bot['answer accuracy, confident']:.3f}",
            "knowledge ask answer accuracy, confident": f"{kb['answer accuracy, confident']:.3f}",
            "bot unanswerable refused": f"{bot['unanswerable refused']:.3f}",
            "knowledge ask unanswerable refused": f"{kb['unanswerable refused']:.3f}",
            "bot answerable refused": f"{bot['answerable refused']:.3f}",
            "knowledge ask answerable refused": f"{kb['answerable refused']:.3f}",
        })
    finally:
        if started_here:
            out = stack("stop", 90)
            print("stack stopped" if out.returncode == 0 else f"warning: scripts/stack.sh stop: {out.stderr}")

    if args.train:
        if shutil.which(str(ROOT / ".venv-rasa/bin/rasa")) is None:
            summary["training s"] = "n/a (.venv-rasa missing)"
        else:
            secs = train_seconds(max(600.0, budget.left()))
            print(f"training (forced, temp folder): {secs:.0f} s")
            summary["training s"] = f"{secs:.0f}"
    else:
        print("training: not measured (pass --train)")
        summary["training s"] = "not measured (pass --train)"

    summary["load average (1 min) at start / end"] = f"{load0:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    print("\n--- summary")
    for k, v in summary.items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
