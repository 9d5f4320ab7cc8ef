"""Which days the office works: statutory holidays, 调休 make-up workdays and admin overrides.

Sources, in order of precedence:

1. Admin overrides (kept in the DB by other code and handed in as plain data). "holiday" is a
   day off (a local day off, a major-event day, or next year's official days off entered by
   hand); "workday" is a day worked (a 调休 make-up Saturday/Sunday). They win over everything.
2. The `holidays` package. For the years whose official State Council arrangement it carries
   (the keys of ``ChinaStaticHolidays.special_public_holidays``) it knows the days off, the
   补假 days and the make-up workdays exactly.
3. For any other year the package can only compute the festivals. There we take the statutory
   festival days themselves (元旦 1, 春节 除夕+3 since 2025, 清明 1, 劳动节 2, 端午 1, 中秋 1,
   国庆 3) and drop the package's "observed" days: those are its guess at the arrangement, and a
   wrong guess would make a workday look like a day off, which is worse than missing a day off
   (a chaser firing on a holiday can be ignored, a deadline on a real workday cannot). Periods
   of such years are marked provisional and `missing_years` lists them so the UI can ask
   admins to enter the official arrangement once it is published (usually in November).
   Outside the package's range (1950–2100) there are no statutory days at all; nothing
   crashes.

A *holiday period* is the block people actually get off: the statutory days plus every rest
day (weekend or 调休 day off) touching them, stopping at the first workday. So 中秋节 on a
Friday is Fri–Sun, and `is_holiday` is True for that Saturday and Sunday too: they are part of
the holiday (duty rosters call them 节假日), unlike an ordinary weekend.

A year counts as *known* when the package carries its arrangement, or when admins have entered
at least one "workday" override in it. Only a make-up workday shows that someone entered the
official arrangement: a "holiday" override alone is usually a local day off and says nothing
about the national calendar. (Every official arrangement since 2001 has make-up workdays.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.china import ChinaStaticHolidays

__all__ = [
    "DayOverride",
    "HolidayCalendar",
    "HolidayPeriod",
    "OverrideKind",
]

log = logging.getLogger(__name__)

OverrideKind = Literal["holiday", "workday"]

_ONE_DAY = timedelta(days=1)
# Walking over rest days or searching for workdays must end even if overrides mark months off.
_MAX_WALK_DAYS = 3 * 366


@dataclass(frozen=True)
class DayOverride:
    """One admin-entered day. Kept in the DB elsewhere; this module only receives them."""

    day: date
    kind: OverrideKind  # "holiday": a day off; "workday": a 调休 make-up workday
    name: str

    def __post_init__(self) -> None:
        if self.kind not in ("holiday", "workday"):
            raise ValueError(f"DayOverride.kind must be 'holiday' or 'workday', not {self.kind!r}")


@dataclass(frozen=True)
class HolidayPeriod:
    name_zh: str  # "国庆节"; two festivals in one block: "国庆节、中秋节"
    name_en: str  # "National Day"; "National Day & Mid-Autumn Festival"
    start: date
    end: date  # inclusive; the whole block off, weekends inside it included
    makeup_workdays: tuple[date, ...]  # the 调休上班 days paying for this block, sorted
    provisional: bool  # the year's official arrangement is not known: computed festivals only

    @property
    def name(self) -> str:
        return self.name_zh

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def display_name(self, lang: str = "zh") -> str:
        return self.name_en if _is_en(lang) else self.name_zh


# ---------------------------------------------------------------------------------------------
# What the package says about one year (cached: the package data never changes at runtime)

# Package name of a festival day (observed/estimated suffixes stripped) -> the festival it
# belongs to, for naming periods. 除夕 is part of 春节's block, not a festival of its own.
_FESTIVALS: dict[str, tuple[str, str]] = {
    "元旦": ("元旦", "New Year's Day"),
    "农历除夕": ("春节", "Spring Festival"),
    "春节": ("春节", "Spring Festival"),
    "春节延长假期": ("春节", "Spring Festival"),
    "清明节": ("清明节", "Qingming Festival"),
    "劳动节": ("劳动节", "Labour Day"),
    "端午节": ("端午节", "Dragon Boat Festival"),
    "中秋节": ("中秋节", "Mid-Autumn Festival"),
    "国庆节": ("国庆节", "National Day"),
}
_ZH_SUFFIXES = ("（补假，推定）", "（补假）", "（推定）")
_EN_SUFFIXES = (" (observed, estimated)", " (observed)", " (estimated)")
_SUBSTITUTED_ZH = "休息日"  # "休息日（由 2026-01-04 调休）": a 调休 day off, no festival of its own


def _known_package_years() -> frozenset[int]:
    table = getattr(ChinaStaticHolidays, "special_public_holidays", {})
    return frozenset(year for year in table if isinstance(year, int))


_PACKAGE_YEARS = _known_package_years()


@dataclass(frozen=True)
class _DayOff:
    name_zh: str  # the package's own name, for holiday_name ("农历除夕", "国庆节（补假）")
    name_en: str
    festivals: tuple[tuple[str, str], ...]  # (zh, en) festivals this day belongs to; () for 调休


@dataclass(frozen=True)
class _YearData:
    days_off: Mapping[date, _DayOff]
    makeups: frozenset[date]  # make-up workdays listed by this year's arrangement (may be Y-1)
    makeup_for: Mapping[date, date]  # 调休 day off -> the make-up workday that pays for it


def _strip(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        name = name.removesuffix(suffix)
    return name


def _festivals_of(name_zh: str, name_en: str) -> tuple[tuple[str, str], ...]:
    if name_zh.startswith(_SUBSTITUTED_ZH):
        return ()
    # Two festivals on one day come as "中秋节; 国庆节" / "Mid-Autumn Festival; National Day".
    parts_zh = name_zh.split("; ")
    parts_en = name_en.split("; ")
    if len(parts_en) != len(parts_zh):
        parts_en = parts_zh
    found: list[tuple[str, str]] = []
    for zh, en in zip(parts_zh, parts_en, strict=True):
        base_zh, base_en = _strip(zh, _ZH_SUFFIXES), _strip(en, _EN_SUFFIXES)
        festival = _FESTIVALS.get(base_zh, (base_zh, base_en))
        if festival not in found:
            found.append(festival)
    return tuple(found)


@lru_cache(maxsize=256)
def _package_year(year: int) -> _YearData:
    known = year in _PACKAGE_YEARS
    try:
        # Observed (补假) days only where the official arrangement is known; elsewhere they are
        # the package's guess (see the module docstring).
        zh = holidays.China(years=year, language="zh_CN", observed=known)
        en = holidays.China(years=year, language="en_US", observed=known)
    except Exception:  # the package has limits (lunar tables); a calendar must still answer
        log.warning("holidays package failed for %s; using weekends only", year, exc_info=True)
        return _YearData(MappingProxyType({}), frozenset(), MappingProxyType({}))

    days_off: dict[date, _DayOff] = {}
    for day, name_zh in zh.items():
        if day.year != year:
            continue
        name_en = en.get(day) or name_zh
        days_off[day] = _DayOff(name_zh, name_en, _festivals_of(name_zh, name_en))

    # `weekend_workdays` is the package's public answer; it also carries a few stray dates from
    # other years' tables, so keep only what this year's arrangement can list (Y and Y-1: the
    # 元旦 make-up day may fall in late December of the year before).
    makeups: frozenset[date] = frozenset()
    if known:
        listed = getattr(zh, "weekend_workdays", ())
        makeups = frozenset(d for d in listed if d.year in (year, year - 1))

    # Which day off each make-up day pays for, from the package's table of
    # (to_month, to_day, from_month, from_day[, from_year]) entries.
    makeup_for: dict[date, date] = {}
    if known:
        for entry in ChinaStaticHolidays.special_public_holidays.get(year, ()):
            if len(entry) < 4 or not all(isinstance(x, int) for x in entry):
                continue
            to_month, to_day, from_month, from_day, *rest = entry
            try:
                off = date(year, to_month, to_day)
                worked = date(rest[0] if rest else year, from_month, from_day)
            except ValueError:
                continue
            if worked in makeups:
                makeup_for[off] = worked
    return _YearData(MappingProxyType(days_off), makeups, MappingProxyType(makeup_for))


def _is_en(lang: str) -> bool:
    return lang.lower().startswith("en")


def _days(start: date, end: date) -> Iterator[date]:
    """start..end inclusive; stops at date.max rather than overflowing."""
    day = start
    while day <= end:
        yield day
        if day == date.max:
            return
        day += _ONE_DAY


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Overrides:
    by_day: Mapping[date, DayOverride]
    workday_years: frozenset[int]  # years with a make-up workday entered: arrangement known

    @classmethod
    def of(cls, overrides: Iterable[DayOverride]) -> _Overrides:
        by_day = {o.day: o for o in overrides}
        years = frozenset(day.year for day, o in by_day.items() if o.kind == "workday")
        return cls(MappingProxyType(by_day), years)


class HolidayCalendar:
    """The office calendar. Synchronous and cheap; safe to call per request.

    Overrides are replaced as a whole by `set_overrides` (the caller reloads them from the DB
    after an admin edit); the change is visible to the very next call. If two overrides name
    the same day, the last one wins.
    """

    def __init__(self, overrides: Iterable[DayOverride] = ()) -> None:
        self._state = _Overrides.of(overrides)

    def set_overrides(self, overrides: Iterable[DayOverride]) -> None:
        # One assignment, so a reader on another thread never sees half an update.
        self._state = _Overrides.of(overrides)

    @property
    def _overrides(self) -> Mapping[date, DayOverride]:
        return self._state.by_day

    @property
    def overrides(self) -> tuple[DayOverride, ...]:
        return tuple(sorted(self._overrides.values(), key=lambda o: o.day))

    # --- single days -----------------------------------------------------------------------

    def _statutory(self, d: date) -> _DayOff | None:
        return _package_year(d.year).days_off.get(d)

    def _package_makeup(self, d: date) -> bool:
        # The 元旦 make-up day of year Y+1 can sit in late December of Y.
        return d in _package_year(d.year).makeups or d in _package_year(d.year + 1).makeups

    def _is_day_off(self, d: date) -> bool:
        """A named day off: statutory (incl. 调休 days off) or an admin "holiday"."""
        override = self._overrides.get(d)
        if override is not None:
            return override.kind == "holiday"
        return self._statutory(d) is not None

    def is_workday(self, d: date) -> bool:
        """Mon–Fri unless a day off; Sat/Sun only as a 调休 make-up workday. Overrides win."""
        override = self._overrides.get(d)
        if override is not None:
            return override.kind == "workday"
        if self._statutory(d) is not None:
            return False
        if d.weekday() >= 5:
            return self._package_makeup(d)
        return True

    def is_rest_day(self, d: date) -> bool:
        return not self.is_workday(d)

    def is_holiday(self, d: date) -> bool:
        """True on every day of a holiday period (see the module docstring) and on admin days off;
        False on workdays and on ordinary weekends."""
        return self._block_around(d) is not None

    def holiday_name(self, d: date, lang: str = "zh") -> str | None:
        """The day's own name ("农历除夕", "国庆节（补假）", an admin's name), or for a 调休 day off
        or a weekend inside a period the period's name. None when not a holiday."""
        override = self._overrides.get(d)
        if override is not None:
            return override.name if override.kind == "holiday" else None
        statutory = self._statutory(d)
        if statutory is not None and statutory.festivals:
            if _is_en(lang):
                return statutory.name_en
            return statutory.name_zh.replace("; ", "、")
        block = self._block_around(d)
        if block is None:
            return None
        return self._period(*block).display_name(lang)

    # --- years -----------------------------------------------------------------------------

    def year_known(self, year: int) -> bool:
        return year in _PACKAGE_YEARS or year in self._state.workday_years

    def missing_years(self, start: date, end: date) -> list[int]:
        """Years in [start, end] whose official arrangement is not known (periods provisional)."""
        return [y for y in range(start.year, end.year + 1) if not self.year_known(y)]

    # --- periods ---------------------------------------------------------------------------

    def _walk(self, d: date, step: timedelta) -> date:
        """The last rest day reached from `d` going by `step` over consecutive rest days."""
        for _ in range(_MAX_WALK_DAYS):
            try:
                nxt = d + step
            except OverflowError:  # date.min / date.max
                return d
            if not self.is_rest_day(nxt):
                return d
            d = nxt
        return d

    def _block_around(self, d: date) -> tuple[date, date] | None:
        """The holiday period containing `d` as (start, end), or None."""
        if not self.is_rest_day(d):
            return None
        start, end = self._walk(d, -_ONE_DAY), self._walk(d, _ONE_DAY)
        if any(self._is_day_off(day) for day in _days(start, end)):
            return start, end
        return None

    def _period(self, start: date, end: date) -> HolidayPeriod:
        festivals: list[tuple[str, str]] = []
        local_names: list[str] = []
        makeups: set[date] = set()
        years: set[int] = set()
        for day in _days(start, end):
            override = self._overrides.get(day)
            if override is not None and override.kind == "holiday":
                years.add(day.year)
                # Admins entering next year's arrangement write "国庆节放假": name the block
                # after the festival, as the package would.
                named = [f for f in _FESTIVALS.values() if f[0] in override.name]
                for festival in named:
                    if festival not in festivals:
                        festivals.append(festival)
                if not named and override.name not in local_names:
                    local_names.append(override.name)
            elif (statutory := self._statutory(day)) is not None:
                years.add(day.year)
                for festival in statutory.festivals:
                    if festival not in festivals:
                        festivals.append(festival)
                worked = _package_year(day.year).makeup_for.get(day)
                if worked is not None and self.is_workday(worked):
                    makeups.add(worked)
        makeups.update(self._override_makeups_for(start, end, festivals))

        if festivals:
            name_zh = "、".join(zh for zh, _ in festivals)
            name_en = " & ".join(en for _, en in festivals)
        else:  # only admin days off in this block
            name_zh = name_en = "、".join(local_names)
        return HolidayPeriod(
            name_zh=name_zh,
            name_en=name_en,
            start=start,
            end=end,
            makeup_workdays=tuple(sorted(makeups)),
            provisional=any(not self.year_known(y) for y in years),
        )

    def _override_makeups_for(
        self, start: date, end: date, festivals: list[tuple[str, str]]
    ) -> set[date]:
        """Admin "workday" overrides that pay for this block.

        An override does not say which holiday it pays for, so a make-up day within 30 days
        goes to the block whose festival its name mentions ("国庆节调休上班"); failing that, to
        the nearest block, unless its name mentions some other festival. The name comes first
        because nearness misleads: 2026's 9/20 make-up day pays for 国庆 (10/1) but is nearer
        中秋 (9/25).
        """
        found: set[date] = set()
        window = timedelta(days=30)
        for day, override in self._overrides.items():
            if override.kind != "workday" or not start - window <= day <= end + window:
                continue
            named = [f for f in festivals if f[0] in override.name or f[1] in override.name]
            if named:
                found.add(day)
                continue
            if self._names_other_festival(override.name, festivals):
                continue
            if self._nearest_block(day) == (start, end):
                found.add(day)
        return found

    @staticmethod
    def _names_other_festival(name: str, festivals: list[tuple[str, str]]) -> bool:
        others = {f for f in _FESTIVALS.values() if f not in festivals}
        return any(zh in name or en in name for zh, en in others)

    def _nearest_block(self, day: date) -> tuple[date, date] | None:
        best: tuple[int, tuple[date, date]] | None = None
        for offset in range(1, 31):
            for candidate in (day + timedelta(days=offset), day - timedelta(days=offset)):
                block = self._block_around(candidate)
                if block is not None and (best is None or offset < best[0]):
                    best = (offset, block)
            if best is not None:
                return best[1]
        return None

    def periods(self, start: date, end: date) -> list[HolidayPeriod]:
        """Holiday periods overlapping [start, end], whole (a period may begin before `start`)."""
        if end < start:
            return []
        # Extend over rest days at both ends so a block that only touches the range with a
        # weekend is still found from its statutory days.
        scan_start = self._walk(start, -_ONE_DAY) if self.is_rest_day(start) else start
        scan_end = self._walk(end, _ONE_DAY) if self.is_rest_day(end) else end
        found: list[HolidayPeriod] = []
        for day in _days(scan_start, scan_end):
            if (found and day <= found[-1].end) or not self._is_day_off(day):
                continue
            block = self._block_around(day)
            if block is not None and block[1] >= start and block[0] <= end:
                found.append(self._period(*block))
        return found

    def next_periods(self, today: date, count: int = 3) -> list[HolidayPeriod]:
        """The current period (if today is in one) and the following ones, `count` in all."""
        found: list[HolidayPeriod] = []
        window_start = today
        # Ten years is far beyond any use; it only bounds the search when nothing is left.
        for _ in range(10):
            room = (date.max - window_start).days
            window_end = window_start + timedelta(days=min(365, room))
            for period in self.periods(window_start, window_end):
                if period.end >= today and all(p.start != period.start for p in found):
                    found.append(period)
            if len(found) >= count or window_end == date.max:
                break
            window_start = window_end + _ONE_DAY
        return found[:count]

    # --- working-day arithmetic ------------------------------------------------------------

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th workday after `d` (before it for negative n); `d` itself is not counted.
        n == 0 returns `d` unchanged, workday or not."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        walked = 0
        while remaining:
            d += step
            walked += 1
            if walked > _MAX_WALK_DAYS + 2 * abs(n):
                raise ValueError("no workdays found: check the holiday overrides")
            if self.is_workday(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Workdays in (a, b]: 0 for a == b, negative when b is before a. The inverse of
        add_working_days when b is a workday: add_working_days(a, between(a, b)) == b."""
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        return sum(1 for day in _days(a + _ONE_DAY, b) if self.is_workday(day))

    def add_working_time(self, start: datetime, amount: timedelta, day_start: time,
                         day_end: time, tz: ZoneInfo) -> datetime:
        """The moment `amount` of working time after `start`, counting only day_start..day_end
        on workdays (local time in `tz`). A start outside working time counts from the next
        working moment: 4 working hours after Friday 16:30 (hours 08:30-17:30) is Monday
        11:30 when Monday is a workday."""
        local = start.astimezone(tz)
        day = local.date()
        left = amount
        for _ in range(_MAX_WALK_DAYS + 366):
            if self.is_workday(day):
                opens = datetime.combine(day, day_start, tzinfo=tz)
                closes = datetime.combine(day, day_end, tzinfo=tz)
                begin = max(opens, local)
                if begin < closes:
                    if begin + left <= closes:
                        return (begin + left).astimezone(start.tzinfo)
                    left -= closes - begin
            day += _ONE_DAY
            local = datetime.combine(day, time(0, 0), tzinfo=tz)
        raise ValueError("no working time found: check the holiday overrides")
