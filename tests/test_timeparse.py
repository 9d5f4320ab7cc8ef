"""The time parser against real phrases. `now` is Friday 2026-11-27 10:00 in the office zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import ParsedTime, TimeParseError, parse_date, parse_time

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)  # a Friday


def local(
    text: str,
    now: datetime = NOW,
    *,
    default_time: time | None = None,
    allow_past: bool = False,
) -> tuple[str, bool]:
    """The parse as (local "YYYY-MM-DD HH:MM", has_time), so a failing case reads plainly."""
    parsed = parse_time(text, now=now, tz=TZ, default_time=default_time, allow_past=allow_past)
    return parsed.when.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), parsed.has_time


# (phrase, expected local time, has_time)
ACCEPTED: list[tuple[str, str, bool]] = [
    # day words, with and without a time
    ("明天下午3点", "2026-11-28 15:00", True),
    ("明天", "2026-11-28 09:00", False),
    ("今天下午5点半", "2026-11-27 17:30", True),
    ("后天上午10点", "2026-11-29 10:00", True),
    ("大后天", "2026-11-30 09:00", False),
    ("今晚8点", "2026-11-27 20:00", True),
    ("明早9点", "2026-11-28 09:00", True),
    ("明天早上8点半", "2026-11-28 08:30", True),
    ("明天中午", "2026-11-28 12:00", True),
    ("明天 下午 3 点", "2026-11-28 15:00", True),
    ("明天下午5点前", "2026-11-28 17:00", True),
    ("明天下午13点", "2026-11-28 13:00", True),  # redundant but consistent: taken as written
    ("明天凌晨2点", "2026-11-28 02:00", True),
    ("明天傍晚6点", "2026-11-28 18:00", True),
    ("明天下午8点", "2026-11-28 20:00", True),
    ("今晚12点", "2026-11-28 00:00", True),  # midnight at the end of today
    # weekdays (today is Friday)
    ("下周一上午9点", "2026-11-30 09:00", True),
    ("本周五", "2026-11-27 09:00", False),
    ("周五", "2026-11-27 09:00", False),
    ("周五下午3点", "2026-11-27 15:00", True),
    ("星期天", "2026-11-29 09:00", False),
    ("本周日", "2026-11-29 09:00", False),
    ("礼拜一", "2026-11-30 09:00", False),
    ("这个星期六", "2026-11-28 09:00", False),
    ("下周五", "2026-12-04 09:00", False),
    ("下个礼拜天", "2026-12-06 09:00", False),
    ("下下周三下午2点", "2026-12-09 14:00", True),
    ("周四", "2026-12-03 09:00", False),
    ("周1 14:00", "2026-11-30 14:00", True),
    ("周五前", "2026-11-27 09:00", False),
    # relative offsets
    ("两小时后", "2026-11-27 12:00", True),
    ("半小时后", "2026-11-27 10:30", True),
    ("一个半小时后", "2026-11-27 11:30", True),
    ("30分钟后", "2026-11-27 10:30", True),
    ("3天后", "2026-11-30 09:00", False),
    ("3天后下午3点", "2026-11-30 15:00", True),
    ("一周后", "2026-12-04 09:00", False),
    ("两个月后", "2027-01-27 09:00", False),
    # month ends and days of the month
    ("月底", "2026-11-30 09:00", False),
    ("月底前", "2026-11-30 09:00", False),
    ("下月底", "2026-12-31 09:00", False),
    ("年底", "2026-12-31 09:00", False),
    ("下个月5号", "2026-12-05 09:00", False),
    ("15号", "2026-12-15 09:00", False),  # the 15th of November has passed
    ("30号", "2026-11-30 09:00", False),
    ("27号下午4点", "2026-11-27 16:00", True),  # today counts
    # month and day, ISO, slashes
    ("12月1日 14:30", "2026-12-01 14:30", True),
    ("12月1号下午2点半", "2026-12-01 14:30", True),
    ("十二月一日上午十点", "2026-12-01 10:00", True),
    ("1月5日", "2027-01-05 09:00", False),  # next occurrence rolls into next year
    ("10月1日", "2027-10-01 09:00", False),
    ("2027年3月1日", "2027-03-01 09:00", False),
    ("明年3月1日", "2027-03-01 09:00", False),
    ("二〇二六年十二月一日", "2026-12-01 09:00", False),
    ("2026-12-01 14:30", "2026-12-01 14:30", True),
    ("2026-12-01T14:30", "2026-12-01 14:30", True),
    ("2026/12/1", "2026-12-01 09:00", False),
    ("12/1", "2026-12-01 09:00", False),
    ("12/1 9:30", "2026-12-01 09:30", True),
    # a time with no date: its next occurrence; office reading of bare hours
    ("3点", "2026-11-27 15:00", True),
    ("两点", "2026-11-27 14:00", True),
    ("十二点", "2026-11-27 12:00", True),
    ("下午3点", "2026-11-27 15:00", True),
    ("三点十五", "2026-11-27 15:15", True),
    ("3点05", "2026-11-27 15:05", True),
    ("14时30分", "2026-11-27 14:30", True),
    ("14:30", "2026-11-27 14:30", True),
    ("下午3:30", "2026-11-27 15:30", True),
    ("中午", "2026-11-27 12:00", True),
    ("9点", "2026-11-28 09:00", True),  # 09:00 today has passed
    ("03:00", "2026-11-28 03:00", True),  # a padded hour is literal
    ("8点", "2026-11-28 08:00", True),
    # full-width input
    ("１２月１日　１４：３０", "2026-12-01 14:30", True),
    # English through dateparser
    ("tomorrow 3pm", "2026-11-28 15:00", True),
    ("next monday 9am", "2026-11-30 09:00", True),
    ("in 2 hours", "2026-11-27 12:00", True),
    ("Dec 1 14:30", "2026-12-01 14:30", True),
    ("tomorrow", "2026-11-28 09:00", False),
    ("14:30 tomorrow", "2026-11-28 14:30", True),
    ("friday 15:00", "2026-12-04 15:00", True),  # dateparser's convention, not ours
]


@pytest.mark.parametrize(("text", "expected", "has_time"), ACCEPTED)
def test_accepted(text: str, expected: str, has_time: bool) -> None:
    assert local(text) == (expected, has_time)


# (phrase, reason)
REJECTED: list[tuple[str, str]] = [
    ("", "unparsed"),
    ("   ", "unparsed"),
    ("asdf", "unparsed"),
    ("下午", "unparsed"),
    ("32号", "unparsed"),
    ("13月1日", "unparsed"),
    ("2月30日", "unparsed"),
    ("2月29日", "unparsed"),  # no Feb 29 this year or next: not rolled to 2028
    ("25点", "unparsed"),
    ("3点60分", "unparsed"),
    ("2026-13-01", "unparsed"),
    ("明天下午3点到5点", "unparsed"),  # a range is not one time
    ("3月后", "unparsed"),  # "after March" or "in 3 months"
    ("may", "unparsed"),  # a month is not a day
    ("tomorrow at 25:00", "unparsed"),  # dateparser would silently drop the time
    ("3000年1月1日", "unparsed"),
    ("周15:00", "ambiguous"),  # which day of the week? (not 周1 + 5:00)
    ("1号楼", "unparsed"),  # extra words are never skipped
    ("上午15点", "ambiguous"),
    ("晚上3点", "ambiguous"),
    ("上午12点", "ambiguous"),
    ("3点5", "ambiguous"),  # 3:05 or 3:50
    ("明天下午", "ambiguous"),
    ("今晚", "ambiguous"),
    ("周末", "ambiguous"),
    ("下周", "ambiguous"),
    ("月初", "ambiguous"),
    ("下个月中旬", "ambiguous"),
    ("本周三", "past"),
    ("上周五", "past"),
    ("昨天", "past"),
    ("今天上午9点", "past"),
    ("周五上午9点", "past"),  # today is Friday: not silently moved to next week
    ("11月27日 9:00", "past"),  # not silently moved to next year
    ("2025-12-01", "past"),
    ("半小时前", "past"),
    ("3 hours ago", "past"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_rejected(text: str, reason: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time(text, now=NOW, tz=TZ)
    assert info.value.reason == reason
    assert info.value.text == text


def test_past_error_carries_the_resolved_time() -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time("今天上午9点", now=NOW, tz=TZ)
    assert info.value.when == datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(UTC)


def test_allow_past() -> None:
    assert local("本周三", allow_past=True) == ("2026-11-25 09:00", False)
    assert local("今天上午9点", allow_past=True) == ("2026-11-27 09:00", True)
    # A bare time is not rolled to tomorrow when the past is allowed.
    assert local("9点", allow_past=True) == ("2026-11-27 09:00", True)


def test_result_is_utc_and_keeps_the_text() -> None:
    parsed = parse_time("明天下午3点", now=NOW, tz=TZ)
    assert parsed == ParsedTime(
        when=datetime(2026, 11, 28, 7, 0, tzinfo=UTC), has_time=True, text="明天下午3点"
    )
    assert parsed.when.tzinfo == UTC


def test_default_time_applies_to_dates_only() -> None:
    assert local("明天", default_time=time(14, 0)) == ("2026-11-28 14:00", False)
    assert local("明天上午10点", default_time=time(14, 0)) == ("2026-11-28 10:00", True)


def test_today_as_a_date_is_never_past() -> None:
    # The default 09:00 is already behind 10:00, but the person named a day, not a time.
    assert local("今天") == ("2026-11-27 09:00", False)


def test_now_given_in_utc() -> None:
    utc_now = NOW.astimezone(UTC)  # 02:00 UTC: the local date is what counts
    assert local("明天", now=utc_now) == ("2026-11-28 09:00", False)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_time("明天", now=datetime(2026, 11, 27, 10, 0), tz=TZ)


def test_languages_without_english_skip_dateparser() -> None:
    with pytest.raises(TimeParseError):
        parse_time("tomorrow 3pm", now=NOW, tz=TZ, languages=("zh",))


# ---------------------------------------------------------------------------------------------
# Other `now`s: year roll-over, the end of the month, the Friday-on-Friday rule


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (datetime(2026, 12, 28, 10, 0, tzinfo=TZ), "1月5日", "2027-01-05 09:00"),
        (datetime(2026, 12, 28, 10, 0, tzinfo=TZ), "12月30日下午3点", "2026-12-30 15:00"),
        (datetime(2026, 12, 28, 10, 0, tzinfo=TZ), "下周一", "2027-01-04 09:00"),
        (datetime(2026, 12, 28, 10, 0, tzinfo=TZ), "5号", "2027-01-05 09:00"),
        (datetime(2026, 12, 28, 10, 0, tzinfo=TZ), "下个月底", "2027-01-31 09:00"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=TZ), "两小时后", "2027-01-01 01:30"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=TZ), "9点", "2027-01-01 09:00"),
        (datetime(2027, 1, 31, 10, 0, tzinfo=TZ), "月底", "2027-01-31 09:00"),
        (datetime(2027, 1, 31, 10, 0, tzinfo=TZ), "一个月后", "2027-02-28 09:00"),
        (datetime(2027, 1, 31, 10, 0, tzinfo=TZ), "下月底", "2027-02-28 09:00"),
        (datetime(2028, 1, 10, 10, 0, tzinfo=TZ), "2月29日", "2028-02-29 09:00"),
        # Sunday: 周五 is the coming one, 下周一 is tomorrow (weeks start on Monday)
        (datetime(2026, 11, 29, 10, 0, tzinfo=TZ), "周五", "2026-12-04 09:00"),
        (datetime(2026, 11, 29, 10, 0, tzinfo=TZ), "下周一", "2026-11-30 09:00"),
        # Saturday: 本周日 is tomorrow, 周五 is six days on
        (datetime(2026, 11, 28, 10, 0, tzinfo=TZ), "本周日", "2026-11-29 09:00"),
        (datetime(2026, 11, 28, 10, 0, tzinfo=TZ), "周五", "2026-12-04 09:00"),
    ],
)
def test_other_nows(now: datetime, text: str, expected: str) -> None:
    assert local(text, now=now)[0] == expected


def test_friday_on_friday() -> None:
    # Friday 10:00: 周五 is today; a time still ahead stays today, one behind is refused
    # rather than moved a week on (the UI can suggest 下周五).
    assert local("周五") == ("2026-11-27 09:00", False)
    assert local("周五下午3点") == ("2026-11-27 15:00", True)
    assert local("本周五16:00") == ("2026-11-27 16:00", True)
    with pytest.raises(TimeParseError) as info:
        parse_time("周五上午9点", now=NOW, tz=TZ)
    assert info.value.reason == "past"
    assert local("下周五上午9点") == ("2026-12-04 09:00", True)


def test_bare_time_rolls_to_tomorrow_once_passed() -> None:
    late = datetime(2026, 11, 27, 16, 0, tzinfo=TZ)
    assert local("下午3点", now=late) == ("2026-11-28 15:00", True)
    assert local("下午5点", now=late) == ("2026-11-27 17:00", True)


def test_far_offsets_do_not_crash() -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time("9999999天后", now=NOW, tz=TZ)
    assert info.value.reason == "unparsed"


# ---------------------------------------------------------------------------------------------
# parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10月1日", date(2027, 10, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/1", date(2026, 12, 1)),
        ("明天", date(2026, 11, 28)),
        ("今天", date(2026, 11, 27)),
        ("今晚", date(2026, 11, 27)),
        ("下周三", date(2026, 12, 2)),
        ("周五", date(2026, 11, 27)),
        ("12月1日 14:30", date(2026, 12, 1)),
        ("月底", date(2026, 11, 30)),
        ("next wednesday", date(2026, 12, 2)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, now=NOW, tz=TZ) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3点", "unparsed"),  # names no day
        ("两小时后", "unparsed"),
        ("32号", "unparsed"),
        ("下周", "ambiguous"),
        ("昨天", "past"),
        ("2026-10-01", "past"),
        ("本周一", "past"),
    ],
)
def test_parse_date_rejects(text: str, reason: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_date(text, now=NOW, tz=TZ)
    assert info.value.reason == reason


def test_parse_date_allow_past() -> None:
    assert parse_date("2026-10-01", now=NOW, tz=TZ, allow_past=True) == date(2026, 10, 1)
    assert parse_date("本周一", now=NOW, tz=TZ, allow_past=True) == date(2026, 11, 23)
