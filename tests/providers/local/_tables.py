"""A document page with a title, a paragraph and a table, rendered with PIL's built-in font."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ._images import encode

TABLE = (
    ("Item", "Qty", "Price", "Total"),
    ("Apples", "12", "0.50", "6.00"),
    ("Bread", "3", "2.25", "6.75"),
    ("Coffee", "1", "8.90", "8.90"),
    ("Milk", "4", "1.10", "4.40"),
)
COL_WIDTHS = (300, 160, 200, 200)
ROW_HEIGHT = 64
TABLE_LEFT, TABLE_TOP = 100, 300


def table_page(ruled: bool = True, size: tuple[int, int] = (1240, 900)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.text((100, 80), "Quarterly grocery report", font=ImageFont.load_default(size=44), fill="black")
    body = ImageFont.load_default(size=28)
    draw.text((100, 170), "The table below lists what was bought this week.", font=body, fill="black")
    font = ImageFont.load_default(size=32)
    right = TABLE_LEFT + sum(COL_WIDTHS)
    bottom = TABLE_TOP + ROW_HEIGHT * len(TABLE)
    for r, row in enumerate(TABLE):
        x = TABLE_LEFT
        for c, text in enumerate(row):
            draw.text((x + 18, TABLE_TOP + r * ROW_HEIGHT + 14), text, font=font, fill="black")
            x += COL_WIDTHS[c]
    if ruled:
        for r in range(len(TABLE) + 1):
            y = TABLE_TOP + r * ROW_HEIGHT
            draw.line([(TABLE_LEFT, y), (right, y)], fill="black", width=3)
        x = TABLE_LEFT
        for w in (0, *COL_WIDTHS):
            x += w
            draw.line([(x, TABLE_TOP), (x, bottom)], fill="black", width=3)
    draw.text((100, bottom + 60), "Prices include tax.", font=body, fill="black")
    return img


# A ruled table with merged cells: "Region" and "Notes" span two rows, "Sales" two columns.
SPANNED = (
    ("Region", "Sales", None, "Notes"),
    (None, "2024", "2025", None),
    ("North", "120", "135", "stable"),
    ("South", "98", "142", "growing"),
    ("West", "77", "80", "new shop"),
)
SPANNED_WIDTHS = (240, 180, 180, 260)


def spanned_page(size: tuple[int, int] = (1100, 620)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=32)
    left, top, h = 100, 120, ROW_HEIGHT
    xs = [left]
    for w in SPANNED_WIDTHS:
        xs.append(xs[-1] + w)
    ys = [top + r * h for r in range(len(SPANNED) + 1)]
    for r, row in enumerate(SPANNED):
        for c, text in enumerate(row):
            if text is not None:
                draw.text((xs[c] + 18, ys[r] + 14), text, font=font, fill="black")
    line = {"fill": "black", "width": 3}
    for r, y in enumerate(ys):  # the rule under row 0 is missing below "Region" and "Notes"
        if r == 1:
            draw.line([(xs[1], y), (xs[3], y)], **line)
        else:
            draw.line([(xs[0], y), (xs[-1], y)], **line)
    for c, x in enumerate(xs):  # the rule between "2024" and "2025" is missing in row 0
        if c == 2:
            draw.line([(x, ys[1]), (x, ys[-1])], **line)
        else:
            draw.line([(x, ys[0]), (x, ys[-1])], **line)
    return img


def table_png(ruled: bool = True) -> bytes:
    return encode(table_page(ruled), "PNG")


def table_pdf() -> bytes:
    return encode(table_page(), "PDF", resolution=200.0)  # 1240 x 900 px again at 200 dpi
