"""Danish CPR numbers: format check, birth date and sex."""
from datetime import date

# 7th digit → (two-digit years up to this limit, century) then the other century.
CENTURY_RULES = {
    **{d: ((99, 1900), (99, 1900)) for d in "0123"},
    **{d: ((36, 2000), (99, 1900)) for d in "49"},
    **{d: ((57, 2000), (99, 1800)) for d in "5678"},
}


def normalise(text: str) -> str:
    """Strip spaces and the dash from a CPR number."""
    return (text or "").replace("-", "").replace(" ", "").strip()


def birth_date(cpr: str) -> date:
    """The birth date encoded in a CPR number; ValueError when it is not a valid one."""
    cpr = normalise(cpr)
    if len(cpr) != 10 or not cpr.isdigit():
        raise ValueError("CPR must be 10 digits")
    day, month, yy = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6])
    (limit, century), (_, other) = CENTURY_RULES[cpr[6]]
    return date((century if yy <= limit else other) + yy, month, day)


def sex(cpr: str) -> str:
    """"M" for an odd last digit, "K" for an even one."""
    return "M" if int(normalise(cpr)[-1]) % 2 else "K"
