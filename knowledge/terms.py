"""Text → search terms: jieba with the domain dictionary, stop words, colloquial-synonym expansion."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba
import yaml

from .normalize import normalize

DATA = Path(__file__).parent / "data"
JIEBA_DICT_DIR = DATA / "jieba"          # also Rasa's JiebaTokenizer dictionary_path
SYNONYMS_FILE = DATA / "synonyms.yml"
TYPOS_FILE = DATA / "typos.yml"

jieba.setLogLevel(logging.WARNING)

STOPWORDS_FILE = DATA / "stopwords.txt"


def _stopwords() -> frozenset[str]:
    """Words that carry no subject: particles, question words, colloquial fillers, the city's own name."""
    words = set()
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


STOPWORDS = _stopwords()
_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    """Canonical plan term → colloquial variants (normalized), from the hand-kept YAML file."""
    if not SYNONYMS_FILE.exists():
        return {}
    raw = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8")) or {}
    return {normalize(k): [normalize(v) for v in (vs or []) if v] for k, vs in raw.items()}


@lru_cache(maxsize=1)
def typos() -> dict[str, str]:
    """Common misspellings → the plan's spelling, from the hand-kept YAML file."""
    raw = yaml.safe_load(TYPOS_FILE.read_text(encoding="utf-8")) if TYPOS_FILE.exists() else {}
    return {normalize(k): normalize(v) for k, v in (raw or {}).items()}


def fix_typos(question: str) -> str:
    for wrong, right in typos().items():
        question = question.replace(wrong, right)
    return question


_loaded_extra: set[str] = set()


def setup_jieba(extra_words: list[str] | tuple[str, ...] = ()) -> None:
    """Load every dictionary file of the jieba folder once, plus record names from the parsed plan."""
    if not _loaded_extra:
        for path in sorted(JIEBA_DICT_DIR.glob("*")):
            if path.is_file():
                jieba.load_userdict(str(path))
        for canon in synonyms():
            jieba.add_word(canon, freq=5000)
        _loaded_extra.add("")
    for word in extra_words:
        if word and word not in _loaded_extra:
            jieba.add_word(word, freq=5000)
            _loaded_extra.add(word)


def expand(question: str) -> tuple[str, list[str], str]:
    """Find colloquial variants in a normalized question.

    Returns the question with the plan's canonical terms appended, the canonical terms added, and
    the question with the matched variants cut out (what is left must still be said by the plan).
    """
    added, stripped = [], question
    for canon, variants in synonyms().items():
        if canon in question:
            continue
        found = [v for v in variants if v and v in question]
        if found:
            added.append(canon)
            for v in sorted(found, key=len, reverse=True):
                stripped = stripped.replace(v, " ")
    expanded = (question + " " + " ".join(added)).strip() if added else question
    return expanded, added, stripped


def tokens(text: str) -> list[str]:
    """Search tokens of already-normalized text: jieba search-mode words minus stop words and punctuation."""
    setup_jieba()
    out = []
    for tok in jieba.cut_for_search(text):
        tok = tok.strip()
        if tok and tok not in STOPWORDS and _TOKEN_OK.search(tok):
            out.append(tok)
    return out


_FILLER_PREFIX = re.compile(r"^[要想能会该得可几多哪啥]")


def content_terms(text: str) -> list[str]:
    """The subject words of a normalized question (jieba precise mode), for coverage checks.

    A modal or question character glued to a one-character verb ("要建", "要查", "几类") is chat, not subject.
    """
    setup_jieba()
    seen, out = set(), []
    for tok in jieba.cut(text):
        tok = tok.strip()
        if len(tok) == 2 and _FILLER_PREFIX.match(tok):
            continue
        if tok and tok not in STOPWORDS and _TOKEN_OK.search(tok) and tok not in seen:
            seen.add(tok)
            out.append(tok)
    return out
