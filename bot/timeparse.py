"""The one natural-language time parser of the bot (meeting times, task deadlines, roster dates).

Everyday Chinese forms are parsed by the small grammar below because `dateparser` returns nothing
for most of them (明天下午3点, 下周一上午9点, 12月1日 14:30, 本周五, 两小时后, 月底 ...). Text with
no Chinese in it that the grammar does not know falls through to `dateparser` (English:
"tomorrow 3pm", "next monday 9am", "in 2 hours", "Dec 1 14:30").

The whole text must be understood; a half-understood phrase is refused rather than guessed.

Choices (the UI relies on them, so change them only together with the tests):

* Everything is read in the office zone passed as ``tz``; ``ParsedTime.when`` is UTC.
* A bare hour with no 上午/下午/凌晨... is read as office hours: 1–6 点 is the afternoon
  (3点 = 15:00), 7–11 the morning, 12 noon, 0 and 13–23 as written. Written with a leading zero
  ("03:00") it is taken literally, since nobody pads an hour they mean loosely.
* With a period word the hour must fit it: 下午3点 and 下午15:00 (common in notices) are both
  15:00, but 上午15点, 晚上3点, 上午12点 are refused as "ambiguous". 晚上12点 is midnight at the
  end of that day. 3点5 / 三点五 (3:05 or 3:50?) is "ambiguous"; 3点05, 3点5分, 三点十五 are not.
  中午 alone means 12:00; any other period word without an hour is refused ("ambiguous" after a
  date such as 明天下午, "unparsed" on its own such as 下午).
* The date is resolved first, by date alone, and today always counts as ahead: 周五 said on a
  Friday is today, 11月27日 said on Nov 27 is today, 月底 on the last day is today. The time is
  then applied and a result behind now is refused as "past" (rather than silently moved a week
  or a year on: the person probably made a slip, and the UI can suggest 下周五).
* Bare 周X is the coming one (today included); 本周X/这周X is the one in the current Monday-based
  week (may be past); 下周X is in next week; 下下周X the week after.
* N月N日 / M/D without a year is this year if still ahead, else next year; N号 is this month if
  still ahead, else next month (31号 said in November is Dec 31). A day that exists in neither
  (2月30日; 2月29日 outside leap years; 30号 said on Jan 31) is refused as "unparsed" rather than
  rolled further on.
* A time with no date (下午3点, 14:30) is its next occurrence: tomorrow when today's has passed
  (unless ``allow_past``, then today).
* N小时后 / N分钟后 / 半小时后 are exact (now + offset, seconds dropped). N天后 / 一周后 / N个月后
  give a date only.
* 周末, 下周, 月初, 月中, 上旬 ... are refused as "ambiguous": the UI asks for a day.
* When only a date is given, ``has_time`` is False and the time is ``default_time`` or, if None,
  09:00 (office start). "past" is then judged by the date alone, so 今天 is never past.
* English goes to dateparser with PREFER_DATES_FROM=future, so its conventions apply there
  (e.g. "friday" said on a Friday is next week's, "3:00" is 03:00).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "OFFICE_START",
    "OFFICE_TZ",
    "ParsedTime",
    "TimeParseError",
    "TimeParseReason",
    "parse_date",
    "parse_time",
]

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
OFFICE_START = time(9, 0)

TimeParseReason = Literal["unparsed", "past", "ambiguous"]


@dataclass(frozen=True)
class ParsedTime:
    when: datetime  # UTC-aware
    has_time: bool  # False when only a date was given; `when` then carries the default time
    text: str  # the input as given


class TimeParseError(ValueError):
    """The text could not be turned into a usable time. ``reason`` is machine-readable; the UI
    renders its own hint. ``when`` is the (UTC) result for reason "past", else None."""

    def __init__(self, reason: TimeParseReason, text: str, when: datetime | None = None) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason: TimeParseReason = reason
        self.text = text
        self.when = when


# ---------------------------------------------------------------------------------------------
# Chinese numerals

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"


def _to_int(s: str) -> int | None:
    """'12', '十二', '二十三', '零五', '二〇二六' -> int; None for malformed numerals."""
    if s.isascii() and s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        if len(head) > 1 or len(tail) > 1 or head in ("零", "〇"):
            return None
        tens = 1 if head == "" else _CN_DIGITS.get(head)
        units = 0 if tail == "" else _CN_DIGITS.get(tail)
        if tens is None or units is None:
            return None
        return tens * 10 + units
    value = 0
    for ch in s:
        digit = _CN_DIGITS.get(ch)
        if digit is None:
            return None
        value = value * 10 + digit
    return value


def _num(s: str) -> int:
    value = _to_int(s)
    if value is None:
        raise _Fail("unparsed")
    return value


# ---------------------------------------------------------------------------------------------
# Grammar pieces. Each date matcher is tried at the start of the remaining text.


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so 大后天 is not read as 大 + 后天 and 下下周 not as 下 + 下周.
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _skip(pattern: re.Pattern[str], s: str, pos: int) -> int:
    """End of an always-matching (optional) pattern at `pos`."""
    m = pattern.match(s, pos)
    return m.end() if m else pos


_DAY_WORDS: dict[str, tuple[int, str | None]] = {
    "今天": (0, None), "今日": (0, None), "明天": (1, None), "明日": (1, None),
    "后天": (2, None), "大后天": (3, None), "昨天": (-1, None), "昨日": (-1, None),
    "前天": (-2, None),
    "今晚": (0, "evening"), "今夜": (0, "evening"), "明晚": (1, "evening"),
    "今早": (0, "morning"), "今晨": (0, "morning"), "明早": (1, "morning"), "明晨": (1, "morning"),
}

_PERIOD_WORDS: dict[str, str] = {
    "凌晨": "dawn",
    "早上": "morning", "早晨": "morning", "清晨": "morning", "上午": "morning", "早": "morning",
    "中午": "noon", "正午": "noon",
    "下午": "afternoon", "午后": "afternoon",
    "傍晚": "dusk",
    "晚上": "evening", "晚间": "evening", "夜里": "evening", "夜间": "evening", "晚": "evening",
}

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK_MODS = {"本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
              "上": -1, "上个": -1}
_MONTH_MODS = {"本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下个": 2, "上": -1, "上个": -1}
_YEAR_MODS = {"今年": 0, "明年": 1, "后年": 2, "去年": -1}

_SEP = re.compile(r"[\s,的]*")
_RELATIVE_EXACT = re.compile(
    rf"(?:(?P<n>{_NUM})个?(?P<half>半)?|(?P<only_half>半)个?)"
    r"(?P<unit>小时|钟头|分钟|分)(?P<dir>以后|之后|后|以前|之前|前)"
)
_RELATIVE_DATE = re.compile(
    rf"(?P<n>{_NUM})(?P<ge>个)?(?P<unit>天|日|周|星期|礼拜|月|年)(?P<dir>以后|之后|后|以前|之前|前)"
)
_ISO_DATE = re.compile(
    r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)(?:t(?=\d))?"
)
_CN_DATE = re.compile(
    rf"(?:(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}})年|(?P<ry>{_alternation(_YEAR_MODS)}))?"
    rf"(?P<m>{_NUM})月(?P<d>{_NUM})[日号]"
)
_MONTH_DAY = re.compile(
    rf"(?:(?P<mod>{_alternation(_MONTH_MODS)})(?:个)?月)?(?P<d>{_NUM})[日号]"
)
_SLASH_DATE = re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![/\d])")
_WEEKDAY = re.compile(
    rf"(?P<mod>{_alternation(_WEEK_MODS)})?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天]|[1-7](?![\d:]))"
)
_VAGUE_WEEK = re.compile(rf"(?:{_alternation(_WEEK_MODS)})?(?:周末|周|星期|礼拜)")
_MONTH_END = re.compile(rf"(?P<mod>{_alternation(_MONTH_MODS)})?月?(?:月底|月末)")
_YEAR_END = re.compile(rf"(?P<ry>{_alternation(_YEAR_MODS)})?(?:年底|年末)")
_VAGUE_MONTH = re.compile(
    rf"(?:{_alternation(_MONTH_MODS)})?(?:个)?月?(?:月初|月中|上旬|中旬|下旬)|(?:今年|明年)?(?:年初|年中)"
)
_DAY_WORD = re.compile(_alternation(_DAY_WORDS))
_PERIOD = re.compile(_alternation(_PERIOD_WORDS))
_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?")
_CN_CLOCK = re.compile(
    rf"(?P<h>{_NUM})(?:点钟|点|时)"
    rf"(?:(?P<half>半)|(?P<q1>一刻)|(?P<q3>三刻)|整|(?P<mi>{_NUM})(?P<fen>分)?)?"
)
_SUFFIX = re.compile(r"(?:之前|以前|前|左右|整)?")
_CJK = re.compile(r"[\u2e80-\u9fff]")
_LATIN = re.compile(r"[a-z]")
_CJK_SPACE = re.compile(r"\s*([\u2e80-\u9fff])\s*")
# An English clock time that dateparser must have understood: if it reports no time anyway
# ("tomorrow at 25:00" -> tomorrow), it dropped part of the text.
_EN_CLOCK_HINT = re.compile(r"\d\s*(?::|am\b|pm\b|a\.m|p\.m|o'?clock)|\bnoon\b|\bmidnight\b")


class _Fail(Exception):
    def __init__(self, reason: TimeParseReason) -> None:
        super().__init__(reason)
        self.reason: TimeParseReason = reason


@dataclass
class _Grammar:
    """What the Chinese/numeric grammar found, in office-local terms."""

    day: date | None = None  # None: no date was named
    implied_period: str | None = None  # from 今晚/明早
    hour: int | None = None
    minute: int = 0
    extra_days: int = 0  # 晚上12点 is the next day's 00:00
    exact: datetime | None = None  # N小时后 / N分钟后: already absolute (UTC)


# ---------------------------------------------------------------------------------------------
# Date helpers


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def _month_start(d: date, months: int) -> date:
    return _add_months(d.replace(day=1), months)


def _month_last(d: date, months: int) -> date:
    first = _month_start(d, months)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Fail("unparsed") from None


def _year_of(match: re.Match[str], today: date) -> int | None:
    if match.group("y"):
        year = _num(match.group("y"))
        # A four-digit year outside this span is a typo, not a plan.
        if not 1900 <= year <= 2100:
            raise _Fail("unparsed")
        return year
    if match.group("ry"):
        return today.year + _YEAR_MODS[match.group("ry")]
    return None


def _next_month_day(month: int, day: int, today: date) -> date:
    """N月N日 with no year: this year if still ahead (today counts), else next year."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise _Fail("unparsed")
    this_year = _make_date(today.year, month, day)
    return this_year if this_year >= today else _make_date(today.year + 1, month, day)


