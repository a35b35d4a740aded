"""Waiting for a state a started process should reach, never sleeping a fixed time."""
import time

import pytest


def until(check, what, log, seconds):
    """check()'s first truthy value within `seconds`; else fail with the log's tail."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen in {seconds} s; log:\n{log.read_text()[-3000:]}")
