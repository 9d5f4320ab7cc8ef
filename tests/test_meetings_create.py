"""Meeting materials and the calendar file against a real database, and the .ics text read
back the way a calendar app reads it (lines unfolded, values unescaped)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.demo.seed import seed_office
from bot.services import ics
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, PermissionDenied
from bot.services.meeting_materials import MAX_MATERIAL_BYTES, Upload
from bot.services.meetings import CANCELLED, MeetingView
from storage.models import Meeting, MeetingMaterial, Notification
from tests.conftest import SHANGHAI, START

LONG_TITLE = ("关于做好二〇二六年冬季森林防火、安全生产和信访维稳工作的专题部署会议，"
              "请各村（社区）书记参加")


def unfold(text: str) -> list[str]:
    """RFC 5545 3.1: a CRLF followed by one space or tab continues the previous line."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "every line ends with CRLF"
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in unfold(text):
        name, _, value = line.partition(":")
        found.setdefault(name, value)
    return found


def test_ics_escapes_folds_and_reads_back() -> None:
    start = datetime(2026, 12, 1, 14, 30, tzinfo=SHANGHAI)
    summary = LONG_TITLE + "; 第二议程, 见附件\\材料"
    description = "组织：刘芳\n备注：请带笔记本, 签到表; 议程见附件"
    text = ics.calendar(ics.Event(
        uid="officebot-meeting-7-r2@officebot", starts_at=start,
        ends_at=start + timedelta(minutes=90), summary=summary, location="三楼会议室",
        description=description), stamp=datetime(2026, 11, 27, 2, 0, tzinfo=UTC))

    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical), "the long title is folded"
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
    props = properties(text)
    assert props["VERSION"] == "2.0" and props["PRODID"]
    assert props["UID"] == "officebot-meeting-7-r2@officebot"
    assert props["DTSTAMP"] == "20261127T020000Z"
    assert props["DTSTART"] == "20261201T063000Z"  # 14:30 in Shanghai
    assert props["DTEND"] == "20261201T080000Z"
    assert unescape(props["SUMMARY"]) == summary
    assert unescape(props["DESCRIPTION"]) == description
    assert unescape(props["LOCATION"]) == "三楼会议室"
    # Escaped, not raw: a raw comma or semicolon would split the value for a reader.
    assert "\\," in props["SUMMARY"] and "\\;" in props["SUMMARY"] and "\\\\" in props["SUMMARY"]
    assert "\\n" in props["DESCRIPTION"] and "\n" not in props["DESCRIPTION"]


def test_folding_never_cuts_a_character() -> None:
    for prefix in ("SUMMARY:", "SUMMARY:a", "SUMMARY:ab"):
        folded = ics.fold(prefix + "会" * 100)
        parts = folded.split("\r\n")
        for part in parts:
            part.encode("utf-8").decode("utf-8")
            assert len(part.encode("utf-8")) <= 75
        assert re.sub(r"\r\n ", "", folded) == prefix + "会" * 100
    assert ics.fold("SHORT:x") == "SHORT:x"


@pytest.fixture
async def office(services: Services) -> dict[str, int]:
    return await seed_office(services)


async def actor(services: Services, telegram_id: int) -> Actor:
    found = await services.people.resolve_actor(telegram_id, "", None)
    assert found is not None
    return found


async def call_meeting(services: Services, organiser: Actor, invitees: str = "班子成员",
                       notes: str = "") -> MeetingView:
    draft = await services.meetings.prepare(organiser, "党委会", "12月1日 14:30", "三楼会议室",
                                            invitees, "90分钟", notes)
    return await services.meetings.create(organiser, draft)


def upload(name: str = "议程.docx", size: int = 2048) -> Upload:
    return Upload(file_id=f"BQAC-{name}", file_name=name,
                  mime_type="application/octet-stream", file_size=size)


