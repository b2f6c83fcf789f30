"""Dates written the way official Chinese documents print them: 二〇二六年十一月二十一日."""

from datetime import date

# Years are read digit by digit (二〇二六), so zero has its own character.
_YEAR_DIGITS = "〇一二三四五六七八九"
_UNITS = "零一二三四五六七八九"


def chinese_date(d: date, *, with_day: bool = True) -> str:
    """Return ``d`` as 二〇二六年十一月二十一日, or 二〇二六年十一月 when ``with_day`` is false."""
    year = "".join(_YEAR_DIGITS[int(digit)] for digit in f"{d.year:04d}")
    text = f"{year}年{_number_below_100(d.month)}月"
    if with_day:
        text += f"{_number_below_100(d.day)}日"
    return text


def _number_below_100(n: int) -> str:
    """Month and day numbers: 十 not 一十, 二十 not 二十零, 二十一."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return _UNITS[units]
    tens_part = "十" if tens == 1 else _UNITS[tens] + "十"
    return tens_part + (_UNITS[units] if units else "")
