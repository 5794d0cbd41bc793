"""Static files fingerprinted and pre-compressed, and dynamic responses gzipped: light pages on 2G/3G.

``/static/<file>?v=<hash>`` is cached for a year (immutable): the hash changes when the file does, so a
repeat visit loads no static file over the network. The static folder is a few small files, read once at
start-up and kept in memory both raw and gzipped.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, render_template, request, url_for
from flask_babel import gettext as _

from ..access import public

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/manifest+json")
MIN_COMPRESS_BYTES = 512
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    data: bytes
    gzipped: bytes | None
    mimetype: str
    version: str


def _mimetype(path: Path) -> str:
    if path.suffix == ".webmanifest":
        return "application/manifest+json"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def load_assets(folder: Path) -> dict[str, Asset]:
    """Every file under ``folder`` by its relative path, with a content hash and a gzip copy when it helps."""
    assets = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        mimetype = _mimetype(path)
        packed = gzip.compress(data, 9, mtime=0) if mimetype.startswith(COMPRESSIBLE) else None
        assets[path.relative_to(folder).as_posix()] = Asset(
            data=data,
            gzipped=packed if packed is not None and len(packed) < len(data) else None,
            mimetype=mimetype,
            version=hashlib.sha256(data).hexdigest()[:12],
        )
    return assets


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def init_app(app: Flask, folder: Path) -> None:
    assets = load_assets(folder)
    app.extensions["assets"] = assets

    @app.get("/static/<path:filename>", endpoint="static")
    @public
    def static(filename: str):
        asset = assets.get(filename)
        if asset is None:
            abort(404)
        fingerprinted = request.args.get("v") == asset.version
        use_gzip = asset.gzipped is not None and _accepts_gzip()
        headers = {
            "Content-Type": asset.mimetype,
            "ETag": f'"{asset.version}"',
            "Vary": "Accept-Encoding",
            "Cache-Control": f"public, max-age={YEAR}, immutable" if fingerprinted else "public, no-cache",
        }
        if request.if_none_match.contains(asset.version):
            return "", 304, headers
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        return (asset.gzipped if use_gzip else asset.data), 200, headers

    def asset_url(filename: str) -> str:
        """The fingerprinted URL of a static file, for templates: ``{{ asset_url('app.css') }}``."""
        asset = assets.get(filename)
        if asset is None:
            raise KeyError(f"no static file {filename!r}")
        return url_for("static", filename=filename, v=asset.version)

    app.jinja_env.globals["asset_url"] = asset_url
    # What the map library costs a phone the first time (gzipped script and stylesheet): the map asks before.
    leaflet = [a for name, a in assets.items() if name.startswith("vendor/leaflet-") and name.endswith((".js", ".css"))]
    app.jinja_env.globals["map_library_kb"] = round(sum(len(a.gzipped or a.data) for a in leaflet) / 1024)
    app.after_request(compress)

    shell = ["app.css", "app.js", "outbox.js", "manifest.webmanifest", "icons/icon-192.png"]
    shell += [name for name in assets if name.startswith("vendor/htmx") and name.endswith(".js")]  # not the map's
    release = hashlib.sha256("".join(assets[name].version for name in sorted(assets)).encode()).hexdigest()[:12]

    @app.get("/sw.js")
    @public
    def service_worker():
        """At the root, so it may serve every page; never cached, so a new release is picked up."""
        body = render_template(
            "sw.js",
            version=release,
            precache=[asset_url(name) for name in shell],
            offline_page=render_template("offline.html"),
            offline_notice=_("HP ini sedang luring: tidak ada sambungan internet. Ini salinan terakhir di HP ini."),
            sent={"sent": _("{name} terkirim, tiket {ticket}"), "sentPlain": _("{name} terkirim")},
        )
        return body, 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}


def compress(response):
    """Gzip a dynamic text response when the client takes gzip and it is worth it."""
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or not _accepts_gzip()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(data, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
