"""A square image card (1080 × 1080 PNG) of a published item, for Instagram and WhatsApp status: hazard, place,
status, time and the kecamatan, drawn on the server in the font Pillow bundles (Aileron Regular, CC0), so that
nothing is fetched and no font file needs installing."""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

SIZE = 1080
COLOURS = {"peringatan": (178, 34, 34), "banjir": (11, 92, 173), "default": (11, 92, 173)}
WHITE = (255, 255, 255)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


def render(title: str, lines: list[str], footer: str, accent: str = "default") -> bytes:
    """The card as PNG bytes: a coloured band with ``title``, the ``lines`` below it, ``footer`` at the bottom."""
    image = Image.new("RGB", (SIZE, SIZE), WHITE)
    draw = ImageDraw.Draw(image)
    colour = COLOURS.get(accent, COLOURS["default"])
    draw.rectangle((0, 0, SIZE, 300), fill=colour)
    y = 60
    for line in textwrap.wrap(title, 22)[:3]:
        draw.text((60, y), line, font=_font(72), fill=WHITE)
        y += 84
    y = 360
    for text in lines:
        for line in textwrap.wrap(text, 30)[:4]:
            draw.text((60, y), line, font=_font(54), fill=(20, 20, 20))
            y += 66
        y += 24
        if y > SIZE - 220:
            break
    draw.rectangle((0, SIZE - 150, SIZE, SIZE), fill=(240, 243, 246))
    draw.text((60, SIZE - 115), footer, font=_font(44), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
