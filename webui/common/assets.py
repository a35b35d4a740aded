"""Static assets with hashed URLs, compressed once, cached for a year (issue 22, "Light editor").

`asset_url("vendor/modeler/editor.bundle.js")` names the file by a digest of its content:
/assets/<digest>/<path>. That URL never changes meaning, so the answer is cached for a year
(immutable); a changed file gets a new digest and so a new URL. Each file is compressed once
per process (brotli when the browser accepts it and the library is installed, else gzip) and
kept in memory. A request naming an outdated digest still gets the file, but uncached.
"""
import gzip
import hashlib
import mimetypes
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
_LOCK = threading.Lock()


def _file(path):
    full = safe_join(current_app.static_folder, path)
    if full is None or not Path(full).is_file():
        return None
    return Path(full)


def digest_of(path):
    """The first 16 hex digits of the file's SHA-256 (cached by modification time and size)."""
    file = _file(path)
    if file is None:
        return "missing"
    stat = file.stat()
    key = (path, stat.st_mtime, stat.st_size)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    return _DIGESTS[key]


def asset_url(path):
    """The hashed URL of a file under webui/static."""
    return url_for("assets.serve", digest=digest_of(path), path=path)


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


@bp.get("/assets/<digest>/<path:path>")
def serve(digest, path):
    """One static file, compressed, cached for a year when the digest is the current one."""
    if _file(path) is None:
        abort(404)
    current = digest == digest_of(path)
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
