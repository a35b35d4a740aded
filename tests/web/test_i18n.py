"""Danish by default; English selectable; clinical names stay Danish."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


@pytest.fixture(autouse=True)
def compiled_catalog():
    """The English catalogue compiled from the shipped .po (setup.sh does the same)."""
    folder = Path(__file__).resolve().parents[2] / "webui" / "translations" / "en" / "LC_MESSAGES"
    mo = folder / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < (folder / "messages.po").stat().st_mtime:
        with open(folder / "messages.po", "rb") as po, open(mo, "wb") as out:
            write_mo(out, read_po(po))


def test_danish_by_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="da">' in body and "Adgangskode" in body


def test_switch_to_english_and_back(client):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in body and "Password" in body and "Adgangskode" not in body
    client.post("/lang", data={"lang": "da"})
    assert "Adgangskode" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    assert client.post("/lang", data={"lang": "xx"}).status_code == 400
    assert '<html lang="da">' in client.get("/login").get_data(as_text=True)


def test_offsite_next_is_ignored(client):
    response = client.post("/lang", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_english_error_page_and_language_survives_logout(client, auth):
    client.post("/lang", data={"lang": "en"})
    auth.login("admin")
    assert "Page not found" in client.get("/nope").get_data(as_text=True)
    auth.logout()
    assert "Password" in client.get("/login").get_data(as_text=True)


def test_every_message_has_an_english_translation():
    po = Path(__file__).resolve().parents[2] / "webui/translations/en/LC_MESSAGES/messages.po"
    catalog = read_po(open(po, "rb"))
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str)
                                                           else all(m.string))]
    assert not untranslated, untranslated


def test_every_message_in_the_source_is_in_the_catalogue(tmp_path):
    """A new Danish text without an English entry fails here, not in front of a user."""
    root = Path(__file__).resolve().parents[2]
    catalog = read_po(open(root / "webui/translations/en/LC_MESSAGES/messages.po", "rb"))
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    methods = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
                "ngettext": (1, 2)}
    found = {msg if isinstance(msg, str) else msg[0]
             for _, _, msg, _, _ in extract_from_dir(root / "webui", methods, keywords=keywords)}
    assert found - known == set()
