"""Table structure from a page bitmap and OCR words: ruling lines when the table has them, else
whitespace (columns are the x-ranges no word crosses; rows are clusters of words by height).

Pure numpy + OpenCV, no model: the layout model finds where tables are, this finds their cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Box = tuple[float, float, float, float]  # left, top, right, bottom in page pixels

MIN_RULE_PX = 40  # shorter strokes are text (underscores, dashes), not table rules
RULE_MERGE_PX = 8  # parallel rules closer than this are one (thick or double lines)


@dataclass(frozen=True)
class TWord:
    text: str
    box: Box
    score: float
    order: int  # reading order on the page (OCR line, then left to right)

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class Cell:
    row: int
    col: int
    box: Box
    words: list[TWord] = field(default_factory=list)
    row_span: int = 1
    col_span: int = 1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.order))

    @property
    def confidence(self) -> float | None:
        return sum(w.score for w in self.words) / len(self.words) if self.words else None


@dataclass
class Grid:
    box: Box
    rows: list[list[Cell]]  # each row's cells, left to right (a spanned cell appears once)
    num_rows: int
    num_cols: int
    method: str  # "ruled" or "whitespace"

    def filled(self) -> int:
        return sum(1 for row in self.rows for cell in row if cell.words)


@dataclass(frozen=True)
class Rules:
    horizontal: np.ndarray  # uint8 masks of the page, 255 on a rule
    vertical: np.ndarray


def find_rules(gray: np.ndarray) -> Rules:
    """Long horizontal and vertical strokes of the page (morphological opening)."""
    import cv2

    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    h_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (MIN_RULE_PX, 1))
    v_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, MIN_RULE_PX))
    return Rules(
        cv2.morphologyEx(binary, cv2.MORPH_OPEN, h_kernel),
        cv2.morphologyEx(binary, cv2.MORPH_OPEN, v_kernel),
    )


def ruled_regions(rules: Rules) -> list[Box]:
    """Boxes of the connected rule networks that cross at least 2 x 2 rules (a grid)."""
    import cv2

    both = cv2.bitwise_or(rules.horizontal, rules.vertical)
    both = cv2.dilate(both, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(both)
    found: list[Box] = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        box = (float(x), float(y), float(x + w), float(y + h))
        if w >= 2 * MIN_RULE_PX and h >= MIN_RULE_PX and _grid_lines(rules, box) is not None:
            found.append(box)
    return found


def _positions(profile: np.ndarray, threshold: float) -> list[float]:
    """Centres of runs where `profile` (pixels of rule per row/column) reaches `threshold`."""
    runs: list[list[int]] = []
    for i, v in enumerate(profile.tolist()):
        if v >= threshold:
            if runs and i - runs[-1][-1] <= RULE_MERGE_PX:
                runs[-1].append(i)
            else:
                runs.append([i])
    return [(r[0] + r[-1]) / 2 for r in runs]


def _grid_lines(rules: Rules, box: Box) -> tuple[list[float], list[float]] | None:
    """(y of each horizontal rule, x of each vertical rule) spanning a quarter of the box, or None."""
    left, top, right, bottom = (round(v) for v in box)
    h = rules.horizontal[top:bottom, left:right] > 0
    v = rules.vertical[top:bottom, left:right] > 0
    if h.size == 0:
        return None
    ys = [top + y for y in _positions(h.sum(axis=1), 0.25 * (right - left))]
    xs = [left + x for x in _positions(v.sum(axis=0), 0.25 * (bottom - top))]
    if len(ys) < 2 or len(xs) < 2 or len(ys) + len(xs) < 5:
        return None
    return ys, xs


def _border(mask: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> bool:
    """Whether a rule runs along most of the segment (x0, y0)-(x1, y1) (horizontal or vertical)."""
    pad = RULE_MERGE_PX // 2
    if y0 == y1:
        band = mask[max(round(y0) - pad, 0) : round(y0) + pad + 1, round(x0) : round(x1)]
        covered = band.max(axis=0) if band.size else band
    else:
        band = mask[round(y0) : round(y1), max(round(x0) - pad, 0) : round(x0) + pad + 1]
        covered = band.max(axis=1) if band.size else band
    return bool(covered.size) and float((covered > 0).mean()) >= 0.6


def ruled_grid(rules: Rules, box: Box, words: list[TWord]) -> Grid | None:
    """Cells between the rules; a missing rule between two cells merges them (row/col spans)."""
    lines = _grid_lines(rules, box)
    if lines is None:
        return None
    ys, xs = lines
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1:
        return None
    owner = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]  # top-left cell of its merge
    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _border(rules.vertical, xs[c + 1], ys[r], xs[c + 1], ys[r + 1]):
                _merge(owner, (r, c), (r, c + 1))
            if r + 1 < n_rows and not _border(rules.horizontal, xs[c], ys[r + 1], xs[c + 1], ys[r + 1]):
                _merge(owner, (r, c), (r + 1, c))
    cells: dict[tuple[int, int], Cell] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            top_left = owner[r][c]
            cell = cells.get(top_left)
            if cell is None:
                cell = cells[top_left] = Cell(r, c, (xs[c], ys[r], xs[c + 1], ys[r + 1]))
            cell.row_span = max(cell.row_span, r - cell.row + 1)
            cell.col_span = max(cell.col_span, c - cell.col + 1)
            cell.box = (cell.box[0], cell.box[1], max(cell.box[2], xs[c + 1]), max(cell.box[3], ys[r + 1]))
    for word in words:
        at_row, at_col = _index(ys, word.cy), _index(xs, word.cx)
        if at_row is not None and at_col is not None:
            cells[owner[at_row][at_col]].words.append(word)
    rows: list[list[Cell]] = [[] for _ in range(n_rows)]
    for cell in sorted(cells.values(), key=lambda k: (k.row, k.col)):
        rows[cell.row].append(cell)
    return Grid((xs[0], ys[0], xs[-1], ys[-1]), rows, n_rows, n_cols, "ruled")


def _merge(owner: list[list[tuple[int, int]]], a: tuple[int, int], b: tuple[int, int]) -> None:
    """Give every cell owned like `b` the owner of `a` (the one nearer the top left)."""
    keep, drop = sorted((owner[a[0]][a[1]], owner[b[0]][b[1]]))
    for row in owner:
        for i, o in enumerate(row):
            if o == drop:
                row[i] = keep


def _index(edges: list[float], v: float) -> int | None:
    for i in range(len(edges) - 1):
        if edges[i] <= v < edges[i + 1]:
            return i
    return None


def whitespace_grid(box: Box, words: list[TWord]) -> Grid | None:
    """Rows: words whose vertical centres overlap; columns: x-gaps that no word of any row crosses."""
    if len(words) < 4:
        return None
    height = median(w.box[3] - w.box[1] for w in words)
    row_words: list[list[TWord]] = []
    for word in sorted(words, key=lambda w: w.cy):
        last = row_words[-1] if row_words else None
        if last and abs(word.cy - median(w.cy for w in last)) < 0.5 * height:
            last.append(word)
        else:
            row_words.append([word])
    left = min(w.box[0] for w in words)
    right = max(w.box[2] for w in words)
    covered = [False] * (int(right - left) + 2)
    for w in words:
        for x in range(int(w.box[0] - left), int(w.box[2] - left) + 1):
            covered[x] = True
    gaps: list[float] = []
    start: int | None = None
    for x, c in enumerate(covered):
        if not c and start is None:
            start = x
        elif c and start is not None:
            if x - start >= max(height, 12):  # wider than a word space: a column gap
                gaps.append(left + (start + x) / 2)
            start = None
    xs = [left, *gaps, right + 1]
    ys: list[float] = []
    for ws in row_words:
        ys.append(min(w.box[1] for w in ws))
    ys.append(max(w.box[3] for w in row_words[-1]))
    n_cols, n_rows = len(xs) - 1, len(row_words)
    if n_cols < 2 or n_rows < 2:
        return None
    rows: list[list[Cell]] = []
    for r, ws in enumerate(row_words):
        top, bottom = min(w.box[1] for w in ws), max(w.box[3] for w in ws)
        cells = [Cell(r, c, (xs[c], top, xs[c + 1], bottom)) for c in range(n_cols)]
        for w in ws:
            col = _index(xs, w.cx)
            if col is not None:
                cells[col].words.append(w)
        rows.append(cells)
    # A real table has several rows that fill two columns or more (not a paragraph with a gap).
    if sum(1 for row in rows if sum(1 for cell in row if cell.words) >= 2) < 2:
        return None
    return Grid((xs[0], ys[0], xs[-1], ys[-1]), rows, n_rows, n_cols, "whitespace")


def inside(word: TWord, box: Box, margin: float = 4.0) -> bool:
    return box[0] - margin <= word.cx <= box[2] + margin and box[1] - margin <= word.cy <= box[3] + margin


def overlap(a: Box, b: Box) -> float:
    """Intersection area over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0
