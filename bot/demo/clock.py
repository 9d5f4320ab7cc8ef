"""Moving the demo's clock the way time would pass: every reminder fires at its own time.

The scheduler only looks at the clock when it ticks, so a jump of a day in one tick would send
a day's reminders at once, late, and skip the daily sweeps of the days in between (chases,
coverage checks). Moving the clock stops at each pending notification and each sweep's time on
the way and ticks there, as the scheduler would have done had the time really passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sandbox import Sandbox
from bot.services import outbox

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A jump further than this is refused: walking it tick by tick would keep the page waiting.
LONGEST_JUMP = timedelta(days=60)


class ClockRefusal(Exception):
    """A move that cannot be made (nothing ahead, too far); the text is for the person, in
    Chinese (str) and in English (`en`)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class ClockState:
    now: datetime
    next_shift: datetime | None
    next_reminder: datetime | None


class DemoClock:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.services = sandbox.services
        self.tz = sandbox.config.tz

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def label(self, when: datetime, lang: str = "zh") -> str:
        """How the page and the terminal show a simulated time: 2026年11月27日 周五 10:00, or in
        English Fri 27 Nov 2026 10:00; a holiday or day off is named after it."""
        local = when.astimezone(self.tz)
        calendar = self.services.calendar
        if lang == "en":
            text = (f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]} "
                    f"{local.year} {local:%H:%M}")
            holiday = calendar.holiday_name(local.date(), "en")
            if holiday:
                return f"{text} ({holiday})"
            return text if calendar.is_workday(local.date()) else f"{text} (day off)"
        text = (f"{local.year}年{local.month}月{local.day}日 周{WEEKDAYS_ZH[local.weekday()]} "
                f"{local:%H:%M}")
        holiday = calendar.holiday_name(local.date())
        if holiday:
            text += f"（{holiday}）"
        elif not calendar.is_workday(local.date()):
            text += "（休息日）"
        return text

    async def state(self) -> ClockState:
        now = self.now()
        return ClockState(now, await self.next_shift(now), await self.next_reminder(now))

    async def next_reminder(self, after: datetime) -> datetime | None:
        async with self.services.db.transaction() as s:
            return await outbox.next_due(s, after)

    async def next_shift(self, after: datetime) -> datetime | None:
        return await self.services.signin.next_opening(after)

    def _next_sweep(self, after: datetime) -> datetime | None:
        local = after.astimezone(self.tz)
        moments = []
        for sweep in self.services.sweeps.sweeps:
            at = local.replace(hour=sweep.at.hour, minute=sweep.at.minute, second=0,
                               microsecond=0)
            if at <= local:
                at += timedelta(days=1)
            moments.append(at)
        return min(moments) if moments else None

    async def move_to(self, target: datetime) -> None:
        now = self.now()
        if target <= now:
            raise ClockRefusal("时间只能向前拨。", "The clock only moves forward.")
        if target - now > LONGEST_JUMP:
            raise ClockRefusal(f"一次最多拨 {LONGEST_JUMP.days} 天。",
                               f"At most {LONGEST_JUMP.days} days at a time.")
        while now < target:
            stops = [target, await self.next_reminder(now), self._next_sweep(now)]
            stop = min(s for s in stops if s is not None)
            self.sandbox.clock.set(stop)
            await self.sandbox.tick()
            now = stop

    async def advance(self, delta: timedelta) -> None:
        await self.move_to(self.now() + delta)

    async def to_next_shift(self) -> None:
        when = await self.next_shift(self.now())
        if when is None:
            raise ClockRefusal("排班表里没有以后的班次。", "The roster has no shift ahead.")
        await self.move_to(when)

    async def to_next_reminder(self) -> None:
        when = await self.next_reminder(self.now())
        if when is None:
            raise ClockRefusal("没有待发的提醒。", "No reminder is pending.")
        await self.move_to(when)
