"""CSV cells are neutralised against formula injection (OWASP), numbers are left alone."""
from webui.dashboards.spreadsheet import csv_text, safe_cell


def test_formula_starts_get_a_leading_quote():
    for text in ("=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text


def test_plain_text_numbers_and_none_are_unchanged():
    assert safe_cell("Region Hovedstaden") == "Region Hovedstaden"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) == ""
    assert safe_cell("<5") == "<5"


def test_csv_text_has_a_bom_and_safe_cells():
    text = csv_text(["org", "name"], [["a", "=cmd|' /C calc'!A0"], ["b", None]])
    assert text.startswith("\ufeff") and "'=cmd" in text and ";\r\n" in text
