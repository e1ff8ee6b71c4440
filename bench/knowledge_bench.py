"""Knowledge-base benchmark: retrieval and answer quality, latency, build time and memory per mode.

Runs the CLI contract (`python -m knowledge ask --json --mode M --batch FILE`) once per mode on a
question set and prints the figures side by side. Usage:
    python bench/knowledge_bench.py [--set bench/devset.jsonl] [--modes bm25,dense,hybrid] [--failures]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(args: list[str], env: dict | None = None) -> tuple[str, float, float]:
    """Run a child process; return stdout, wall seconds and its peak RSS in MB."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read().decode("utf-8")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit status {proc.returncode}")
    return out, time.perf_counter() - started, usage.ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def hit_at(item: dict, result: dict, k: int) -> bool:
    evidence = item.get("evidence") or item["keys"]
    return any(all(e in f"{s['title']} {s['text']}" for e in evidence) for s in result["sources"][:k])


def score(items: list[dict], results: list[dict]) -> dict:
    ans = [(i, r) for i, r in zip(items, results, strict=True) if i["answerable"]]
    una = [(i, r) for i, r in zip(items, results, strict=True) if not i["answerable"]]
    lat = [r["latency_ms"] for r in results]
    return {
        "hit@1": sum(hit_at(i, r, 1) for i, r in ans) / len(ans),
        "hit@5": sum(hit_at(i, r, 5) for i, r in ans) / len(ans),
        "answer accuracy": sum(r["confident"] and all(k in r["answer"] for k in i["keys"]) for i, r in ans) / len(ans),
        "unanswerable refused": sum(not r["confident"] for _, r in una) / max(1, len(una)),
        "answerable refused": sum(not r["confident"] for _, r in ans) / len(ans),
        "latency p50 ms": statistics.median(lat),
        "latency p95 ms": pct(lat, 0.95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(ROOT / "bench" / "devset.jsonl"))
    parser.add_argument("--modes", default="bm25,dense,hybrid")
    parser.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    py = sys.executable
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        _, build_s, build_rss = run_child([py, "-m", "knowledge", "build"], {**env, "KNOWLEDGE_BUILD_DIR": tmp})
    subprocess.run([py, "-m", "knowledge", "build", "--if-stale"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(i["q"] for i in items) + "\n")
        batch = fh.name
    table, failures = {}, {}
    for mode in args.modes.split(","):
        out, _, rss = run_child([py, "-m", "knowledge", "ask", "--json", "--mode", mode, "--batch", batch], env)
        results = [json.loads(line) for line in out.splitlines()]
        # the first question pays for loading the model; warm latency is what a running server sees
        warm = results[1:] if len(results) > 1 else results
        table[mode] = {**score(items, results), **{k: v for k, v in score(items[1:], warm).items() if "latency" in k},
                       "peak RSS MB": rss}
        failures[mode] = [(i, r) for i, r in zip(items, results, strict=True)
                          if (i["answerable"] and not (r["confident"] and all(k in r["answer"] for k in i["keys"])))
                          or (not i["answerable"] and r["confident"])]
    os.unlink(batch)
    n_una = sum(not i["answerable"] for i in items)
    print(f"question set: {args.set} ({len(items)} questions, {len(items) - n_una} answerable, {n_una} unanswerable)")
    modes = list(table)
    print(f"{'metric':<24}" + "".join(f"{m:>12}" for m in modes))
    for metric in table[modes[0]]:
        row = [table[m][metric] for m in modes]
        fmt = "{:>12.3f}" if metric[0].islower() and "ms" not in metric and "MB" not in metric else "{:>12.1f}"
        print(f"{metric:<24}" + "".join(fmt.format(v) for v in row))
    print(f"{'cold build s':<24}{build_s:>12.1f}   (peak RSS {build_rss:.0f} MB)")
    if args.failures:
        for mode in modes:
            print(f"\n--- {mode}: {len(failures[mode])} wrong")
            for i, r in failures[mode]:
                print(f"[{i['category']}] {i['q']}  keys={i['keys']} confident={r['confident']}\n    → {r['answer'][:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
