"""Static assets with hashed URLs, compressed once, cached for a year (issue 22, "Light editor").

`asset_url("vendor/modeler/editor.bundle.js")` names the file by a digest of its content:
/assets/<digest>/<path>. That URL never changes meaning, so the answer is cached for a year
(immutable); a changed file gets a new digest and so a new URL. Each file is compressed once
per process (brotli when the browser accepts it and the library is installed, else gzip) and
kept in memory. A request naming an outdated digest still gets the file, but uncached.

The editor bundle is split into ES-module chunks that it imports by relative URL, so a chunk is
asked for under the bundle's digest. Its own name carries esbuild's content hash
(`chunks/<name>-<HASH>.js`), which is what makes that URL immutable (`_named_by_content`).
"""
import gzip
import hashlib
import json
import mimetypes
import re
import threading
from pathlib import Path

from flask import Blueprint, abort, current_app, request, url_for
from werkzeug.security import safe_join

try:
    import brotli
except ImportError:  # gzip only
    brotli = None

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600
_DIGESTS: dict[tuple[str, float, int], str] = {}   # (path, mtime, size) -> digest
_PACKED: dict[tuple[str, str, str], bytes] = {}     # (path, digest, encoding) -> body
_CURRENT: dict[str, str] = {}                        # path -> digest, read once outside debug mode
_LOCK = threading.Lock()
_CHUNK = re.compile(r"(^|/)chunks/[\w.-]+-[A-Z0-9]{8}\.js$")  # esbuild's chunkNames "chunks/[name]-[hash]"


def _file(path):
    full = safe_join(current_app.static_folder, path)
    if full is None or not Path(full).is_file():
        return None
    return Path(full)


def digest_of(path):
    """The first 16 hex digits of the file's SHA-256 (cached by modification time and size;
    outside debug mode by path: every page names app.css, and a deployment restarts the app)."""
    if not current_app.debug and path in _CURRENT:
        return _CURRENT[path]
    file = _file(path)
    if file is None:
        return "missing"
    stat = file.stat()
    key = (path, stat.st_mtime, stat.st_size)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    _CURRENT[path] = _DIGESTS[key]
    return _DIGESTS[key]


def asset_url(path):
    """The hashed URL of a file under webui/static."""
    return url_for("assets.serve", digest=digest_of(path), path=path)


def module_preloads(entry, listing):
    """The URLs of the chunks `entry` imports statically, as the browser resolves them from it.

    `listing` is a JSON list of paths under webui/static (written by scripts/vendor.mjs); a
    missing listing means no preloads. The URLs carry the entry's digest, as its imports do.
    """
    file = _file(listing)
    if file is None:
        return []
    digest = digest_of(entry)
    return [url_for("assets.serve", digest=digest, path=path) for path in json.loads(file.read_text("utf-8"))]


def _named_by_content(path):
    return _CHUNK.search(path) is not None


def _encoding():
    accepted = request.headers.get("Accept-Encoding", "").lower()
    if brotli is not None and "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted else "identity"


def packed(path, digest, encoding):
    """The file's bytes in `encoding`, compressed once per process."""
    key = (path, digest, encoding)
    with _LOCK:
        if key not in _PACKED:
            raw = _file(path).read_bytes()
            if encoding == "br":
                _PACKED[key] = brotli.compress(raw, quality=9)  # 11 is ~40x slower for ~10 % less
            elif encoding == "gzip":
                _PACKED[key] = gzip.compress(raw, compresslevel=9, mtime=0)
            else:
                _PACKED[key] = raw
        return _PACKED[key]


def compressed(response):
    """A large dynamic answer (JSON) compressed for a browser that accepts it.

    Only for answers that echo no secret (no CSRF token, no session data): compression beside
    attacker-chosen text could otherwise leak a secret by the answer's length (BREACH).
    """
    encoding = _encoding()
    body = response.get_data()
    if encoding == "identity" or len(body) < 1024 or response.direct_passthrough:
        return response
    # brotli 5 is fast (a few ms for the demo version's 390 KB) and still ~10x smaller
    packed_body = brotli.compress(body, quality=5) if encoding == "br" else gzip.compress(body, compresslevel=6)
    response.set_data(packed_body)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/assets/<digest>/<path:path>")
def serve(digest, path):
    """One static file, compressed, cached for a year when the digest is the current one."""
    if _file(path) is None:
        abort(404)
    current = digest == digest_of(path) or _named_by_content(path)
    encoding = _encoding()
    body = packed(path, digest_of(path), encoding)
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = current_app.response_class(body, mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if current else "no-cache"
    response.headers["ETag"] = f'"{digest_of(path)}-{encoding}"'
    return response


def register(app):
    """Serve /assets/ and offer asset_url() to the templates."""
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["module_preloads"] = module_preloads
