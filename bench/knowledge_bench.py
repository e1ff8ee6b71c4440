"""Knowledge-base benchmark: answer quality on every question set, per pipeline, beside a naive baseline.

Runs the CLI contract (`python -m knowledge ask --json --batch FILE`) once per pipeline on all question sets
and prints the figures side by side, then the answer chooser's threshold sweep. Pipelines:
  baseline   bench/baseline.py: 250-character chunks with their heading, BM25 + dense by RRF, first chunk
  bm25       the assistant with BM25 retrieval only (learned chooser)
  dense      the assistant with dense retrieval only (learned chooser)
  rule       hybrid retrieval, the best candidate by subject-word coverage (the old hand-set rule, 0.5)
  final      hybrid retrieval and the learned chooser: what the assistant answers
Question sets: dev (bench/devset.jsonl), tune (bench/blind_tune.jsonl), extra (bench/blind_extra.jsonl, 322
more questions written blind for training), more (bench/blind_more.jsonl, 483 more written the same way) and
third (bench/blind_third.jsonl, 411 more, 148 of them unanswerable) train the chooser, so their figures are
in-sample; test (bench/blind_test.jsonl, the blind half), second (bench/blind_second.jsonl, 488 more written
blind) and holdout (bench/holdout.jsonl) are never trained or tuned on.
--failures lists wrong answers of the training sets only: the blind test half's failures are not to be
looked at. Usage:
    python bench/knowledge_bench.py [--sets dev,tune,extra,more,third,test,second,holdout] [--pipelines ...] [--failures] [--no-build]
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
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {"dev": "devset.jsonl", "tune": "blind_tune.jsonl", "extra": "blind_extra.jsonl",
        "more": "blind_more.jsonl", "third": "blind_third.jsonl", "test": "blind_test.jsonl",
        "second": "blind_second.jsonl", "holdout": "holdout.jsonl"}
PIPELINES = {
    "baseline": ["bench/baseline.py"],
    "bm25": ["-m", "knowledge", "ask", "--json", "--mode", "bm25"],
    "dense": ["-m", "knowledge", "ask", "--json", "--mode", "dense"],
    "rule": ["-m", "knowledge", "ask", "--json", "--chooser", "rule"],
    "final": ["-m", "knowledge", "ask", "--json"],
}
HELD_OUT = ("test", "second", "holdout")    # never trained on; --failures never lists them


def run_child(args: list[str], env: dict | None = None) -> tuple[str, float, float]:
    """Run a child process; return stdout, wall seconds and its peak RSS in MB."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read().decode("utf-8")
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{' '.join(args)} failed with exit status {code}")
    return out, time.perf_counter() - started, usage.ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def hit_at(item: dict, result: dict, k: int) -> bool:
    evidence = item.get("evidence") or item["keys"]
    return any(all(e in f"{s['title']} {s['text']}" for e in evidence) for s in result["sources"][:k])


def right(item: dict, result: dict) -> bool:
    """An answerable question answered confidently with every key; an unanswerable one not answered."""
    if item["answerable"]:
        return bool(result["confident"]) and all(k in result["answer"] for k in item["keys"])
    return not result["confident"]


def score(items: list[dict], results: list[dict]) -> dict:
    ans = [(i, r) for i, r in zip(items, results, strict=True) if i["answerable"]]
    una = [(i, r) for i, r in zip(items, results, strict=True) if not i["answerable"]]
    n = max(1, len(ans))
    return {
        "hit@1": sum(hit_at(i, r, 1) for i, r in ans) / n,
        "hit@5": sum(hit_at(i, r, 5) for i, r in ans) / n,
        "answer accuracy": sum(right(i, r) for i, r in ans) / n,
        "answerable refused": sum(not r["confident"] for _, r in ans) / n,
        "unanswerable refused": sum(not r["confident"] for _, r in una) / max(1, len(una)),
        "all right": sum(right(i, r) for i, r in zip(items, results, strict=True)) / max(1, len(items)),
        "uncited answers": sum(r["confident"] and "出处" not in r["answer"] for _, r in ans) / n,
    }


