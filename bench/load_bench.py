"""Load benchmark: N simulated citizens at once against the REST channel of running Rasa servers.

Usage (the stack must be running: make up; this script never starts or stops it):
    .venv/bin/python bench/load_bench.py [--citizens 50] [--complaint-share 0.3] [--questions 3]
        [--think 0] [--jitter 1] [--timeout 60] [--urls http://localhost:5005,...] [--seed 0] [--report out.json]

Target servers: --urls (comma-separated Rasa base URLs), else env BENCH_URLS, else .run/rasa.urls (written by
scripts/stack.sh start, one URL a line), else http://localhost:5005. Each citizen's messages go round-robin
over the URLs, one message each, starting on URL n mod k for citizen n (so the first messages are spread as a
load balancer would), so with two replicas one conversation alternates between servers.

The citizens start together (each after a random jitter of at most --jitter s), each with its own sender id
(a uuid), and wait for every reply before sending the next message (plus --think s, default 0):
  plan citizen       --questions answerable questions from bench/devset.jsonl (the first about an
                     indicator, followed by a follow-up such as 那2030年呢 that relies on the conversation)
  complaint citizen  the whole complaint form: a report (我要举报，昨晚有工厂冒黑烟 …), then whatever the
                     form asks (type, place, time, description, mobile or 匿名), then the summary's 确认提交
                     button, until the reply carries a tracking number CZ-YYYYMMDD-XXXX
round(N × --complaint-share) citizens are complaint citizens (default 30 %), the rest plan citizens.
A citizen sends at most ~8 messages of under 100 characters, far below the per-sender limits (30 messages
per 60 s, 1000 characters).

Errors, counted by kind with one example each: timeout, transport (refused, reset), http_status (≠ 200),
not_a_list (the body is not a JSON list), empty_reply (an empty list), no_tracking_number (a complaint
conversation that ended without one). After a timeout, transport or HTTP error the citizen gives up its
conversation (a complaint citizen then also counts no_tracking_number).

Prints latency per kind of turn (plan, complaint) and overall (p50/p95/p99 over every request that got an
HTTP answer), throughput (answered messages per second over the wall time from the first citizen's start to
the last one's end), the CPU the servers in .run/ used when they are the target, and the load average.
The last line is always
    citizens=N errors=E p50_ms=… p95_ms=… p99_ms=… msgs_per_s=…
Exit status: 0 when there were no errors, 1 when there were any (so scripts and CI notice), 2 when nothing
answers at a target URL or the arguments are wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

from botclient import LOCAL, ROOT, RUN, group_cpu_s, load_set, pct, rasa_ready, webhook

DEFAULT_URL = "http://localhost:5005"
STACK_URLS = RUN / "rasa.urls"
TRACKING = re.compile(r"CZ-\d{8}-[A-Z0-9]{4}")
MAX_COMPLAINT_TURNS = 10
PLAN_CATEGORIES = {"indicator", "policy", "project", "green_living", "overview", "unmet"}  # not forms
FOLLOW_UPS = ["那2030年呢", "现在达标了吗", "2025年目标呢"]
REPORTS = [("我要举报，昨晚有工厂冒黑烟", "烟囱一直冒黑烟，气味很刺鼻"),         # (first message, description)
           ("我要举报，前天下午看到河水发黑发臭", "河水发黑发臭，还漂着垃圾"),
           ("举报一下，昨晚半夜施工太吵了", "夜里十二点还在施工，噪声很大"),
           ("我要投诉，今天早上有人往河边乱倒垃圾", "一堆建筑垃圾倒在河边，没人清理"),
           ("我要举报", "排污口一直往外流黄色的水")]                     # the form asks the type too
PLACES = ["武进区湖塘镇长虹路", "新北区太湖东路", "天宁区青洋路桥下", "钟楼区白荡河公园东门", "金坛区华城路",
          "溧阳市天目湖镇", "经开区横山桥镇"]
ERROR_KINDS = ("timeout", "transport", "http_status", "not_a_list", "empty_reply", "no_tracking_number")


def target_urls(arg: str | None) -> tuple[list[str], str]:
    """The Rasa base URLs and where they came from."""
    for raw, source in ((arg, "--urls"), (os.environ.get("BENCH_URLS"), "BENCH_URLS")):
        if raw and raw.strip():
            return [u.strip().rstrip("/") for u in raw.split(",") if u.strip()], source
    urls = stack_urls()
    if urls:
        return urls, str(STACK_URLS.relative_to(ROOT))
    return [DEFAULT_URL], "default"


def stack_urls() -> list[str]:
    """The Rasa base URLs scripts/stack.sh started (.run/rasa.urls), or [] when it is not running."""
    if not STACK_URLS.is_file():
        return []
    return [u.strip().rstrip("/") for u in STACK_URLS.read_text().splitlines() if u.strip()]


def texts(msgs: list) -> str:
    return "\n".join(m["text"] for m in msgs if isinstance(m, dict) and isinstance(m.get("text"), str))


class Citizen:
    """One simulated person: a sender id, a script, and what happened to each of its messages."""

    def __init__(self, n: int, kind: str, urls: list[str], args, rng: random.Random, questions: list[dict]):
        self.n, self.kind, self.urls, self.args = n, kind, urls, args
        self.sender = f"load-{uuid.uuid4()}"
        self.rng = random.Random(rng.random())
        self.questions = questions
        self.turns: list[dict] = []              # {"kind", "url", "message", "ms", "error"}
        self.errors: list[tuple[str, str]] = []  # (kind, example text)
        self.tracking_number: str | None = None
        self.answers_with_keys = 0
        self.answerable = 0
        self.sent = 0

    def say(self, message: str) -> list | None:
        """Send one message to the next URL in turn; the reply list, or None when the conversation broke."""
        assert len(message) < 1000
        if self.sent and self.args.think > 0:
            time.sleep(self.args.think * self.rng.uniform(0.5, 1.5))
        url = self.urls[(self.n + self.sent) % len(self.urls)]   # citizen n starts on server n mod k, as a balancer would
        self.sent += 1
        turn = {"kind": self.kind, "url": url, "message": message, "ms": None, "error": None}
        self.turns.append(turn)
        try:
            status, body, turn["ms"] = webhook(url, self.sender, message, timeout=self.args.timeout)
        except TimeoutError as exc:
            return self.fail(turn, "timeout", f"{url} {message!r}: {type(exc).__name__}: {exc}")
        except OSError as exc:                    # refused, reset; urllib wraps socket timeouts in URLError
            kind = "timeout" if "timed out" in str(exc) else "transport"
            return self.fail(turn, kind, f"{url} {message!r}: {type(exc).__name__}: {exc}")
        except ValueError as exc:                 # a 200 whose body is not JSON at all
            return self.fail(turn, "not_a_list", f"{url} {message!r}: body is not JSON ({exc})")
        if status != 200:
            return self.fail(turn, "http_status", f"{url} {message!r}: HTTP {status}")
        if not isinstance(body, list):
            self.fail(turn, "not_a_list", f"{url} {message!r}: body {json.dumps(body, ensure_ascii=False)[:200]}")
            return None
        if not body:
            self.fail(turn, "empty_reply", f"{url} {message!r}: []")
            return []
        return body

    def fail(self, turn: dict, kind: str, example: str) -> None:
        turn["error"] = kind
        self.errors.append((kind, example))
        return None

    def run(self) -> None:
        try:
            self.plan() if self.kind == "plan" else self.complain()
        except Exception as exc:                   # a bug here must not hang the run or vanish
            self.errors.append(("transport", f"client exception {type(exc).__name__}: {exc}"))

    def plan(self) -> None:
        first, rest = self.questions[0], self.questions[1:]
        script = [first, {"q": self.rng.choice(FOLLOW_UPS)}] + rest
        for item in script:
            reply = self.say(item["q"])
            if reply is None:
                return
            if item.get("keys"):
                self.answerable += 1
                self.answers_with_keys += all(k in texts(reply) for k in item["keys"])

    def complain(self) -> None:
        n, rng = self.n, self.rng
        place = f"{rng.choice(PLACES)}{n + 1}号附近"
        contact = "匿名" if rng.random() < 0.3 else f"139{rng.randrange(10**8):08d}"
        message, description = rng.choice(REPORTS)
        reply: list | None = None
        for _ in range(MAX_COMPLAINT_TURNS):
            reply = self.say(message)
            if not reply:                          # broken (None) or empty: nothing to answer to
                break
            number = next((m["custom"].get("tracking_number") for m in reply if isinstance(m.get("custom"), dict)
                           and m["custom"].get("type") == "complaint_submitted"), None)
            found = TRACKING.search(texts(reply))
            if number or found:
                self.tracking_number = number or found.group(0)
                return
            message = self.answer(reply, place, description, contact)
            if message is None:
                break
        last = texts(reply or []).replace("\n", " ")[:160]
        self.errors.append(("no_tracking_number", f"{self.sender}: {len(self.turns)} turns, last reply {last!r}"))

    def answer(self, reply: list, place: str, description: str, contact: str) -> str | None:
        """What a citizen says to the form's last question (None when the reply asks nothing we know)."""
        last = next((m["text"] for m in reversed(reply) if isinstance(m.get("text"), str)), "")
        buttons = [b for m in reply for b in (m.get("buttons") or []) if isinstance(b, dict)]
        if "请核对" in last:
            confirm = next((b.get("payload") for b in buttons if b.get("title") == "确认提交"), None)
            return confirm or "确认提交"
        for word, say in (("哪类污染", "排污"), ("哪里", place), ("什么时候", "昨晚"), ("描述", description),
                          ("手机号", contact)):
            if word in last:
                return say
        return None


