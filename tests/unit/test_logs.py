"""Structured log lines carry no patient data: no CPR numbers, query strings or SQL values."""
import json
import logging
import sys

from webui.ops.logs import JsonFormatter, redact


def _line(msg, *args, exc_info=None, **extra):
    record = logging.LogRecord("forlob.test", logging.ERROR, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


def test_cpr_numbers_query_strings_and_sql_are_removed():
    text = redact("GET /patienter?q=0101901234 for 010190-1234 and 12 [SQL: UPDATE x] "
                  "[parameters: {'name': 'Bent'}]")
    assert "0101901234" not in text and "010190-1234" not in text and "Bent" not in text
    assert "[cpr]" in text and "?[…]" in text and "sql omitted" in text and " 12 " in text


def test_only_known_fields_and_exception_frames_without_message():
    try:
        raise ValueError("patient Bent Testesen 0101901234")
    except ValueError:
        line = _line("failed %s", "here", exc_info=sys.exc_info(), route="/x/<int:id>",
                     status=500, secret="do not copy")
    assert line["msg"] == "failed here" and line["route"] == "/x/<int:id>"
    assert line["exc_type"] == "ValueError" and line["frames"]
    assert "secret" not in line and "Bent" not in json.dumps(line)
