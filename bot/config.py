"""Configuration: one TOML file, validated before anything else runs.

A bad value names its key and the line it sits on, so an office admin can fix it without
reading Python. Loading never touches the database.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_PATH = "config.toml"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"
LANGUAGES = ("zh", "en")


class ConfigError(Exception):
    """A config problem, phrased for the person editing the file."""


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # the window wraps past midnight


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    api_base_url: str = TELEGRAM_API
    file_base_url: str = TELEGRAM_FILES


@dataclass(frozen=True)
class WebhookConfig:
    url: str = ""  # the public https address Telegram posts to, e.g. https://bot.example.cn/tg
    listen: str = "127.0.0.1"  # behind the reverse proxy
    port: int = 8443
    path: str = "/telegram"
    secret_token: str = ""  # or $OFFICEBOT_WEBHOOK_SECRET; required in webhook mode
    max_body_bytes: int = 1_048_576


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite+aiosqlite:///data/officebot.db"
    # PostgreSQL: connecting, and each statement, give up after this. A network that drops
    # packets without a reset would otherwise hold the bot's work until TCP gives up.
    timeout: timedelta = timedelta(seconds=15)


@dataclass(frozen=True)
class InviteConfig:
    ttl: timedelta = timedelta(hours=72)


@dataclass(frozen=True)
class OutboxConfig:
    dispatch_interval: timedelta = timedelta(seconds=5)
    batch_size: int = 50
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    stale_after: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class ShiftTimes:
    start: time
    end: time  # at or before start means the next morning (a night or 24-hour shift)


@dataclass(frozen=True)
class Geofence:
    latitude: float
    longitude: float
    radius_m: float


@dataclass(frozen=True)
class DutyConfig:
    day: ShiftTimes = ShiftTimes(time(8, 30), time(17, 30))
    night: ShiftTimes = ShiftTimes(time(17, 30), time(8, 30))
    full: ShiftTimes = ShiftTimes(time(8, 30), time(8, 30))
    signin_opens_before: timedelta = timedelta(minutes=30)
    late_grace: timedelta = timedelta(minutes=15)
    no_show_alert_after: timedelta = timedelta(minutes=45)
    coverage_days_before: int = 7
    coverage_check_at: time = time(9, 0)
    schedule_days_before: int = 3
    schedule_notice_at: time = time(9, 0)
    eve_reminder_at: time = time(17, 0)
    before_shift: timedelta = timedelta(minutes=30)
    geofence: Geofence | None = None


@dataclass(frozen=True)
class MeetingConfig:
    default_duration: timedelta = timedelta(minutes=60)
    eve_reminder_at: time = time(17, 0)
    before_start: timedelta = timedelta(minutes=60)
    checkin_opens_before: timedelta = timedelta(minutes=30)
    venue_alert_before: timedelta = timedelta(minutes=120)
    checklist_due_before: timedelta = timedelta(minutes=180)
    checklist: tuple[str, ...] = ("会标", "桌签", "音响", "材料印制")
    series_horizon_days: int = 14
    series_generate_at: time = time(7, 30)


@dataclass(frozen=True)
class TaskConfig:
    remind_days_before: tuple[int, ...] = (3, 1)
    remind_at: time = time(9, 0)  # also the morning of the deadline day
    chase_at: time = time(9, 0)
    escalate_after_workdays: int = 2
    urgent_chase_hours: int = 4
    near_days: int = 3  # blue in the lists
    workday_start: time = time(8, 30)
    workday_end: time = time(17, 30)
    digest_at: time = time(8, 0)
    report_weekday: int = 0  # Monday
    report_at: time = time(8, 30)


@dataclass(frozen=True)
class SealConfig:
    max_copies: int = 50
    # A step waiting longer than this much working time reminds its approvers once.
    pending_remind_hours: float = 4
    # Telegram lets a bot download files up to 20 MB; a bigger one could not be opened.
    max_file_mb: int = 20
    return_remind_before: timedelta = timedelta(minutes=60)
    chase_at: time = time(9, 0)  # a seal not back is chased each working day at this time


@dataclass(frozen=True)
class DemoConfig:
    database_url: str = "sqlite+aiosqlite:///data/demo.db"
    start: str = ""  # ISO local time the demo clock starts at; empty means now
    port: int = 8080  # the web sandbox page, on 127.0.0.1


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    admins: tuple[int, ...] = ()
    quiet_hours: QuietHours | None = QuietHours(time(22, 0), time(7, 0))
    invites: InviteConfig = field(default_factory=InviteConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)
    duty: DutyConfig = field(default_factory=DutyConfig)
    meetings: MeetingConfig = field(default_factory=MeetingConfig)
    tasks: TaskConfig = field(default_factory=TaskConfig)
    seals: SealConfig = field(default_factory=SealConfig)
    source: str = "<defaults>"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class _Reader:
    """Walks the parsed TOML, remembering which keys it used and where each one was written."""

    def __init__(self, data: dict[str, Any], text: str, path: str) -> None:
        self.data = data
        self.lines = text.splitlines()
        self.path = path
        self.used: set[str] = set()

    def line_of(self, dotted: str) -> int | None:
        if dotted.startswith("["):  # a whole section
            header = re.compile(rf"^\s*{re.escape(dotted)}\s*(#.*)?$")
            return next((n for n, line in enumerate(self.lines, start=1)
                         if header.match(line)), None)
        *sections, key = dotted.split(".")
        want = ".".join(sections)
        current = ""
        pattern = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"^\s*\[([^\]]+)\]\s*(#.*)?$", line)
            if header:
                current = header.group(1).strip()
                continue
            if current == want and pattern.match(line):
                return number
        return None

    def fail(self, dotted: str, message: str) -> ConfigError:
        line = self.line_of(dotted)
        where = f"{self.path}, line {line}" if line else self.path
        return ConfigError(f"{where}: {dotted}: {message}")

    def get(self, dotted: str, default: Any = None) -> Any:
        self.used.add(dotted)
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def string(self, dotted: str, default: str) -> str:
        value = self.get(dotted, default)
        if not isinstance(value, str):
            raise self.fail(dotted, f"must be a string in quotes, got {value!r}")
        return value

    def integer(self, dotted: str, default: int, minimum: int = 0,
                maximum: int = 1_000_000) -> int:
        value = self.get(dotted, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(dotted, f"must be a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(dotted, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def number(self, dotted: str, default: float, unit: str, minimum: float,
               maximum: float) -> float:
        value = self.get(dotted, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise self.fail(dotted, f"must be a number of {unit}, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(dotted, f"must be between {minimum:g} and {maximum:g}, got {value}")
        return float(value)

    def seconds(self, dotted: str, default: timedelta, minimum: float,
                maximum: float = 86_400) -> timedelta:
        return timedelta(seconds=self.number(dotted, default.total_seconds(), "seconds",
                                             minimum, maximum))

    def hours(self, dotted: str, default: timedelta, minimum: float,
              maximum: float = 24 * 366) -> timedelta:
        return timedelta(hours=self.number(dotted, default.total_seconds() / 3600, "hours",
                                           minimum, maximum))

    def daytime(self, dotted: str, default: time) -> time:
        return self.clock_time(dotted, self.string(dotted, default.strftime("%H:%M")))

    def span(self, dotted: str, default: ShiftTimes) -> ShiftTimes:
        raw = self.string(dotted, f"{default.start:%H:%M}-{default.end:%H:%M}")
        parts = raw.split("-")
        if len(parts) != 2:
            raise self.fail(dotted, f'must look like "08:30-17:30", got {raw!r}')
        start, end = (self.clock_time(dotted, part) for part in parts)
        return ShiftTimes(start, end)

    def minutes(self, dotted: str, default: timedelta, maximum: float = 24 * 60) -> timedelta:
        return timedelta(minutes=self.number(dotted, default.total_seconds() / 60, "minutes",
                                             0, maximum))

    def database_url(self, dotted: str, default: str) -> str:
        url = self.string(dotted, default)
        if not re.match(r"(sqlite\+aiosqlite|postgresql\+asyncpg)://", url):
            raise self.fail(dotted, "must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url

    def clock_time(self, dotted: str, value: str) -> time:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise self.fail(dotted, f"must be a time like \"07:30\", got {value!r}")
        return time(int(match.group(1)), int(match.group(2)))

    def unknown_keys(self) -> list[str]:
        found: list[str] = []

        sections = {u.rsplit(".", 1)[0] for u in self.used if "." in u}

        def walk(node: dict[str, Any], prefix: str) -> None:
            for key, value in node.items():
                dotted = f"{prefix}{key}"
                if isinstance(value, dict):
                    if dotted not in sections:
                        found.append(f"[{dotted}]")
                        continue
                    walk(value, dotted + ".")
                elif dotted not in self.used:
                    found.append(dotted)

        walk(self.data, "")
        return found


def parse_config(text: str, path: str = "<string>") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    r = _Reader(data, text, path)

    zone = r.string("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise r.fail("timezone", f"unknown time zone {zone!r} (e.g. \"Asia/Shanghai\")") from exc

    language = r.string("language", "zh")
    if language not in LANGUAGES:
        raise r.fail("language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}")

    admins_raw = r.get("admins", [])
    if not isinstance(admins_raw, list) or not all(
        isinstance(a, int) and not isinstance(a, bool) and a > 0 for a in admins_raw
    ):
        raise r.fail("admins", "must be a list of Telegram user ids, e.g. [123456789]")

    quiet_raw = r.string("quiet_hours", "22:00-07:00")
    quiet: QuietHours | None = None
    if quiet_raw.strip():
        parts = quiet_raw.split("-")
        if len(parts) != 2:
            raise r.fail("quiet_hours", f'must look like "22:00-07:00" or "", got {quiet_raw!r}')
        start, end = (r.clock_time("quiet_hours", part) for part in parts)
        quiet = QuietHours(start, end)

    token = r.string("telegram.token", "") or os.environ.get("OFFICEBOT_TOKEN", "")
    if token and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
        raise r.fail("telegram.token", "does not look like a bot token (digits:letters)")
    api = r.string("telegram.api_base_url", TELEGRAM_API)
    files = r.string("telegram.file_base_url", TELEGRAM_FILES)
    for key, url in (("telegram.api_base_url", api), ("telegram.file_base_url", files)):
        if not re.match(r"https?://", url):
            raise r.fail(key, f"must start with http:// or https://, got {url!r}")

    db_url = r.database_url("database.url", DatabaseConfig.url)
    demo_url = r.database_url("demo.database_url", DemoConfig.database_url)
    if not demo_url.startswith("sqlite"):
        raise r.fail("demo.database_url", "the demo runs on a SQLite file (sqlite+aiosqlite://)")
    demo_start = r.string("demo.start", "")
    if demo_start:
        try:
            datetime.fromisoformat(demo_start)
        except ValueError as exc:
            raise r.fail("demo.start", f'must look like "2026-09-28T09:00", got {demo_start!r}') \
                from exc

    config = Config(
        telegram=TelegramConfig(token=token, api_base_url=api, file_base_url=files),
        database=DatabaseConfig(url=db_url, timeout=r.seconds(
            "database.timeout_seconds", DatabaseConfig.timeout, minimum=1, maximum=600)),
        timezone=zone,
        language=language,
        admins=tuple(admins_raw),
        quiet_hours=quiet,
        invites=InviteConfig(ttl=r.hours("invites.ttl_hours", InviteConfig.ttl, minimum=0.1,
                                         maximum=24 * 90)),
        outbox=OutboxConfig(
            dispatch_interval=r.seconds(
                "outbox.dispatch_interval_seconds", OutboxConfig.dispatch_interval, minimum=0.1
            ),
            batch_size=r.integer("outbox.batch_size", OutboxConfig.batch_size, minimum=1),
            max_attempts=r.integer("outbox.max_attempts", OutboxConfig.max_attempts, minimum=1),
            retry_base=r.seconds("outbox.retry_base_seconds", OutboxConfig.retry_base, minimum=1),
            stale_after=r.hours("outbox.stale_after_hours", OutboxConfig.stale_after, minimum=0.1),
        ),
        demo=DemoConfig(database_url=demo_url, start=demo_start,
                        port=r.integer("demo.port", DemoConfig.port, minimum=1, maximum=65535)),
        source=path,
    )
    config = dataclasses.replace(config, duty=_duty(r), meetings=_meetings(r), tasks=_tasks(r),
                                 seals=_seals(r), webhook=_webhook(r))
    unknown = r.unknown_keys()
    if unknown:
        what = "unknown section" if unknown[0].startswith("[") else "unknown key"
        raise r.fail(unknown[0], f"{what} (a typo? see config.example.toml)")
    return config


def _duty(r: _Reader) -> DutyConfig:
    d = DutyConfig()
    fence: Geofence | None = None
    radius = r.number("duty.geofence_radius_m", 0, "metres", 0, 100_000)
    if radius:
        fence = Geofence(
            latitude=r.number("duty.office_latitude", 0, "degrees", -90, 90),
            longitude=r.number("duty.office_longitude", 0, "degrees", -180, 180),
            radius_m=radius,
        )
    else:  # read, so they count as known keys, but unused without a radius
        r.get("duty.office_latitude")
        r.get("duty.office_longitude")
    return DutyConfig(
        day=r.span("duty.day_shift", d.day),
        night=r.span("duty.night_shift", d.night),
        full=r.span("duty.full_shift", d.full),
        signin_opens_before=r.minutes("duty.signin_opens_minutes", d.signin_opens_before),
        late_grace=r.minutes("duty.late_grace_minutes", d.late_grace),
        no_show_alert_after=r.minutes("duty.no_show_alert_minutes", d.no_show_alert_after),
        coverage_days_before=r.integer("duty.coverage_check_days", d.coverage_days_before,
                                       minimum=0, maximum=60),
        coverage_check_at=r.daytime("duty.coverage_check_time", d.coverage_check_at),
        schedule_days_before=r.integer("duty.schedule_notice_days", d.schedule_days_before,
                                       minimum=0, maximum=60),
        schedule_notice_at=r.daytime("duty.schedule_notice_time", d.schedule_notice_at),
        eve_reminder_at=r.daytime("duty.eve_reminder_time", d.eve_reminder_at),
        before_shift=r.minutes("duty.before_shift_minutes", d.before_shift),
        geofence=fence,
    )


def _meetings(r: _Reader) -> MeetingConfig:
    m = MeetingConfig()
    items = r.get("meetings.checklist", list(m.checklist))
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise r.fail("meetings.checklist", 'must be a list of item names, e.g. ["会标", "桌签"]')
    return MeetingConfig(
        default_duration=r.minutes("meetings.default_duration_minutes", m.default_duration),
        eve_reminder_at=r.daytime("meetings.eve_reminder_time", m.eve_reminder_at),
        before_start=r.minutes("meetings.reminder_before_minutes", m.before_start),
        checkin_opens_before=r.minutes("meetings.checkin_opens_minutes", m.checkin_opens_before),
        venue_alert_before=r.minutes("meetings.venue_alert_minutes", m.venue_alert_before),
        checklist_due_before=r.minutes("meetings.checklist_due_minutes", m.checklist_due_before),
        checklist=tuple(i.strip()[:100] for i in items),
        series_horizon_days=r.integer("meetings.series_horizon_days", m.series_horizon_days,
                                      minimum=1, maximum=90),
        series_generate_at=r.daytime("meetings.series_generate_time", m.series_generate_at),
    )


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _tasks(r: _Reader) -> TaskConfig:
    d = TaskConfig()
    days = r.get("tasks.remind_days_before", list(d.remind_days_before))
    if not isinstance(days, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 60 for n in days):
        raise r.fail("tasks.remind_days_before", "must be a list of days, e.g. [3, 1]")
    weekday = r.string("tasks.report_weekday", WEEKDAYS[d.report_weekday]).lower()
    if weekday not in WEEKDAYS:
        raise r.fail("tasks.report_weekday", f'must be a weekday like "monday", got {weekday!r}')
    hours = r.span("tasks.working_hours", ShiftTimes(d.workday_start, d.workday_end))
    if hours.end <= hours.start:
        raise r.fail("tasks.working_hours", "the end must be after the start")
    return TaskConfig(
        remind_days_before=tuple(sorted(set(days), reverse=True)),
        remind_at=r.daytime("tasks.remind_time", d.remind_at),
        chase_at=r.daytime("tasks.chase_time", d.chase_at),
        escalate_after_workdays=r.integer("tasks.escalate_after_workdays",
                                          d.escalate_after_workdays, minimum=1, maximum=30),
        urgent_chase_hours=r.integer("tasks.urgent_chase_hours", d.urgent_chase_hours,
                                     minimum=1, maximum=24),
        near_days=r.integer("tasks.near_days", d.near_days, minimum=1, maximum=30),
        workday_start=hours.start, workday_end=hours.end,
        digest_at=r.daytime("tasks.digest_time", d.digest_at),
        report_weekday=WEEKDAYS.index(weekday),
        report_at=r.daytime("tasks.report_time", d.report_at),
    )


SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def _webhook(r: _Reader) -> WebhookConfig:
    d = WebhookConfig()
    url = r.string("webhook.url", d.url)
    if url and not url.startswith("https://"):
        raise r.fail("webhook.url", f"must be an https:// address (Telegram's rule), got {url!r}")
    path = r.string("webhook.path", d.path)
    if not path.startswith("/") or path == "/healthz":
        raise r.fail("webhook.path", f'must start with "/" and not be /healthz, got {path!r}')
    secret = r.string("webhook.secret_token", "") or os.environ.get(
        "OFFICEBOT_WEBHOOK_SECRET", "")
    if secret and not SECRET_TOKEN.match(secret):
        raise r.fail("webhook.secret_token",
                     "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    return WebhookConfig(
        url=url, listen=r.string("webhook.listen", d.listen),
        port=r.integer("webhook.port", d.port, minimum=1, maximum=65535), path=path,
        secret_token=secret,
        max_body_bytes=r.integer("webhook.max_body_kb", d.max_body_bytes // 1024, minimum=16,
                                 maximum=65536) * 1024)


def _seals(r: _Reader) -> SealConfig:
    d = SealConfig()
    return SealConfig(
        max_copies=r.integer("seals.max_copies", d.max_copies, minimum=1, maximum=10_000),
        pending_remind_hours=r.number("seals.pending_remind_hours", d.pending_remind_hours,
                                      "working hours", 0.25, 80),
        max_file_mb=r.integer("seals.max_file_mb", d.max_file_mb, minimum=1, maximum=20),
        return_remind_before=r.minutes("seals.return_remind_minutes", d.return_remind_before),
        chase_at=r.daytime("seals.chase_time", d.chase_at),
    )


def load_config(path: str | os.PathLike[str] | None = None, *, required: bool = False) -> Config:
    """Read the config file. A missing default file means defaults; a missing named one fails."""
    chosen = path or os.environ.get("OFFICEBOT_CONFIG") or DEFAULT_CONFIG_PATH
    file = Path(chosen)
    if not file.exists():
        if required or path is not None or os.environ.get("OFFICEBOT_CONFIG"):
            raise ConfigError(f"{file}: config file not found (copy config.example.toml)")
        return parse_config("", path=f"{file} (not found, using defaults)")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    return parse_config(text, path=str(file))