# ---------------------------------------------------------------------------------------------
# The grammar


def _parse_date_part(s: str, pos: int, today: date, g: _Grammar) -> int:
    """Consume one date expression at `pos`, store it in `g`, return the new position."""
    if m := _RELATIVE_DATE.match(s, pos):
        n, unit = _num(m.group("n")), m.group("unit")
        # 3个月后 needs 个 (3月后 reads like "after March"); 3个天后 is not Chinese.
        if (unit == "月") != bool(m.group("ge")) and unit != "星期" and unit != "礼拜":
            raise _Fail("unparsed")
        if n <= 0:
            raise _Fail("unparsed")
        sign = -1 if m.group("dir").endswith("前") else 1
        if unit in ("天", "日"):
            g.day = today + timedelta(days=sign * n)
        elif unit in ("周", "星期", "礼拜"):
            g.day = today + timedelta(weeks=sign * n)
        elif unit == "月":
            g.day = _add_months(today, sign * n)
        else:
            g.day = _add_months(today, sign * 12 * n)
        return m.end()
    if m := _ISO_DATE.match(s, pos):
        year = int(m.group("y"))
        if not 1900 <= year <= 2100:
            raise _Fail("unparsed")
        g.day = _make_date(year, int(m.group("m")), int(m.group("d")))
        return m.end()
    if m := _CN_DATE.match(s, pos):
        month, day = _num(m.group("m")), _num(m.group("d"))
        year = _year_of(m, today)
        g.day = _next_month_day(month, day, today) if year is None else _make_date(year, month, day)
        return m.end()
    if m := _MONTH_DAY.match(s, pos):
        day = _num(m.group("d"))
        if not 1 <= day <= 31:
            raise _Fail("unparsed")
        if m.group("mod"):
            first = _month_start(today, _MONTH_MODS[m.group("mod")])
            g.day = _make_date(first.year, first.month, day)
        else:
            # N号: this month if still ahead, else next month; never further.
            this_month = _month_start(today, 0)
            try:
                candidate = this_month.replace(day=day)
            except ValueError:
                candidate = None
            if candidate is None or candidate < today:
                nxt = _month_start(today, 1)
                candidate = _make_date(nxt.year, nxt.month, day)
            g.day = candidate
        return m.end()
    if m := _SLASH_DATE.match(s, pos):
        g.day = _next_month_day(int(m.group("m")), int(m.group("d")), today)
        return m.end()
    if m := _WEEKDAY.match(s, pos):
        target = _WEEKDAYS[m.group("wd")]
        mod = m.group("mod")
        if mod is None:
            delta = (target - today.weekday()) % 7
        else:
            delta = 7 * _WEEK_MODS[mod] + target - today.weekday()
        g.day = today + timedelta(days=delta)
        return m.end()
    if _VAGUE_WEEK.match(s, pos) or _VAGUE_MONTH.match(s, pos):
        raise _Fail("ambiguous")
    if m := _MONTH_END.match(s, pos):
        g.day = _month_last(today, _MONTH_MODS[m.group("mod")] if m.group("mod") else 0)
        return m.end()
    if m := _YEAR_END.match(s, pos):
        year = today.year + (_YEAR_MODS[m.group("ry")] if m.group("ry") else 0)
        g.day = date(year, 12, 31)
        return m.end()
    if m := _DAY_WORD.match(s, pos):
        offset, period = _DAY_WORDS[m.group(0)]
        g.day = today + timedelta(days=offset)
        g.implied_period = period
        return m.end()
    return pos


