"""The gateway's settings as a QR code, drawn on the server as SVG (no image library, no request elsewhere):
scanned with the gateway phone's camera, the key is copied without typing 32 random characters."""

from __future__ import annotations

import json

import qrcode
from markupsafe import Markup


def settings_qr(settings: dict) -> Markup:
    """An inline ``<svg>`` of ``settings`` as compact JSON: one path, one rectangle per run of dark modules in a
    row (a third of the size of drawing each module), scaled by CSS (class ``qr``)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(json.dumps(settings, separators=(",", ":")))
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = len(matrix)
    return Markup(
        f'<svg class="qr" role="img" aria-label="QR" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>'
    )
