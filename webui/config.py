"""Configuration read from the environment, with safe defaults for a laptop."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret(name: str, default: str | None = None) -> str | None:
    """A secret setting: the file named by `<name>_FILE`, else the variable `name`, else default.

    By file, the secret never enters a process's environment, which `/proc/<pid>/environ`
    shows to whatever runs as the same user (docs/operations.md, "Secrets"). A named file
    that cannot be read stops the start-up: a service must not run on a default instead.
    """
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise RuntimeError(f"{name}_FILE={path} cannot be read: {exc.strerror}") from None
        if not value:
            raise RuntimeError(f"{name}_FILE={path} is empty")
        return value
    return os.environ.get(name) or default


def load_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY (by file or from the environment), or one kept in the instance folder."""
    given = secret("SECRET_KEY")
    if given:
        return given
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs every session cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build_config(instance_path: str) -> dict:
    """Build the default configuration mapping for an instance folder."""
    default_db = "sqlite:///" + os.path.join(instance_path, "forlob.sqlite")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            secret("DATABASE_URL", default_db) or default_db),
        # hide_parameters: a database error's text never carries the values (patient data)
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "AUTO_MIGRATE": os.environ.get("FORLOB_AUTO_MIGRATE", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FORLOB_INSECURE_COOKIES", "0") != "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": os.environ.get("FORLOB_INSECURE_COOKIES", "0") != "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("FORLOB_SESSION_MINUTES", "30"))),
        "SESSION_MAX_HOURS": int(os.environ.get("FORLOB_SESSION_MAX_HOURS", "12")),
        "TRUSTED_PROXIES": int(os.environ.get("FORLOB_TRUSTED_PROXIES", "0")),
        "DEMO_MODE": os.environ.get("FORLOB_DEMO", "0") == "1",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        "LANGUAGES": ["da", "en"],
        "DEPLOY_ON_START": os.environ.get("FORLOB_DEPLOY_ON_START", "1") == "1",
        # Four eyes: a proposed pathway version needs a second process owner's approval.
        "FOUR_EYES": os.environ.get("FORLOB_FOUR_EYES", "1") != "0",
        "BPMN_DIR": str(Path(__file__).resolve().parent.parent / "bpmn"),
        # who answers accessibility feedback (shown on /tilgaengelighed)
        "ACCESSIBILITY_CONTACT_EMAIL": os.environ.get("FORLOB_A11Y_EMAIL", ""),
        "ACCESSIBILITY_CONTACT_PHONE": os.environ.get("FORLOB_A11Y_PHONE", ""),
        # the pathway markers' code table (JSON, shape of webui/markers/codes.json); empty: ours
        "MARKER_CODES_FILE": os.environ.get("FORLOB_MARKER_CODES_FILE", ""),
    }
