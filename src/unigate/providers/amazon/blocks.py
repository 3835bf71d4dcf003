"""Reading Textract `Block` lists: the PAGE/LINE/WORD/TABLE/CELL graph linked by Relationships.

Geometry is Textract's: ratios (0-1) of the page's width and height, origin at the top left.
Confidences are 0-100 on the wire and 0-1 in our outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Block = Mapping[str, Any]


def by_id(blocks: Iterable[Block]) -> dict[str, Block]:
    return {str(b["Id"]): b for b in blocks if "Id" in b}


def related(block: Block, kind: str = "CHILD") -> list[str]:
    ids: list[str] = []
    for rel in block.get("Relationships") or ():
        if rel.get("Type") == kind:
            ids += [str(i) for i in rel.get("Ids") or ()]
    return ids


def children(block: Block, index: Mapping[str, Block], kind: str = "CHILD") -> list[Block]:
    return [index[i] for i in related(block, kind) if i in index]


def page_of(block: Block) -> int:
    return int(block.get("Page") or 1)  # sync answers on one page may omit it


def box(block: Block) -> dict[str, float | None]:
    bb = (block.get("Geometry") or {}).get("BoundingBox") or {}
    return {
        "left": _num(bb.get("Left")),
        "top": _num(bb.get("Top")),
        "width": _num(bb.get("Width")),
        "height": _num(bb.get("Height")),
    }


def confidence(value: Any) -> float | None:
    """0-100 -> 0-1."""
    number = _num(value)
    return None if number is None else round(number / 100.0, 4)


def page_count(response: Mapping[str, Any], blocks: Iterable[Block] = ()) -> int:
    pages = (response.get("DocumentMetadata") or {}).get("Pages")
    if isinstance(pages, int) and pages > 0:
        return pages
    return max((page_of(b) for b in blocks), default=1)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