async def test_only_the_organiser_or_an_admin_adds_materials(
        services: Services, office: dict[str, int]) -> None:
    clerk, admin, leader = [await actor(services, t) for t in (1005, 1004, 1001)]
    view = await call_meeting(services, clerk)
    added = await services.meeting_materials.add(clerk, view.id, upload())
    assert added.material.file_name == "议程.docx" and added.meeting.materials == [
        (added.material.id, "议程.docx")]
    await services.meeting_materials.add(admin, view.id, upload("名单.xlsx"))
    with pytest.raises(PermissionDenied) as refused:
        await services.meeting_materials.add(leader, view.id, upload("私货.pdf"))
    assert refused.value.key == "meeting.not_organiser"
    with pytest.raises(PermissionDenied):
        await services.meeting_materials.may_attach(leader, view.id)

    too_big = upload("录像.mp4", MAX_MATERIAL_BYTES + 1)
    with pytest.raises(InvalidInput) as large:
        await services.meeting_materials.add(clerk, view.id, too_big)
    assert large.value.key == "meeting_material.too_large"
    with pytest.raises(InvalidInput):
        services.meeting_materials.check_upload(clerk, too_big)
    await services.meeting_materials.add(clerk, view.id, upload("刚好.pdf", MAX_MATERIAL_BYTES))

    async with services.db.transaction() as s:
        names = list(await s.scalars(select(MeetingMaterial.file_name).order_by(
            MeetingMaterial.id)))
        audit = [e.action for e in await history(s, "meeting", view.id)]
    assert names == ["议程.docx", "名单.xlsx", "刚好.pdf"]
    assert audit.count("meeting.material_add") == 3


async def test_no_material_for_a_cancelled_meeting(services: Services,
                                                   office: dict[str, int]) -> None:
    clerk = await actor(services, 1005)
    view = await call_meeting(services, clerk)
    async with services.db.transaction() as s:
        meeting = await s.get(Meeting, view.id)
        assert meeting is not None
        meeting.status = CANCELLED
    with pytest.raises(Conflict):
        await services.meeting_materials.add(clerk, view.id, upload())
    with pytest.raises(Conflict) as no_ics:
        await services.meeting_materials.calendar_file(clerk, view.id)
    assert no_ics.value.key == "meeting_ics.not_scheduled"


async def test_materials_and_calendar_only_for_those_who_may_see_the_meeting(
        services: Services, office: dict[str, int]) -> None:
    clerk, leader, staff, other_clerk = (
        [await actor(services, t) for t in (1005, 1001, 1006, 1004)])
    view = await call_meeting(services, clerk, notes="请带笔记本, 签到表; 按时到会")
    await services.meeting_materials.add(clerk, view.id, upload())
    for who in (clerk, leader, other_clerk):
        _, found = await services.meeting_materials.materials(who, view.id)
        assert [m.file_name for m in found] == ["议程.docx"]
    with pytest.raises(PermissionDenied) as refused:
        await services.meeting_materials.materials(staff, view.id)
    assert refused.value.key == "meeting.not_invited"
    with pytest.raises(PermissionDenied):
        await services.meeting_materials.calendar_file(staff, view.id)

    calendar = await services.meeting_materials.calendar_file(leader, view.id)
    assert calendar.file_name == "党委会.ics"
    props = properties(calendar.content.decode("utf-8"))
    assert props["UID"] == f"officebot-meeting-{view.id}@officebot"
    assert props["DTSTART"] == "20261201T063000Z" and props["DTEND"] == "20261201T080000Z"
    assert props["DTSTAMP"] == START.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert unescape(props["SUMMARY"]) == "党委会"
    assert unescape(props["LOCATION"]) == "三楼会议室"
    description = unescape(props["DESCRIPTION"])
    assert "组织：刘芳" in description and "备注：请带笔记本, 签到表; 按时到会" in description


async def test_a_material_before_the_notices_went_out_tells_nobody(
        services: Services, office: dict[str, int]) -> None:
    clerk = await actor(services, 1005)
    view = await call_meeting(services, clerk)
    added = await services.meeting_materials.add(clerk, view.id, upload())
    assert added.told == 0
    async with services.db.transaction() as s:
        rows = await s.scalar(select(func.count(Notification.id)).where(
            Notification.key.like(f"meeting:{view.id}:material:%")))
    assert rows == 0


async def test_departments_for_the_attendee_hint(services: Services,
                                                 office: dict[str, int]) -> None:
    assert await services.meeting_materials.departments() == [
        "镇党委", "镇政府", "党政办", "经济发展办", "社会事务办", "综合执法队"]
