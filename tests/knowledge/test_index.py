"""The built index: what an operator finds on disk, how fast it loads, when it counts as stale."""
from __future__ import annotations

import json
import shutil
import time
from datetime import datetime

import pytest

from knowledge import index as kindex
from knowledge.index import Index, corpus_hash, is_stale, model_setting
from knowledge.search import MODES, search


def test_manifest_written(index_dir):
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in ("model", "corpus_hash", "built_at"):
        assert manifest.get(key), key
    assert manifest["model"] == model_setting()
    assert manifest["corpus_hash"] == corpus_hash()
    datetime.strptime(manifest["built_at"][:19], "%Y-%m-%dT%H:%M:%S")
    assert not list(index_dir.glob(".partial*"))


def test_plan_json_holds_sections_indicators_projects(index_dir):
    data = json.loads((index_dir / "plan.json").read_text(encoding="utf-8"))
    assert len(data["indicators"]) == 41
    assert len(data["projects"]) == 88
    assert round(data["total_investment"], 2) == 3309473.59
    paras = data["paragraphs"]
    assert paras and all("path" in p and "text" in p for p in paras)
    assert any(p["path"] and p["path"][0].startswith("七、") for p in paras)
    row30 = data["indicators"][29]
    assert (row30["name"], row30["value_2020"], row30["status"]) == ("农村生活污水治理率", "25.6", "不达标")


def test_chunk_count_matches_manifest(index_dir, index):
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(index.chunks) == manifest["chunks"] == index.faiss.ntotal
    assert index.bm25.n == len(index.chunks)


def test_load_is_fast_once_built(index_dir, index):
    started = time.perf_counter()
    loaded = Index(index_dir)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"loading the built index took {elapsed:.2f} s"
    assert len(loaded.plan.indicators) == 41


def test_load_without_rebuild_uses_the_built_folder(index_dir):
    loaded = kindex.load(index_dir, rebuild=False)
    assert loaded.folder == index_dir
    assert len(loaded.plan.projects) == 88


def test_fresh_index_is_not_stale(index_dir):
    assert is_stale(index_dir) is False


def test_changed_corpus_hash_makes_it_stale(index_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(index_dir, copy)
    assert is_stale(copy) is False
    manifest_file = copy / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["corpus_hash"] = "0" * 64
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    assert is_stale(copy) is True


def test_other_model_or_missing_manifest_is_stale(index_dir, tmp_path):
    assert is_stale(index_dir, model="some/other-model") is True
    assert is_stale(tmp_path / "nothing-here") is True
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    assert is_stale(broken) is True


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_finds_the_rural_sewage_indicator(index, mode):
    hits = search(index, "农村生活污水治理率", k=5, mode=mode)
    assert 0 < len(hits) <= 5
    assert any(h.chunk.kind == "indicator" and h.chunk.ref == 30 for h in hits), \
        [(h.chunk.kind, h.chunk.ref, h.chunk.title[:30]) for h in hits]


def test_bad_mode_is_rejected(index):
    with pytest.raises(ValueError):
        search(index, "农村生活污水治理率", mode="nonsense")


def test_the_same_model_in_another_folder_keeps_the_index_fresh(index_dir, tmp_path):
    """An index built where the model lives in one environment is fresh for a copy of that model elsewhere (another
    checkout, another machine), and stale for a model whose files differ."""
    model = tmp_path / "elsewhere" / "m3e-small"
    shutil.copytree(model_setting(), model)
    assert is_stale(index_dir, model=str(model)) is False
    config = model / "config.json"
    config.write_text(config.read_text(encoding="utf-8").replace("}", ', "changed": 1}', 1), encoding="utf-8")
    assert is_stale(index_dir, model=str(model)) is True
