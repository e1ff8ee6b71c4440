"""Shared fixtures: the parsed plan, the source lines, and one index built per test session.

The index is built once into a temporary folder (never into build/knowledge), and
KNOWLEDGE_BUILD_DIR points there for the whole session so that subprocesses started by the CLI
tests use the same fresh index instead of rebuilding.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "knowledge" / "source" / "changzhou-eco-civilization-plan-2021-2030.txt"
SHARED_SOURCE = Path("/work/shared/plan/changzhou-eco-civilization-plan-2021-2030.txt")


@pytest.fixture(scope="session")
def plan():
    from knowledge.parse import parse
    return parse()


@pytest.fixture(scope="session")
def source_lines() -> list[str]:
    """The plan text, one entry per line (index 0 is line 1)."""
    return SOURCE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def chunks(plan):
    from knowledge.chunks import build_chunks
    return build_chunks(plan)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    """A freshly built index in a temporary folder; KNOWLEDGE_BUILD_DIR points at it all session."""
    from knowledge import index as kindex
    folder = tmp_path_factory.mktemp("knowledge-index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KNOWLEDGE_BUILD_DIR", str(folder))
        mp.setenv("HF_HUB_OFFLINE", "1")
        kindex.build(folder, progress=False)
        yield folder


@pytest.fixture(scope="session")
def index(index_dir):
    from knowledge.index import Index
    return Index(index_dir)


@pytest.fixture(scope="session")
def cli_env(index_dir) -> dict[str, str]:
    """Environment for `python -m knowledge …` subprocesses: the session's index, offline hub."""
    env = dict(os.environ)
    env.update({
        "KNOWLEDGE_BUILD_DIR": str(index_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        "PYTHONIOENCODING": "utf-8",
    })
    return env


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