def _resolve_hour(hour: int, period: str | None, padded: bool) -> tuple[int, int]:
    """(hour as said, period word) -> (24h hour, extra days). See the module docstring."""
    if hour > 24 or (hour == 24 and period is None):
        raise _Fail("unparsed")
    if period is None:
        if padded or hour == 0 or hour >= 12:
            return hour, 0
        return (hour + 12, 0) if hour <= 6 else (hour, 0)
    if period == "dawn" and 0 <= hour <= 6:
        return hour, 0
    if period == "morning" and 1 <= hour <= 11:
        return hour, 0
    if period == "noon":
        if hour in (11, 12, 13, 14):
            return hour, 0
        if hour in (1, 2):
            return hour + 12, 0
    if period == "afternoon":
        if 1 <= hour <= 11:
            return hour + 12, 0
        if 13 <= hour <= 19:
            return hour, 0
    if period == "dusk":
        if 4 <= hour <= 7:
            return hour + 12, 0
        if 16 <= hour <= 19:
            return hour, 0
    if period == "evening":
        if 5 <= hour <= 11:
            return hour + 12, 0
        if 17 <= hour <= 23:
            return hour, 0
        if hour in (0, 12, 24):
            return 0, 1
    raise _Fail("ambiguous")


def _parse_time_part(s: str, pos: int, g: _Grammar, *, date_only: bool) -> int:
    period = g.implied_period
    if m := _PERIOD.match(s, pos):
        said = _PERIOD_WORDS[m.group(0)]
        if period is not None and said != period:
            raise _Fail("ambiguous")  # 今晚上午3点
        period = said
        pos = _skip(_SEP, s, m.end())
    if m := _CLOCK.match(s, pos):
        raw_hour, minute = m.group("h"), int(m.group("mi"))
        padded = len(raw_hour) == 2 and raw_hour.startswith("0")
        hour = int(raw_hour)
        end = m.end()
    elif m := _CN_CLOCK.match(s, pos):
        raw_hour = m.group("h")
        padded = len(raw_hour) == 2 and raw_hour.startswith("0")
        hour = _num(raw_hour)
        if m.group("half"):
            minute = 30
        elif m.group("q1"):
            minute = 15
        elif m.group("q3"):
            minute = 45
        elif m.group("mi"):
            raw_minute = m.group("mi")
            minute = _num(raw_minute)
            # 3点5 / 三点五: 3:05 or 3:50? Two digits, 零五 or 分 make it clear.
            if not m.group("fen") and len(raw_minute) == 1:
                raise _Fail("ambiguous")
        else:
            minute = 0
        end = m.end()
    else:
        if period == "noon":
            g.hour, g.minute = 12, 0
            return pos
        if period is not None:
            if date_only and g.day is not None:
                return pos  # parse_date("今晚"): the day is all that is asked for
            raise _Fail("ambiguous" if g.day is not None else "unparsed")
        return pos
    if not 0 <= minute <= 59:
        raise _Fail("unparsed")
    g.hour, g.extra_days = _resolve_hour(hour, period, padded)
    g.minute = minute
    return end


