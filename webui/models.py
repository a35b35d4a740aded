"""Tables owned by the web layer: organisations and staff accounts."""
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webui.extensions import db
from webui.passwords import check_password, hash_password


def utcnow():
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


class Organisation(db.Model):
    """A region's psychiatry, a municipality's substance treatment, or a treatment unit under one.

    Regions and municipalities are reference data (migration 0500, `webui/orgdata.py`) with
    their official codes; administrators add treatment units (kind "unit") under them.
    """

    __tablename__ = "organisation"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # "region", "municipality" or "unit"
    region: Mapped[str] = mapped_column(String(64))
    official_code: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("organisation.code"),
                                                    nullable=True, index=True)
    short_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(UserMixin, db.Model):
    """A staff account with a hashed password, one organisation and some roles."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"))
    roles_csv: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    organisation: Mapped[Organisation] = relationship()

    @property
    def roles(self) -> set[str]:
        """The user's role names."""
        return {r for r in self.roles_csv.split(",") if r}

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password(self.password_hash, password)

    @property
    def is_active(self):
        return self.active


class LoginFailure(db.Model):
    """One failed login, kept for throttling (per username and per IP address)."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # A failure from a browser that holds a valid device cookie for this username.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)


class UserSession(db.Model):
    """A login session kept on the server, so logging out or an administrator can end it."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the random token kept in the signed cookie: a database leak yields no cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source: Mapped[str] = mapped_column(String(64), default="")


class AppSetting(db.Model):
    """A small named setting shared by every process (for example the demo clock's offset)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class DryRunJob(db.Model):
    """A migration dry run over many pathways, run by the timer worker's owner lane with its
    progress, never in a web request (`webui/modeler/dry_run_jobs.py`)."""

    __tablename__ = "dry_run_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(80), index=True)
    target_version_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)     # pathways to dry-run
    done: Mapped[int] = mapped_column(Integer, default=0)      # pathways dry-run so far
    groups: Mapped[list] = mapped_column(JSON, default=list)   # grouped verdicts when done
    message: Mapped[str] = mapped_column(String(500), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ValidationJob(db.Model):
    """A process owner's validation (rules and every scenario) of base + changes, run by the
    timer worker's owner lane, never in a web request (`webui/modeler/validation_jobs.py`)."""

    __tablename__ = "validation_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(80), index=True)
    base_version_id: Mapped[int] = mapped_column(Integer)
    files: Mapped[dict] = mapped_column(JSON, default=dict)    # the changed files only
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)     # scenarios to run
    done: Mapped[int] = mapped_column(Integer, default=0)      # scenarios run so far
    ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    scenarios: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(String(500), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UnlockLink(db.Model):
    """A one-time link an administrator hands a user, so a fresh browser gets past throttling."""

    __tablename__ = "unlock_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # SHA-256 of the random token in the link: a database leak yields no usable link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # wrong passwords typed through the link: at MAX_FAILURES the link is spent
    failures: Mapped[int] = mapped_column(Integer, default=0)
