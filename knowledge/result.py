"""What an answer is: text, a confident flag, and the passages or table rows it stands on."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Source:
    title: str
    text: str
    score: float
    line_start: int
    line_end: int


@dataclass
class Answer:
    question: str
    text: str
    confident: bool
    sources: list[Source] = field(default_factory=list)
    kind: str = "text"          # indicator, unmet, project, text, closest, refusal, invalid
    indicators: list[int] = field(default_factory=list)   # numbers of the 表1 rows the answer is about
    score: float | None = None  # the chooser's best chance, which decided whether to answer (None: not scored)

    def to_dict(self) -> dict:
        return asdict(self)


def make_source(title: str, text: str, score: float, start: int, end: int) -> Source:
    return Source(title, text, round(float(score), 4), start, end)
