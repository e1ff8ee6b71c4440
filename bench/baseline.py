"""The naive baseline the benchmark compares against: no rules, no tables, no learned parts.

The plan's prose in ~250-character chunks that never cross a section, each starting with its heading;
BM25 and dense ranks fused by reciprocal rank; the answer is the first chunk's text, always given.
Usage: python bench/baseline.py --batch FILE  (one JSON object per question, like `knowledge ask --json`).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import terms  # noqa: E402
from knowledge.chunks import section_title, sentences  # noqa: E402
from knowledge.index import BM25, encode, model_setting  # noqa: E402
from knowledge.normalize import normalize  # noqa: E402
from knowledge.parse import parse  # noqa: E402

CHUNK_CHARS = 250
RRF_K = 60


def baseline_chunks() -> list[tuple[str, str]]:
    """(heading path, text) chunks of about CHUNK_CHARS characters within one section."""
    groups: dict[str, list[str]] = {}
    for para in parse().paragraphs:
        groups.setdefault(section_title(para.path), []).extend(sentences(para.text))
    out = []
    for title, sents in groups.items():
        buf = ""
        for s in sents:
            if buf and len(buf) + len(s) > CHUNK_CHARS:
                out.append((title, buf))
                buf = ""
            buf += s
        if buf:
            out.append((title, buf))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", required=True)
    args = parser.parse_args()
    chunks = baseline_chunks()
    texts = [f"{t}：{b}" for t, b in chunks]
    bm25 = BM25([terms.tokens(normalize(t)) for t in texts])
    model = model_setting()
    vectors = encode(model, texts)
    for q in Path(args.batch).read_text(encoding="utf-8").splitlines():
        started = time.perf_counter()
        nq = normalize(q)
        fused = np.zeros(len(texts))
        for scores in (bm25.scores(terms.tokens(nq)), vectors @ encode(model, [nq])[0]):
            for rank, i in enumerate(np.argsort(-scores)[:50]):
                if scores[i] > 0:
                    fused[i] += 1 / (RRF_K + rank + 1)
        top = [int(i) for i in np.argsort(-fused)[:5]]
        print(json.dumps({"question": q, "answer": texts[top[0]], "confident": True, "kind": "text",
                          "sources": [{"title": chunks[i][0], "text": chunks[i][1], "score": float(fused[i])} for i in top],
                          "latency_ms": round((time.perf_counter() - started) * 1000, 2)}, ensure_ascii=False),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