def pick_questions(items: list[dict], rng: random.Random, count: int) -> list[dict]:
    """An indicator question first (the follow-up refers to it), then count-1 other answerable questions."""
    pool = [i for i in items if i["answerable"] and i["category"] in PLAN_CATEGORIES and len(i["q"]) < 200]
    first = rng.choice([i for i in pool if i["category"] == "indicator"])
    return [first] + rng.sample([i for i in pool if i is not first], max(0, count - 1))


def server_cpu() -> dict[str, float]:
    """CPU seconds so far of every server group with a pid file in .run/."""
    out = {}
    for pidfile in sorted(RUN.glob("*.pid")):
        cpu = group_cpu_s(pidfile.stem)
        if cpu is not None:
            out[pidfile.stem] = cpu
    return out


def system_busy() -> tuple[float, float]:
    """(busy, total) jiffies from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def fmt_ms(v: float) -> str:
    return "nan" if v != v else f"{v:.0f}"


def latency_row(label: str, ms: list[float]) -> str:
    if not ms:
        return f"{label:<16}{0:>8}{'':>9}{'':>9}{'':>9}{'':>9}"
    return (f"{label:<16}{len(ms):>8}{fmt_ms(statistics.median(ms)):>9}{fmt_ms(pct(ms, 0.95)):>9}"
            f"{fmt_ms(pct(ms, 0.99)):>9}{fmt_ms(max(ms)):>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=50, help="simulated citizens at once (default 50)")
    parser.add_argument("--complaint-share", type=float, default=0.3,
                        help="share of complaint citizens, the rest ask plan questions (default 0.3)")
    parser.add_argument("--questions", type=int, default=3, help="plan questions per plan citizen, plus one "
                        "follow-up (default 3)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a citizen waits after each reply "
                        "(±50 %%; default 0)")
    parser.add_argument("--jitter", type=float, default=1.0, help="each citizen starts within this many seconds "
                        "(default 1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout in s (default 60)")
    parser.add_argument("--urls", help="comma-separated Rasa base URLs (default: env BENCH_URLS, .run/rasa.urls, "
                        f"{DEFAULT_URL})")
    parser.add_argument("--set", default=str(ROOT / "bench" / "devset.jsonl"), help="question set")
    parser.add_argument("--seed", type=int, default=0, help="seed for the mix and the scripts (default 0)")
    parser.add_argument("--report", help="write every citizen's sender, kind, tracking number and errors as JSON")
    args = parser.parse_args()
    if args.citizens < 1 or not 0 <= args.complaint_share <= 1 or args.questions < 1 or args.timeout <= 0:
        parser.error("need --citizens ≥ 1, 0 ≤ --complaint-share ≤ 1, --questions ≥ 1, --timeout > 0")

    urls, source = target_urls(args.urls)
    bad = [u for u in urls if not u.startswith(LOCAL)]
    if bad:
        print(f"error: only local servers (http://localhost:PORT, http://127.0.0.1:PORT) are benchmarked: {bad}",
              file=sys.stderr)
        return 2
    down = [u for u in urls if not rasa_ready(u)]
    if down:
        print(f"error: no Rasa server with a loaded model answers at {', '.join(u + '/status' for u in down)} "
              f"(URLs from {source}). Start the assistant first: make up", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    items = load_set(args.set)
    n_complaint = round(args.citizens * args.complaint_share)
    kinds = ["complaint"] * n_complaint + ["plan"] * (args.citizens - n_complaint)
    rng.shuffle(kinds)
    citizens = [Citizen(n, kind, urls, args, rng, pick_questions(items, rng, args.questions))
                for n, kind in enumerate(kinds)]
    jitters = [rng.uniform(0, args.jitter) for _ in citizens]

    print(f"load benchmark: {args.citizens} citizens ({args.citizens - n_complaint} plan, {n_complaint} complaint), "
          f"think {args.think:g} s, jitter ≤ {args.jitter:g} s, timeout {args.timeout:g} s")
    print(f"servers ({source}): {', '.join(urls)}")
    watch = sorted(urls) == sorted(stack_urls())    # servers started by scripts/stack.sh: their CPU is watched
    load0 = os.getloadavg()
    go = threading.Event()
    ends: list[float] = []

    def live(c: Citizen, jitter: float) -> None:
        go.wait()
        time.sleep(jitter)
        c.run()
        ends.append(time.perf_counter())

    threads = [threading.Thread(target=live, args=(c, j), daemon=True) for c, j in zip(citizens, jitters, strict=True)]
    for t in threads:
        t.start()
    cpu0, busy0, own0 = server_cpu() if watch else {}, system_busy(), os.times()
    started = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    wall = max(ends, default=started) - started
    cpu1, busy1, own1 = server_cpu() if watch else {}, system_busy(), os.times()
    load1 = os.getloadavg()

    turns = [t for c in citizens for t in c.turns]
    ms_all = [t["ms"] for t in turns if t["ms"] is not None]
    answered = sum(t["error"] not in ("timeout", "transport", "http_status", "not_a_list") for t in turns
                   if t["ms"] is not None)
    errors = [e for c in citizens for e in c.errors]
    by_kind = {k: [e for e in errors if e[0] == k] for k in ERROR_KINDS}
    msgs_per_s = answered / wall if wall > 0 else 0.0

    print(f"\nwall time {wall:.1f} s, {len(turns)} messages sent, {answered} answered, "
          f"throughput {msgs_per_s:.1f} msgs/s")
    print(f"\n{'latency ms':<16}{'msgs':>8}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for kind in ("plan", "complaint"):
        print(latency_row(f"{kind} turns", [t["ms"] for t in turns if t["kind"] == kind and t["ms"] is not None]))
    print(latency_row("all", ms_all))
    if len(urls) > 1:
        for u in urls:
            print(latency_row(f"  {u.split('//')[-1]}", [t["ms"] for t in turns if t["url"] == u and t["ms"] is not None]))

    plan_c = [c for c in citizens if c.kind == "plan"]
    comp_c = [c for c in citizens if c.kind == "complaint"]
    keys_ok, keys_n = sum(c.answers_with_keys for c in plan_c), sum(c.answerable for c in plan_c)
    print(f"\nplan citizens: {len(plan_c)}, answers holding the dev set's keys {keys_ok}/{keys_n} (information, "
          "not an error)")
    print(f"complaint citizens: {len(comp_c)}, tracking numbers {sum(c.tracking_number is not None for c in comp_c)}, "
          f"turns per complaint median {statistics.median([len(c.turns) for c in comp_c]) if comp_c else 0:g}")

    print(f"\nerrors: {len(errors)}" + ("" if errors else " (none)"))
    for kind, found in by_kind.items():
        if found:
            print(f"  {kind}: {len(found)}, e.g. {found[0][1]}")

    cpus = os.cpu_count() or 1
    if wall > 0:
        if cpu0:
            used = ", ".join(f"{name} {(cpu1.get(name, cpu0[name]) - cpu0[name]) / wall:.2f}" for name in cpu0)
            print(f"\nCPU cores used during the run (.run/ process groups): {used}")
        own = (own1.user + own1.system - own0.user - own0.system) / wall
        total = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * cpus
        print(f"CPU cores used: this client {own:.2f}, whole machine {total:.2f} of {cpus}")
    print(f"load average (1/5/15 min): start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, "
          f"end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} on {cpus} CPUs")

    if args.report:
        Path(args.report).write_text(json.dumps([
            {"sender": c.sender, "kind": c.kind, "turns": len(c.turns), "tracking_number": c.tracking_number,
             "errors": [{"kind": k, "example": e} for k, e in c.errors]} for c in citizens],
            ensure_ascii=False, indent=1), encoding="utf-8")

    p50 = statistics.median(ms_all) if ms_all else float("nan")
    print(f"citizens={args.citizens} errors={len(errors)} p50_ms={fmt_ms(p50)} p95_ms={fmt_ms(pct(ms_all, 0.95))} "
          f"p99_ms={fmt_ms(pct(ms_all, 0.99))} msgs_per_s={msgs_per_s:.1f}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
