"""The audit log reads as sentences, in Danish or English, with details for people (issue 26)."""
from webui.admin.audit_text import readable_detail


def test_audit_log_reads_as_danish_sentences_and_english_when_chosen(client, auth):
    auth.login("psyk.kbh")
    assert client.get("/").status_code == 200          # audited as view_worklist
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/audit?user=psyk.kbh").get_data(as_text=True)
    assert "psyk.kbh så arbejdslisten." in page, page[-3000:]
    assert "rækker: 0" in page and "filtre: side 1" in page, page[-3000:]
    assert "{&#39;" not in page and "filters=" not in page  # no Python dicts, no code keys
    client.post("/lang", data={"lang": "en"})
    english = client.get("/admin/audit?user=psyk.kbh").get_data(as_text=True)
    assert "psyk.kbh viewed the worklist." in english and "rows: 0" in english, english[-3000:]


def test_details_are_unpacked_and_unknown_text_is_kept(app):
    with app.test_request_context():
        assert readable_detail("filters={'page': 2, 'mine': '1'} rows=25") == \
            "filtre: side 2, kun mine 1; rækker: 25"
        assert readable_detail("code=enhed-x active=False") == "kode: enhed-x; aktiv: nej"
        assert readable_detail("job 7: 3 migrated, 0 failed") == "job 7: 3 migrated, 0 failed"
        assert readable_detail("") == ""
