"""Danish public holidays (helligdage), computed from Easter, for counting working days.

Computed in code rather than with the `holidays` package: the Danish list is short and
stable, Easter is one well-known algorithm, and a dependency for eleven dates a year is not
worth its upgrades. Store bededag is a holiday only up to 2023 (abolished by law from 2024).
Grundlovsdag, juleaftensdag and nytårsaftensdag are customary days off, not public holidays,
so they count as working days here (see docs/patient.md).
"""
from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """{date: Danish name} of the public holidays of a year."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "2. påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "2. juledag",
    }
    if year <= 2023:
        days[easter + timedelta(days=26)] = "Store bededag"
    return days


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The date `count` working days after `day` (weekends and public holidays skipped)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
