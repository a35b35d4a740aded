"""Structured log lines carry no patient data: no CPR numbers, query strings or SQL values."""
import io
import json
import logging
import sys

from webui.ops.logs import CprMask, JsonFormatter, redact


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


def test_plain_text_handlers_mask_cpr_numbers_in_messages_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(CprMask())
    log = logging.getLogger("forlob.test.plain")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise ValueError("no patient with CPR 010190-1234")
    except ValueError:
        log.exception("GET %s failed", "/patienter?q=0101901234")
    text = stream.getvalue()
    assert "ValueError" in text and "[cpr]" in text and "?[…]" in text
    assert "010190-1234" not in text and "0101901234" not in text
