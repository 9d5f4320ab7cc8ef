"""The holiday calendar against the real 2026 State Council arrangement (国办发明电〔2025〕7号)
and against a year the `holidays` package does not know (2027)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from bot.services.calendar import DayOverride, HolidayCalendar, HolidayPeriod


@pytest.fixture
def cal() -> HolidayCalendar:
    return HolidayCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


# ---------------------------------------------------------------------------------------------
# 2026, the official arrangement


@pytest.mark.parametrize(
    ("name_zh", "start", "end", "makeups"),
    [
        ("元旦", "2026-01-01", "2026-01-03", ("2026-01-04",)),
        ("春节", "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
        ("清明节", "2026-04-04", "2026-04-06", ()),
        ("劳动节", "2026-05-01", "2026-05-05", ("2026-05-09",)),
        ("端午节", "2026-06-19", "2026-06-21", ()),
        ("中秋节", "2026-09-25", "2026-09-27", ()),
        ("国庆节", "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
    ],
)
def test_2026_periods_match_the_official_notice(
    cal: HolidayCalendar, name_zh: str, start: str, end: str, makeups: tuple[str, ...]
) -> None:
    [period] = [p for p in cal.periods(d("2026-01-01"), d("2026-12-31")) if p.name_zh == name_zh]
    assert (period.start, period.end) == (d(start), d(end))
    assert period.makeup_workdays == tuple(d(m) for m in makeups)
    assert period.provisional is False


def test_2026_has_exactly_seven_periods(cal: HolidayCalendar) -> None:
    assert len(cal.periods(d("2026-01-01"), d("2026-12-31"))) == 7


def test_national_day_2026(cal: HolidayCalendar) -> None:
    [period] = cal.periods(d("2026-10-01"), d("2026-10-01"))
    assert period == HolidayPeriod(
        name_zh="国庆节",
        name_en="National Day",
        start=d("2026-10-01"),
        end=d("2026-10-07"),
        makeup_workdays=(d("2026-09-20"), d("2026-10-10")),
        provisional=False,
    )
    assert period.name == "国庆节"
    assert period.days == 7
    assert period.display_name("en") == "National Day"


@pytest.mark.parametrize(
    ("day", "workday", "holiday"),
    [
        ("2026-10-10", True, False),  # Saturday, 调休上班
        ("2026-09-20", True, False),  # Sunday, 调休上班
        ("2026-10-03", False, True),  # Saturday, 国庆节 itself
        ("2026-10-04", False, True),  # Sunday inside the block
        ("2026-10-07", False, True),  # Wednesday, 调休 day off
        ("2026-10-08", True, False),  # back to work
        ("2026-09-30", True, False),
        ("2026-02-14", True, False),  # Saturday before 春节, 调休上班
        ("2026-02-15", False, True),  # Sunday, first day of the 春节 block
        ("2026-02-28", True, False),  # Saturday, 调休上班
        ("2026-01-04", True, False),  # Sunday, 调休上班 for 元旦
        ("2026-11-28", False, False),  # an ordinary Saturday
        ("2026-11-27", True, False),  # an ordinary Friday
        ("2026-09-26", False, True),  # Saturday after 中秋节 (Friday): 与周末连休
    ],
)
def test_2026_days(cal: HolidayCalendar, day: str, workday: bool, holiday: bool) -> None:
    assert cal.is_workday(d(day)) is workday
    assert cal.is_rest_day(d(day)) is not workday
    assert cal.is_holiday(d(day)) is holiday


def test_holiday_names(cal: HolidayCalendar) -> None:
    assert cal.holiday_name(d("2026-10-01")) == "国庆节"
    assert cal.holiday_name(d("2026-10-01"), "en") == "National Day"
    assert cal.holiday_name(d("2026-10-05")) == "国庆节（补假）"
    assert cal.holiday_name(d("2026-02-16")) == "农历除夕"
    # A 调休 day off and a weekend inside the block take the period's name.
    assert cal.holiday_name(d("2026-10-07")) == "国庆节"
    assert cal.holiday_name(d("2026-10-04")) == "国庆节"
    assert cal.holiday_name(d("2026-02-20"), "en") == "Spring Festival"
    assert cal.holiday_name(d("2026-10-10")) is None
    assert cal.holiday_name(d("2026-11-28")) is None


def test_two_festivals_in_one_block(cal: HolidayCalendar) -> None:
    [period] = cal.periods(d("2025-10-01"), d("2025-10-08"))
    assert period.name_zh == "国庆节、中秋节"
    assert (period.start, period.end) == (d("2025-10-01"), d("2025-10-08"))
    assert period.makeup_workdays == (d("2025-09-28"), d("2025-10-11"))


def test_new_year_make_up_day_in_the_previous_december(cal: HolidayCalendar) -> None:
    # 2002's 元旦 was paid for by 2001-12-29/30, listed in the 2002 arrangement.
    assert cal.is_workday(d("2001-12-29"))
    [period] = cal.periods(d("2002-01-01"), d("2002-01-01"))
    assert period.makeup_workdays == (d("2001-12-29"), d("2001-12-30"))


def test_periods_found_from_a_weekend_touching_the_range(cal: HolidayCalendar) -> None:
    # The range is only the Sunday inside 国庆; the whole block comes back.
    [period] = cal.periods(d("2026-10-04"), d("2026-10-04"))
    assert (period.start, period.end) == (d("2026-10-01"), d("2026-10-07"))
    # The range is the Sunday ending 中秋's block, whose statutory day is before the range.
    [period] = cal.periods(d("2026-09-27"), d("2026-09-30"))
    assert period.name_zh == "中秋节"
    assert cal.periods(d("2026-11-01"), d("2026-11-30")) == []
    assert cal.periods(d("2026-12-01"), d("2026-11-01")) == []


def test_next_periods(cal: HolidayCalendar) -> None:
    during = cal.next_periods(d("2026-10-03"), count=2)
    assert [(p.name_zh, p.start) for p in during] == [
        ("国庆节", d("2026-10-01")),
        ("元旦", d("2027-01-01")),
    ]
    upcoming = cal.next_periods(d("2026-11-27"))
    assert [p.name_zh for p in upcoming] == ["元旦", "春节", "清明节"]
    assert all(p.provisional for p in upcoming)


# ---------------------------------------------------------------------------------------------
# Working-day arithmetic


def test_add_working_days_skips_national_day(cal: HolidayCalendar) -> None:
    assert cal.add_working_days(d("2026-09-30"), 1) == d("2026-10-08")
    assert cal.add_working_days(d("2026-09-29"), 2) == d("2026-10-08")
    # 10-10 is a make-up Saturday, so it counts.
    assert cal.add_working_days(d("2026-10-08"), 2) == d("2026-10-10")
    assert cal.add_working_days(d("2026-10-08"), 3) == d("2026-10-12")
    assert cal.add_working_days(d("2026-10-08"), -1) == d("2026-09-30")
    assert cal.add_working_days(d("2026-10-03"), 0) == d("2026-10-03")


def test_working_days_between(cal: HolidayCalendar) -> None:
    assert cal.working_days_between(d("2026-09-30"), d("2026-10-08")) == 1
    assert cal.working_days_between(d("2026-09-30"), d("2026-10-10")) == 3
    assert cal.working_days_between(d("2026-10-10"), d("2026-09-30")) == -3
    assert cal.working_days_between(d("2026-10-05"), d("2026-10-05")) == 0
    start = d("2026-09-14")
    for n in range(30):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


# ---------------------------------------------------------------------------------------------
# Years the package does not know


def test_2027_is_provisional_but_national_day_is_there(cal: HolidayCalendar) -> None:
    assert cal.year_known(2026)
    assert not cal.year_known(2027)
    assert cal.missing_years(d("2026-06-01"), d("2028-03-01")) == [2027, 2028]
    [period] = cal.periods(d("2027-10-01"), d("2027-10-01"))
    assert period.name_zh == "国庆节"
    assert period.provisional
    # Statutory days (Oct 1–3: Fri–Sun) only; the package's guessed 补假 days 10-04/05 are not
    # taken, so they stay workdays until admins enter the real arrangement.
    assert (period.start, period.end) == (d("2027-10-01"), d("2027-10-03"))
    assert period.makeup_workdays == ()
    assert cal.is_workday(d("2027-10-04"))
    # The Spring Festival statutory days (除夕 + 初一..初三) are still days off.
    [spring] = cal.periods(d("2027-02-06"), d("2027-02-06"))
    assert (spring.start, spring.end) == (d("2027-02-05"), d("2027-02-08"))


def test_overrides_for_2027_take_effect_at_once(cal: HolidayCalendar) -> None:
    assert cal.is_workday(d("2027-10-06"))
    assert cal.is_rest_day(d("2027-09-26"))
    cal.set_overrides(
        [
            DayOverride(d("2027-10-06"), "holiday", "国庆节放假"),
            DayOverride(d("2027-10-07"), "holiday", "国庆节放假"),
            DayOverride(d("2027-09-26"), "workday", "国庆节调休上班"),
        ]
    )
    assert cal.is_holiday(d("2027-10-06"))
    assert not cal.is_workday(d("2027-10-07"))
    assert cal.holiday_name(d("2027-10-06")) == "国庆节放假"
    assert cal.is_workday(d("2027-09-26"))
    assert not cal.is_holiday(d("2027-09-26"))
    assert cal.year_known(2027)  # a make-up workday means the arrangement was entered
    assert cal.missing_years(d("2027-01-01"), d("2027-12-31")) == []

    # Withdrawing the overrides withdraws their effect just as quickly.
    cal.set_overrides([])
    assert cal.is_workday(d("2027-10-06"))
    assert not cal.year_known(2027)


def test_full_2027_national_day_entered_by_admins(cal: HolidayCalendar) -> None:
    cal.set_overrides(
        [DayOverride(d(f"2027-10-0{n}"), "holiday", "国庆节") for n in (4, 5, 6, 7)]
        + [
            DayOverride(d("2027-09-26"), "workday", "调休上班"),  # no festival named: nearest
            DayOverride(d("2027-10-09"), "workday", "国庆节调休上班"),
        ]
    )
    [period] = cal.periods(d("2027-10-01"), d("2027-10-31"))
    assert period == HolidayPeriod(
        name_zh="国庆节",
        name_en="National Day",
        start=d("2027-10-01"),
        end=d("2027-10-07"),
        makeup_workdays=(d("2027-09-26"), d("2027-10-09")),
        provisional=False,
    )
    assert cal.add_working_days(d("2027-09-30"), 1) == d("2027-10-08")


def test_make_up_override_goes_to_the_festival_it_names(cal: HolidayCalendar) -> None:
    # 2026-style layout in 2027: a make-up Sunday nearer 中秋 than 国庆 but named for 国庆.
    cal.set_overrides([DayOverride(d("2027-09-19"), "workday", "国庆节调休上班")])
    by_name = {p.name_zh: p for p in cal.periods(d("2027-09-01"), d("2027-10-31"))}
    assert by_name["国庆节"].makeup_workdays == (d("2027-09-19"),)
    assert by_name["中秋节"].makeup_workdays == ()


def test_a_local_holiday_alone_does_not_make_a_year_known(cal: HolidayCalendar) -> None:
    cal.set_overrides([DayOverride(d("2027-03-12"), "holiday", "镇物资交流大会")])
    assert not cal.year_known(2027)
    [period] = cal.periods(d("2027-03-12"), d("2027-03-12"))
    # A Friday off joins the weekend after it.
    assert (period.name_zh, period.start, period.end) == (
        "镇物资交流大会", d("2027-03-12"), d("2027-03-14")
    )
    assert period.provisional


def test_override_wins_over_statutory_days(cal: HolidayCalendar) -> None:
    cal.set_overrides(
        [
            DayOverride(d("2026-10-02"), "workday", "值班"),
            DayOverride(d("2026-10-10"), "holiday", "补休"),
        ]
    )
    assert cal.is_workday(d("2026-10-02"))
    assert cal.holiday_name(d("2026-10-02")) is None
    assert not cal.is_workday(d("2026-10-10"))
    blocks = [(p.start, p.end) for p in cal.periods(d("2026-09-28"), d("2026-10-12"))]
    assert blocks == [
        (d("2026-10-01"), d("2026-10-01")),
        (d("2026-10-03"), d("2026-10-07")),
        (d("2026-10-10"), d("2026-10-11")),
    ]


def test_override_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="kind"):
        DayOverride(d("2027-10-06"), "vacation", "x")  # type: ignore[arg-type]


def test_constructor_takes_overrides() -> None:
    cal = HolidayCalendar([DayOverride(d("2027-10-06"), "holiday", "国庆节")])
    assert cal.is_holiday(d("2027-10-06"))
    assert cal.overrides == (DayOverride(d("2027-10-06"), "holiday", "国庆节"),)


@pytest.mark.parametrize("year", [1, 1949, 1990, 1999, 2040, 2100, 2101, 2500, 9999])
def test_far_years_do_not_crash(cal: HolidayCalendar, year: int) -> None:
    start, end = date(year, 1, 1), date(year, 12, 31)
    periods = cal.periods(start, end)
    assert all(p.provisional for p in periods)
    assert cal.missing_years(start, end) == [year]
    cal.next_periods(start)
    cal.is_holiday(date(year, 10, 1))
    cal.holiday_name(date(year, 10, 1))
    cal.working_days_between(start, end)
    if year < 9999:
        cal.add_working_days(start, 10)


def test_2040_still_has_the_festivals(cal: HolidayCalendar) -> None:
    names = {p.name_zh for p in cal.periods(d("2040-01-01"), d("2040-12-31"))}
    assert {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} <= names


def test_services_layer_stays_clean() -> None:
    source = Path(__file__).parents[1] / "bot" / "services" / "calendar.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"telegram", "sqlalchemy", "storage"}
