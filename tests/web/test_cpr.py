"""CPR numbers: birth date by the century digit, sex by the last digit."""
from datetime import date

import pytest

from webui.pathways import cpr


@pytest.mark.parametrize("number,born,sex", [
    ("010190-1235", date(1990, 1, 1), "M"),
    ("0202024234", date(2002, 2, 2), "K"),
    ("0202404234", date(1940, 2, 2), "K"),
    ("3112575999", date(2057, 12, 31), "M"),
    ("3112585999", date(1858, 12, 31), "M"),
])
def test_birth_date_and_sex(number, born, sex):
    assert cpr.birth_date(number) == born and cpr.sex(number) == sex


@pytest.mark.parametrize("number", ["", "12345", "abcdefghij", "3102901234", "0113901234"])
def test_invalid_numbers(number):
    with pytest.raises((ValueError, KeyError)):
        cpr.birth_date(number)