def _parse_grammar(s: str, now: datetime, today: date, *, date_only: bool) -> _Grammar | None:
    """None when the text is not in the grammar at all; _Fail when it is but makes no sense."""
    if m := _RELATIVE_EXACT.fullmatch(s):
        if m.group("only_half"):
            minutes = 30
        else:
            n = _num(m.group("n"))
            per = 60 if m.group("unit") in ("小时", "钟头") else 1
            if m.group("half") and per == 1:
                raise _Fail("unparsed")  # 半分钟
            minutes = n * per + (30 if m.group("half") else 0)
        if minutes <= 0:
            raise _Fail("unparsed")
        sign = -1 if m.group("dir").endswith("前") else 1
        exact = now.replace(second=0, microsecond=0) + timedelta(minutes=sign * minutes)
        return _Grammar(exact=exact)

    g = _Grammar()
    pos = _parse_date_part(s, 0, today, g)
    pos = _skip(_SEP, s, pos)
    pos = _parse_time_part(s, pos, g, date_only=date_only)
    pos = _skip(_SUFFIX, s, pos)
    if pos == 0:
        return None
    if pos != len(s) or (g.day is None and g.hour is None):
        raise _Fail("unparsed")
    return g


# ---------------------------------------------------------------------------------------------
# English (and other languages) via dateparser


