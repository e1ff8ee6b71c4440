"""Command line: `python -m knowledge build | ask [--json] [--mode M] [--batch FILE] [QUESTION]`."""
from __future__ import annotations

import argparse
import json
import sys
import time

from .search import MODES


def _print_answer(result, as_json: bool, latency_ms: float) -> None:
    if as_json:
        payload = {"question": result.question, "answer": result.text, "confident": result.confident,
                   "kind": result.kind, "score": result.score,
                   "sources": [{"title": s.title, "text": s.text, "score": s.score} for s in result.sources],
                   "latency_ms": round(latency_ms, 2)}
        print(json.dumps(payload, ensure_ascii=False), flush=True)
    else:
        print(result.text, flush=True)


def _ask(args) -> int:
    from .answer import answer
    from .index import load
    index = load()
    if args.batch:
        with open(args.batch, encoding="utf-8", errors="replace") as fh:
            questions = [line.rstrip("\r\n") for line in fh]
    elif args.question is not None:
        questions = [args.question]
    else:
        return _interactive(index, args)
    for q in questions:
        started = time.perf_counter()
        result = answer(q, mode=args.mode, index=index, chooser=args.chooser)
        _print_answer(result, args.json, (time.perf_counter() - started) * 1000)
    return 0


def _interactive(index, args) -> int:
    from .answer import HELP, answer
    print(f"常州市生态文明建设规划 问答（输入 q 退出）。{HELP}")
    while True:
        try:
            q = input("\n问：")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if q.strip().lower() in {"q", "quit", "exit", "退出"}:
            return 0
        started = time.perf_counter()
        _print_answer(answer(q, mode=args.mode, index=index, chooser=args.chooser), args.json,
                      (time.perf_counter() - started) * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse the plan and build the search index")
    b.add_argument("--if-stale", action="store_true", help="only build when the index is missing or stale")
    a = sub.add_parser("ask", help="answer questions from the plan")
    a.add_argument("question", nargs="?", help="the question (omit for an interactive prompt)")
    a.add_argument("--json", action="store_true", help="one JSON object per answer")
    a.add_argument("--mode", choices=MODES, default="hybrid")
    a.add_argument("--batch", metavar="FILE", help="one question per line")
    a.add_argument("--chooser", choices=("learned", "rule"), default="learned",
                   help="how the answer is picked: the trained model (default) or subject-word coverage alone")
    args = parser.parse_args(argv)
    if args.command == "build":
        from . import ranker
        from .index import Index, build, build_dir, is_stale
        started = time.perf_counter()
        if args.if_stale and not is_stale():
            index = Index(build_dir())
            if not ranker.is_stale(index):
                print(f"Index and answer chooser are up to date in {build_dir()}")
                return 0
            ranker.train(index)
        else:
            build()
        report = json.loads((build_dir() / ranker.REPORT_FILE).read_text(encoding="utf-8"))
        oof = report["out_of_fold"]
        print(f"Index and answer chooser ready in {build_dir()} ({time.perf_counter() - started:.1f} s). The chooser "
              f"learned from {report['questions']} tune questions (+{report['synthetic_questions']} from the tables); "
              f"out of fold at threshold {report['answer_threshold']}: accuracy {oof['accuracy']}, answerable refused "
              f"{oof['answerable_refused']}, unanswerable refused {oof['unanswerable_refused']}")
        return 0
    return _ask(args)


if __name__ == "__main__":
    sys.exit(main())
