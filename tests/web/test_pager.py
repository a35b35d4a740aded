"""The one pager every paged list uses: links keep the list's arguments and drop empty ones."""
from flask import render_template_string

PAGER = '{% from "_pager.html" import pager %}{{ pager(page, pages, endpoint, args) }}'


def _render(app, **context):
    with app.test_request_context("/"):
        return render_template_string(PAGER, **context)


def test_a_middle_page_links_both_ways_keeping_the_lists_arguments(app):
    html = _render(app, page=2, pages=3, endpoint="admin.audit", args={"patient": "Ib", "user": None})
    assert 'rel="prev" href="/admin/audit?page=1&amp;patient=Ib"' in html
    assert 'rel="next" href="/admin/audit?page=3&amp;patient=Ib"' in html
    assert "user=" not in html and 'aria-label="Sider"' in html and "Side 2 af 3" in html


def test_the_first_and_last_pages_link_one_way_and_one_page_has_no_pager(app):
    first = _render(app, page=1, pages=2, endpoint="notices.inbox", args={"ulaeste": None})
    last = _render(app, page=2, pages=2, endpoint="notices.inbox", args={"ulaeste": 1})
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="/meddelelser/?page=1&amp;ulaeste=1"' in last
    assert 'rel="next"' not in last
    assert _render(app, page=1, pages=1, endpoint="pathways.patients", args={"q": "x"}).strip() == ""
