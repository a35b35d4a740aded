"""The running app shows its login page in a real Chromium."""
import pytest

pytestmark = pytest.mark.browser


def test_login_page_in_chromium(live_server, page):
    page.goto(live_server + "/")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "Log ind"
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
