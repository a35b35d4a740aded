"""A per-user rate limit for the modeler's live checks (sliding window, per web process).

The live expression check compiles in the same sandbox workers that clinicians' clicks use;
without a limit, a few process owners' editors (or one hostile owner) can starve them.
"""
import threading
import time
from collections import defaultdict, deque

from flask import current_app

DEFAULT_PER_MINUTE = 60  # an editor checks as the owner types, debounced: about one a second
WINDOW_S = 60.0


class PerUserRate:
    """At most `per_minute` calls per user in any 60 s (config key overrides the default)."""

    def __init__(self, config_key, default=DEFAULT_PER_MINUTE):
        self.config_key = config_key
        self.default = default
        self._calls = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, username, now=None):
        """0 when the call may go ahead (and is counted), else seconds until it may."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return 0
        limit = int(current_app.config.get(self.config_key, self.default))
        now = time.monotonic() if now is None else now
        with self._lock:
            calls = self._calls[username]
            while calls and now - calls[0] >= WINDOW_S:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, int(WINDOW_S - (now - calls[0])) + 1)
            calls.append(now)
            return 0

    def reset(self):
        """Forget every user's calls (tests)."""
        with self._lock:
            self._calls.clear()
