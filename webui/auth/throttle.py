"""Login throttling by exponential back-off, never by lock-out.

Three counters, each over a sliding window (15 minutes by default):
- untrusted failures per username: guessing one account gets slower and slower;
- untrusted failures per address, and the number of distinct usernames an address failed
  on: spraying one password across many accounts gets slower too;
- trusted failures per username: a browser with the user's device cookie only answers for
  its own mistakes.
From the FREE-th failure on, each one doubles the wait (BASE seconds, at most CAP seconds)
before the next attempt is even checked. A browser with a valid device cookie skips the
untrusted counters, so a stranger's guesses cannot keep the real user out, nor colleagues
behind the same address.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, distinct, func, select

from webui.common.timeutil import aware
from webui.extensions import db
from webui.models import LoginFailure, utcnow

DEFAULTS = {
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_FREE_FAILURES": 3,     # failures of one account allowed before any wait
    "LOGIN_FREE_PER_ADDRESS": 10,  # an address may be a ward's shared NAT: more typos allowed
    "LOGIN_BACKOFF_BASE_S": 2,    # the first wait
    "LOGIN_BACKOFF_CAP_S": 300,   # the longest wait
    "LOGIN_SPRAY_USERNAMES": 5,   # distinct usernames from one address that count as spraying
}


def _setting(name):
    """A throttling setting from the app config, else the default."""
    return current_app.config.get(name, DEFAULTS[name])


def _enabled() -> bool:
    """True unless RATELIMIT_ENABLED is set to False."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _window_start():
    return utcnow() - timedelta(minutes=_setting("LOGIN_WINDOW_MINUTES"))


def _backoff(failures: int, free: int) -> float:
    """Seconds to wait after `failures` failures when `free` of them cost nothing."""
    extra = failures - free
    if extra < 0:
        return 0.0
    return float(min(_setting("LOGIN_BACKOFF_CAP_S"), _setting("LOGIN_BACKOFF_BASE_S") * 2 ** min(extra, 30)))


def _stats(*conditions):
    """(count, newest time) of recent failures matching the conditions."""
    count, newest = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.at >= _window_start(), *conditions)).one()
    return count, aware(newest)


def _remaining(stats, now, free_setting="LOGIN_FREE_FAILURES") -> float:
    """Seconds left of the back-off earned by (count, newest) failures."""
    count, newest = stats
    if not count or newest is None:
        return 0.0
    return max(0.0, _backoff(count, _setting(free_setting)) - (now - newest).total_seconds())


def wait_seconds(username: str, source: str, trusted: bool) -> int:
    """How many seconds this attempt must wait before the password is checked (0: go ahead)."""
    if not _enabled():
        return 0
    now = utcnow()
    if trusted:
        waits = [_remaining(_stats(LoginFailure.username == username,
                                   LoginFailure.trusted.is_(True)), now)]
    else:
        untrusted = LoginFailure.trusted.is_(False)
        waits = [_remaining(_stats(LoginFailure.username == username, untrusted), now),
                 _remaining(_stats(LoginFailure.source == source, untrusted), now,
                            "LOGIN_FREE_PER_ADDRESS")]
        spread = db.session.scalar(select(func.count(distinct(LoginFailure.username))).where(
            LoginFailure.at >= _window_start(), LoginFailure.source == source, untrusted))
        if spread >= _setting("LOGIN_SPRAY_USERNAMES"):
            # spraying: every further untrusted attempt from the address waits the cap
            _, newest = _stats(LoginFailure.source == source, untrusted)
            waits.append(max(0.0, _setting("LOGIN_BACKOFF_CAP_S") - (now - newest).total_seconds()))
    wait = max(waits)
    return int(wait) + (1 if wait % 1 else 0)


def record_failure(username: str, source: str, trusted: bool) -> None:
    """Remember a failed login and drop entries older than the window."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < _window_start()))
    db.session.add(LoginFailure(username=username[:80], source=(source or "")[:64],
                                trusted=trusted))
    db.session.commit()


def clear_failures(username: str, source: str) -> None:
    """Forget a username's failures from this address after a good login.

    Failures from elsewhere stay: a correct password from one place must not reset the
    back-off a guesser earned from another.
    """
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                  LoginFailure.source == (source or "")[:64]))
    db.session.commit()
