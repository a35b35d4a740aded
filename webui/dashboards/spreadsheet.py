"""CSV cells a spreadsheet will not run: formula injection neutralised as OWASP recommends."""
import csv
import io

# A cell starting with one of these is read as a formula (or shifts into one) by Excel,
# LibreOffice and Google Sheets; OWASP: prefix such a cell with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a CSV cell: text starting like a formula gets a leading quote; numbers stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header, rows):
    """A semicolon-separated CSV (with a BOM, so Excel reads UTF-8) of safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()
