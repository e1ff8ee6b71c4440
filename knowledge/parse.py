"""The only parser of the plan: text → sections (paragraphs with heading paths), indicators, projects.

The source file stays byte-identical to the published document; every cleaning step lives here.
Tables in the text have one cell per tab-prefixed line, lines without a tab continue the cell
above, and a blank line ends a row.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

SOURCE = Path(__file__).parent / "source" / "changzhou-eco-civilization-plan-2021-2030.txt"

_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_H1 = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
_H2 = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*(.+)$")
_H3 = re.compile(r"^(\d+)[.．]\s*(.+)$")
_HEADING_MAX = 40          # a longer "1. …" line is body text, not a heading
_STATUSES = ("达标", "不达标", "—")
# A part of a multi-part indicator name ends with one of these characters; other lines wrap.
_PART_END = tuple("率例度积侵比量区线地")


@dataclass
class Paragraph:
    path: list[str]
    text: str
    line_start: int
    line_end: int


@dataclass
class IndicatorPart:
    """One part of a multi-part row. A field is None where the table gives one value for the whole row."""
    name: str
    unit: str | None
    standard: str | None
    value_2020: str | None
    target_2025: str | None
    target_2030: str | None
    status: str | None


@dataclass
class Indicator:
    number: int
    domain: str
    task: str
    name: str
    unit: str
    standard: str
    attribute: str
    value_2020: str
    target_2025: str
    target_2030: str
    status: str | None          # 达标 / 不达标 / — ; None when the cell says something else
    status_raw: str
    line_start: int
    line_end: int
    parts: list[IndicatorPart] = field(default_factory=list)


@dataclass
class Project:
    number: int
    category: str
    subcategory: str
    name: str
    content: str
    start_year: int | None
    end_year: int | None
    years_raw: str
    investment: float | None    # 万元; None where the table says "/"
    owners: list[str]
    line_start: int
    line_end: int


@dataclass
class Plan:
    title: str
    paragraphs: list[Paragraph]
    indicators: list[Indicator]
    projects: list[Project]
    total_investment: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def clean(line: str) -> str:
    """Drop Word bookmark markers, the trailing newline and surrounding white space."""
    return _BOOKMARK.sub("", line).strip()


def _table_rows(lines: list[str], start: int) -> tuple[list[tuple[list[list[str]], int, int]], int]:
    """Read a table from 0-based index `start`.

    Returns rows as (cells, first line, last line) with each cell a list of its text lines
    (1-based line numbers), and the index just after the table.
    """
    rows, i = [], start
    while i < len(lines):
        while i < len(lines) and not lines[i].strip("\n"):
            i += 1
        if i >= len(lines) or not lines[i].startswith("\t"):
            break
        cells: list[list[str]] = []
        first = i
        while i < len(lines) and lines[i].strip("\n"):
            raw = lines[i].rstrip("\n")
            if raw.startswith("\t"):
                cells.append([clean(raw)])
            else:
                cells[-1].append(clean(raw))
            i += 1
        cells = [[x for x in c if x] for c in cells]
        rows.append((cells, first + 1, i))
    return rows, i


def _join(cell: list[str]) -> str:
    return "".join(cell)


def _status(raw: str) -> str | None:
    return raw if raw in _STATUSES else None


def _group_name_parts(lines: list[str], n: int) -> list[str]:
    """Group the lines of a multi-part name into its parts; wrapped lines join the next."""
    if len(lines) == n:
        return lines
    parts, buf = [], ""
    for line in lines:
        buf += line
        if buf.endswith(_PART_END):
            parts.append(buf)
            buf = ""
    if buf:
        parts.append(buf)
    return parts


def _logical_lines(cell: list[str]) -> list[str]:
    """Re-join lines that the table layout wrapped (a line ending in ，；、 or 的, or one starting with 或和及)."""
    out: list[str] = []
    for line in cell:
        if out and (re.search(r"[，；、的者]$", out[-1]) or re.match(r"[或和及、]", line)):
            out[-1] += line
        else:
            out.append(line)
    return out


def _split_value(cell: list[str], n: int) -> list[str | None]:
    """One value per part when the cell holds exactly one logical line per part, else None for each part."""
    lines = _logical_lines(cell)
    return lines if n > 1 and len(lines) == n else [None] * n


def _indicator(cells: list[list[str]], carried: dict, span: tuple[int, int]) -> Indicator:
    domain, task, number, name, unit, standard, attribute, v2020, t2025, t2030, status = cells
    carried["domain"] = _join(domain) or carried.get("domain", "")
    carried["task"] = _join(task) or carried.get("task", "")
    status_raw = _join(status)
    multi = len(name) >= 3 or len(status) >= 2
    ind = Indicator(
        number=int(_join(number)), domain=carried["domain"], task=carried["task"],
        name=_join(name), unit=_join(unit), standard=_join(standard), attribute=_join(attribute),
        value_2020=_join(v2020), target_2025=_join(t2025), target_2030=_join(t2030),
        status=_status(status_raw) if len(status) <= 1 else _status(status[0]),
        status_raw=status_raw, line_start=span[0], line_end=span[1],
    )
    if multi:
        n = next((len(c) for c in (status, unit) if len(c) >= 2), len(name) - 1)
        part_names = _group_name_parts(name[1:], n)
        n = len(part_names)
        cols = [_split_value(c, n) for c in (unit, standard, v2020, t2025, t2030, status)]
        ind.name = name[0]
        for attr, cell in (("unit", unit), ("standard", standard), ("value_2020", v2020),
                           ("target_2025", t2025), ("target_2030", t2030), ("status_raw", status)):
            setattr(ind, attr, "；".join(_logical_lines(cell)))
        ind.parts = [
            IndicatorPart(pn, u, s, a, b, c, _status(st) if st is not None else None)
            for pn, u, s, a, b, c, st in zip(part_names, *cols, strict=True)
        ]
        statuses = {p.status for p in ind.parts}
        ind.status = statuses.pop() if len(statuses) == 1 and None not in statuses else _status(ind.status_raw)
    return ind


_WHOLE_NUMBER = re.compile(r"[≥≤>＞<]?\s*(\d+(?:\.\d+)?)\s*%?")
_LEADING_NUMBER = re.compile(r"\s*[≥≤>＞<＜]?\s*(\d+(?:\.\d+)?)(?!\s*年)")


def cell_number(cell: str | None) -> float | None:
    """The number a table cell holds when it holds only that ("25.6", "≥60", "4.30%"); None otherwise."""
    m = _WHOLE_NUMBER.fullmatch((cell or "").strip())
    return float(m.group(1)) if m else None


def leading_number(cell: str | None) -> float | None:
    """The number a table cell starts with ("25.6", "≥60", "80.6，完成…"); None for text."""
    m = _LEADING_NUMBER.match(cell or "")
    return float(m.group(1)) if m else None


def _years(raw: str) -> tuple[int | None, int | None]:
    found = [int(y) for y in re.findall(r"(?:19|20)\d\d", raw)]
    if not found:
        return None, None
    return found[0], found[-1]


def _investment(raw: str) -> float | None:
    raw = raw.replace(",", "")
    return float(raw) if re.fullmatch(r"\d+(\.\d+)?", raw) else None


def _project(cells: list[list[str]], carried: dict, span: tuple[int, int]) -> Project:
    category, number, subcategory, name, content, years, investment, owners = cells
    for key, cell in (("category", category), ("subcategory", subcategory), ("name", name)):
        carried[key] = _join(cell) or carried.get(key, "")
    start, end = _years(_join(years))
    owner_text = _join(owners)
    return Project(
        number=int(re.sub(r"\D", "", _join(number))), category=carried["category"],
        subcategory=carried["subcategory"], name=carried["name"], content=_join(content),
        start_year=start, end_year=end, years_raw=_join(years),
        investment=_investment(_join(investment)),
        owners=[o for o in re.split(r"[、，,]", owner_text) if o],
        line_start=span[0], line_end=span[1],
    )


def _heading(text: str) -> tuple[int, str] | None:
    if text.replace(" ", "") == "前言":
        return 1, "前言"
    if text == "附表":
        return 1, "附表"
    if len(text) > _HEADING_MAX:
        return None
    for level, pattern in ((1, _H1), (2, _H2), (3, _H3)):
        if pattern.match(text):
            return level, text
    return None


def parse(path: Path = SOURCE) -> Plan:
    """Parse the plan text into paragraphs, the 41 indicators of Table 1 and the 88 projects."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    paragraphs: list[Paragraph] = []
    indicators: list[Indicator] = []
    projects: list[Project] = []
    total = None
    path_stack: list[str] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        if raw.startswith("\t"):                     # a table starts here
            rows, i = _table_rows(lines, i)
            carried: dict = {}
            for cells, first, last in rows:
                if len(cells) == 11 and _join(cells[2]).isdigit():
                    indicators.append(_indicator(cells, carried, (first, last)))
                elif len(cells) == 8 and re.sub(r"\D", "", _join(cells[1])):
                    projects.append(_project(cells, carried, (first, last)))
                elif cells and _join(cells[0]) == "合计":
                    total = _investment(next((_join(c) for c in cells[1:] if _join(c)), ""))
            continue
        text = clean(raw)
        i += 1
        if not text:
            continue
        heading = _heading(text)
        if heading:
            level, title = heading
            path_stack = path_stack[: level - 1] + [title]
            continue
        paragraphs.append(Paragraph(list(path_stack), text, i, i))
    title = "常州市生态文明建设规划（2021-2030年）"
    return Plan(title, paragraphs, indicators, projects, total)
