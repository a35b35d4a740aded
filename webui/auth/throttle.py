"""Login throttling by exponential back-off, never by lock-out.

Three counters, each over a sliding window (15 minutes by default):
- untrusted failures per username: guessing one account gets slower and slower;
- untrusted failures per address, and the number of distinct usernames an address failed
  on: spraying one password across many accounts gets slower too;
- trusted failures per username: a browser with the user's device cookie only answers for
  its own mistakes.
From the FREE-th failure on, each one doubles the wait (BASE seconds, at most CAP seconds)
before the next attempt is even checked. An attempt is recorded as a failure *before* its
password is checked and only then counted (``begin_attempt``): parallel guesses see each
other's rows, so they get no more checks than serial ones. The address counts only other
usernames' failures: one person's typos slow their own username, not the ward behind the NAT.
A browser with a valid device cookie skips the untrusted counters, so a stranger's guesses
cannot keep the real user out, nor colleagues behind the same address.
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


def _address_stats(source, username, *conditions):
    """(count, newest) of an address's failures on other usernames, each counting at most FREE.

    Counted per address x username first: one colleague's typos on their own name are slowed
    by their own counter and add at most the free allowance to the ward's shared address.
    """
    rows = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.at >= _window_start(), LoginFailure.source == source,
            LoginFailure.username != username, *conditions).group_by(LoginFailure.username)).all()
    free = max(1, _setting("LOGIN_FREE_FAILURES"))
    newest = max((aware(at) for _, at in rows if at is not None), default=None)
    return sum(min(count, free) for count, _ in rows), newest


def _others(attempt_id):
    """Rows other than this attempt's own (all rows when there is none)."""
    return LoginFailure.id != attempt_id if attempt_id is not None else LoginFailure.id.isnot(None)


def _remaining(stats, now, free_setting="LOGIN_FREE_FAILURES") -> float:
    """Seconds left of the back-off earned by (count, newest) failures."""
    count, newest = stats
    if not count or newest is None:
        return 0.0
    return max(0.0, _backoff(count, _setting(free_setting)) - (now - newest).total_seconds())


def wait_seconds(username: str, source: str, trusted: bool, attempt_id: int | None = None) -> int:
    """How many seconds this attempt must wait before the password is checked (0: go ahead)."""
    if not _enabled():
        return 0
    now = utcnow()
    others = _others(attempt_id)
    if trusted:
        waits = [_remaining(_stats(LoginFailure.username == username,
                                   LoginFailure.trusted.is_(True), others), now)]
    else:
        untrusted = LoginFailure.trusted.is_(False)
        # per username over all addresses (spraying across addresses is slowed per username);
        # per address only other usernames' failures (a ward is not punished for one typist)
        waits = [_remaining(_stats(LoginFailure.username == username, untrusted, others), now),
                 _remaining(_address_stats(source, username, untrusted, others), now,
                            "LOGIN_FREE_PER_ADDRESS")]
        spread = db.session.scalar(select(func.count(distinct(LoginFailure.username))).where(
            LoginFailure.at >= _window_start(), LoginFailure.source == source, untrusted, others))
        if spread >= _setting("LOGIN_SPRAY_USERNAMES"):
            # spraying: every further untrusted attempt from the address waits the cap
            _, newest = _stats(LoginFailure.source == source, untrusted, others)
            waits.append(max(0.0, _setting("LOGIN_BACKOFF_CAP_S") - (now - newest).total_seconds()))
    wait = max(waits)
    return int(wait) + (1 if wait % 1 else 0)


def begin_attempt(username: str, source: str, trusted: bool) -> tuple[int | None, int]:
    """(attempt id, seconds to wait): the attempt is stored as a failure first, then counted.

    The row is committed before the count, so of any number of parallel attempts at most as
    many pass as serial ones would: the last of them to count sees all the others' rows.
    A refused attempt's row is removed again (waiting must not lengthen the wait); a good
    password removes it in ``clear_failures``; a bad one leaves it as the failure.
    """
    if not _enabled():
        return None, 0
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < _window_start()))
    row = LoginFailure(username=username[:80], source=(source or "")[:64], trusted=trusted)
    db.session.add(row)
    db.session.commit()
    attempt_id = row.id
    wait = wait_seconds(username, source, trusted, attempt_id)
    if wait:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        db.session.commit()
    return attempt_id, wait


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