def _parse_dateparser(
    s: str, local_now: datetime, tz: ZoneInfo, languages: tuple[str, ...]
) -> tuple[datetime, bool]:
    from dateparser.date import DateDataParser  # slow import; only English needs it

    langs = [lang for lang in languages if lang != "zh"]
    if not langs or not _LATIN.search(s):
        raise _Fail("unparsed")
    parser = DateDataParser(
        languages=langs,
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    data = parser.get_date_data(s)
    # Anything coarser than a day ("may", "next week", "december 32" read as a year) is refused.
    if data.date_obj is None or data.period not in ("day", "time"):
        raise _Fail("unparsed")
    has_time = data.period == "time"
    if not has_time and _EN_CLOCK_HINT.search(s):
        raise _Fail("unparsed")
    result = data.date_obj
    if result.tzinfo is not None:
        result = result.astimezone(tz).replace(tzinfo=None)
    return result.replace(second=0, microsecond=0), has_time


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class _Resolved:
    local: datetime  # aware, in tz
    has_time: bool
    has_date: bool


def _resolve(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time | None,
    allow_past: bool,
    languages: tuple[str, ...],
    date_only: bool = False,
) -> _Resolved:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(tz)
    today = local_now.date()
    floor_now = local_now.replace(second=0, microsecond=0)
    s = unicodedata.normalize("NFKC", text).strip().lower()
    # People type "明天 下午 3 点"; spaces only matter between Latin/digit tokens (ISO, English).
    s = _CJK_SPACE.sub(r"\1", s)
    if not s:
        raise TimeParseError("unparsed", text)

    try:
        g: _Grammar | None = None
        if "zh" in languages or s.isascii():
            try:
                g = _parse_grammar(s, local_now, today, date_only=date_only)
            except _Fail as fail:
                # "14:30 tomorrow" starts like the grammar but is English: let dateparser try.
                if fail.reason != "unparsed" or _CJK.search(s):
                    raise
        if g is None:
            if _CJK.search(s):
                raise _Fail("unparsed")
            naive, has_time = _parse_dateparser(s, local_now, tz, languages)
            if not has_time:
                naive = datetime.combine(naive.date(), default_time or OFFICE_START)
            local = naive.replace(tzinfo=tz)
            has_date = True
        elif g.exact is not None:
            local, has_time, has_date = g.exact, True, False
        elif g.hour is None:
            assert g.day is not None
            local = datetime.combine(g.day, default_time or OFFICE_START, tzinfo=tz)
            has_time, has_date = False, True
        else:
            day = g.day if g.day is not None else today
            local = datetime.combine(
                day + timedelta(days=g.extra_days), time(g.hour, g.minute), tzinfo=tz
            )
            if g.day is None and local < floor_now and not allow_past:
                local += timedelta(days=1)  # a bare time is its next occurrence
            has_time, has_date = True, g.day is not None
    except _Fail as fail:
        raise TimeParseError(fail.reason, text) from None
    except (OverflowError, ValueError):
        # Offsets like 99999天后 run off the calendar.
        raise TimeParseError("unparsed", text) from None

    if not allow_past:
        past = local < floor_now if has_time else local.date() < today
        if past:
            raise TimeParseError("past", text, when=local.astimezone(UTC))
    return _Resolved(local=local, has_time=has_time, has_date=has_date)


def parse_time(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo = OFFICE_TZ,
    default_time: time | None = None,
    allow_past: bool = False,
    languages: tuple[str, ...] = ("zh", "en"),
) -> ParsedTime:
    """Read a time as people type it. Raises TimeParseError("unparsed" | "ambiguous" | "past").

    `now` must be aware. A date with no time gets `default_time` (09:00 if None) and
    has_time=False so the caller can tell and pick its own default instead.
    """
    r = _resolve(
        text, now=now, tz=tz, default_time=default_time, allow_past=allow_past,
        languages=languages,
    )
    return ParsedTime(when=r.local.astimezone(UTC), has_time=r.has_time, text=text)


def parse_date(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo = OFFICE_TZ,
    allow_past: bool = False,
    languages: tuple[str, ...] = ("zh", "en"),
) -> date:
    """Read a calendar day (roster dates): "10月1日", "2026-10-01", "明天", "下周三".

    Same rules as parse_time; a time in the text is allowed and dropped, but text naming no day
    at all ("3点", "两小时后") is refused as "unparsed". Today is never "past".
    """
    r = _resolve(
        text, now=now, tz=tz, default_time=None, allow_past=True, languages=languages,
        date_only=True,
    )
    if not r.has_date:
        raise TimeParseError("unparsed", text)
    day = r.local.date()
    if not allow_past and day < now.astimezone(tz).date():
        raise TimeParseError("past", text, when=r.local.astimezone(UTC))
    return day