def by_category(items: list[dict], results: list[dict]) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, r in zip(items, results, strict=True):
        out[i["category"]][0] += right(i, r)
        out[i["category"]][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def print_table(title: str, table: dict[str, dict]) -> None:
    cols = list(table)
    print(f"\n{title}")
    print(f"{'metric':<24}" + "".join(f"{c:>10}" for c in cols))
    for metric in table[cols[0]]:
        fmt = "{:>10.1f}" if ("ms" in metric or "MB" in metric) else "{:>10.3f}"
        print(f"{metric:<24}" + "".join(fmt.format(table[c][metric]) for c in cols))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="dev,tune,extra,more,third,test,second,holdout")
    parser.add_argument("--pipelines", default=",".join(PIPELINES))
    parser.add_argument("--failures", action="store_true", help="list wrong answers (training sets only)")
    parser.add_argument("--no-build", action="store_true", help="skip timing a cold build of the index")
    args = parser.parse_args()
    sets = {name: [json.loads(line) for line in (ROOT / "bench" / SETS[name]).read_text(encoding="utf-8").splitlines()
                   if line.strip()] for name in args.sets.split(",")}
    py = sys.executable
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if not args.no_build:
        with tempfile.TemporaryDirectory() as tmp:
            _, build_s, build_rss = run_child([py, "-m", "knowledge", "build"], {**env, "KNOWLEDGE_BUILD_DIR": tmp})
    subprocess.run([py, "-m", "knowledge", "build", "--if-stale"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    everything = [i for items in sets.values() for i in items]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(i["q"] for i in everything) + "\n")
        batch = fh.name
    results: dict[str, dict[str, list[dict]]] = {}
    runtime: dict[str, dict] = {}
    for name in args.pipelines.split(","):
        out, _, rss = run_child([py, *PIPELINES[name], "--batch", batch], env)
        rows = [json.loads(line) for line in out.splitlines()]
        warm = [r["latency_ms"] for r in rows[1:]]          # the first question pays for loading the model
        runtime[name] = {"latency p50 ms": statistics.median(warm), "latency p95 ms": pct(warm, 0.95),
                         "peak RSS MB": rss}
        results[name], at = {}, 0
        for set_name, items in sets.items():
            results[name][set_name] = rows[at:at + len(items)]
            at += len(items)
    os.unlink(batch)
    for set_name, items in sets.items():
        n_una = sum(not i["answerable"] for i in items)
        seen = "never trained on" if set_name in HELD_OUT else "trains the chooser: in-sample"
        print_table(f"== {set_name}: {SETS[set_name]} ({len(items)} questions, {n_una} unanswerable; {seen})",
                    {p: score(items, results[p][set_name]) for p in results})
        if "final" in results:
            cats = by_category(items, results["final"][set_name])
            print("final by category: " + ", ".join(f"{c} {r}/{n} ({r / n:.2f})" for c, (r, n) in cats.items()))
    print_table("== run time (all sets in one batch; warm queries)", runtime)
    if not args.no_build:
        print(f"cold build (index + chooser training): {build_s:.1f} s, peak RSS {build_rss:.0f} MB")
    report = Path(os.environ.get("KNOWLEDGE_BUILD_DIR", ROOT / "build" / "knowledge")) / "ranker.json"
    if report.exists():
        r = json.loads(report.read_text(encoding="utf-8"))
        print(f"\n== chooser: {r['questions']} tune questions + {r['synthetic_questions']} from the tables, "
              f"{r['candidates']} candidates; answer threshold {r['answer_threshold']}, closest-passage threshold "
              f"{r['closest_threshold']} (swept out of fold, 5 folds by question, on the {r['swept_on']} dev and "
              f"tune questions)")
        print(f"{'threshold':>10}{'accuracy':>10}{'ans.ref.':>10}{'unans.ref':>10}{'all right':>10}{'utility':>10}"
              f"{'smoothed':>10}")
        for row in r["sweep"]:
            print(f"{row['threshold']:>10.2f}{row['accuracy']:>10.3f}{row['answerable_refused']:>10.3f}"
                  f"{row['unanswerable_refused']:>10.3f}{row['overall']:>10.3f}{row['utility']:>10.3f}"
                  f"{row.get('utility_smoothed', float('nan')):>10.3f}")
        if "adapter" in r:
            a, g = r["adapter"], r["adapter"]["out_of_fold_given"]
            print(f"question map: answering unit's reciprocal rank out of fold {a['mrr_out_of_fold']} (raw embedding "
                  f"{a['mrr_unmapped']}); the preferred candidate given at the threshold: accuracy {g['accuracy']:.3f}, "
                  f"all right {g['overall']:.3f}, utility {g['utility']:.3f} (the sweep above: the plain model's own "
                  f"best candidate)")
    if args.failures:
        for set_name in (s for s in sets if s not in HELD_OUT):
            wrong = [(i, r) for i, r in zip(sets[set_name], results["final"][set_name], strict=True) if not right(i, r)]
            print(f"\n--- final, {set_name}: {len(wrong)} wrong")
            for i, r in wrong:
                print(f"[{i['category']}] {i['q']}  keys={i['keys']} confident={r['confident']} kind={r.get('kind')} "
                      f"p={r.get('score')}\n    → {r['answer'][:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
