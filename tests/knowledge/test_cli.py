"""`python -m knowledge …` as an operator runs it: batch JSON lines, plain answers, build --if-stale."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from .conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT = 240

BATCH = [
    "农村生活污水治理率现在多少",
    "",
    "   \t ",
    "长" * 20000,
    "\x00\x01\x07\x0b\x1b",
    "😀😀🙂",
]


def _run(python, cli_env, *args):
    return subprocess.run([python, "-m", "knowledge", *args], cwd=ROOT, env=cli_env, capture_output=True,
                          text=True, encoding="utf-8", timeout=TIMEOUT)


@pytest.fixture(scope="module")
def batch_run(python, cli_env, tmp_path_factory):
    path = tmp_path_factory.mktemp("batch") / "questions.txt"
    path.write_text("\n".join(BATCH) + "\n", encoding="utf-8")
    return _run(python, cli_env, "ask", "--json", "--batch", str(path))


def test_batch_exits_cleanly(batch_run):
    assert batch_run.returncode == 0, batch_run.stderr[-2000:]
    assert "Traceback" not in batch_run.stderr


def test_batch_one_json_object_per_line_in_order(batch_run):
    lines = [x for x in batch_run.stdout.splitlines() if x.strip()]
    assert len(lines) == len(BATCH), batch_run.stdout[-2000:]
    records = [json.loads(x) for x in lines]
    assert [r["question"] for r in records] == BATCH
    for r in records:
        assert set(r) >= {"question", "answer", "confident", "sources", "latency_ms"}
        assert isinstance(r["confident"], bool)
        assert isinstance(r["latency_ms"], (int, float)) and r["latency_ms"] >= 0
        for s in r["sources"]:
            assert set(s) >= {"title", "text", "score"}


def test_batch_answers_the_real_question(batch_run):
    first = json.loads(batch_run.stdout.splitlines()[0])
    assert first["confident"] is True
    assert "25.6" in first["answer"] and "不达标" in first["answer"]
    assert first["sources"]


def test_batch_bad_lines_get_a_message(batch_run):
    records = [json.loads(x) for x in batch_run.stdout.splitlines() if x.strip()]
    for r in records[1:]:
        assert r["confident"] is False, r["question"][:20]
        assert CJK.search(r["answer"]), r["answer"]
        assert len(r["answer"]) < 500


def test_plain_ask_prints_an_answer(python, cli_env):
    run = _run(python, cli_env, "ask", "农村生活污水治理率现在多少")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert "25.6" in run.stdout and "不达标" in run.stdout
    assert not run.stdout.lstrip().startswith("{")


def test_build_if_stale_on_fresh_index_says_up_to_date(python, cli_env, index_dir):
    before = (index_dir / "manifest.json").read_text(encoding="utf-8")
    run = _run(python, cli_env, "build", "--if-stale")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "up to date" in run.stdout.lower()
    assert (index_dir / "manifest.json").read_text(encoding="utf-8") == before
