"""What the page is sent: people, messages and keyboards as plain JSON.

Messages go out as Telegram stores them, text plus entities (the emulator has already parsed
the bot's HTML), so the page builds the formatting from entities with DOM nodes and never
puts markup from the bot into the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo.clock import MONTHS_EN
from bot.demo.seed import PERSONAS, STRANGER_ID
from bot.demo.session import STRANGER_NAME
from bot.i18n import t

# Entity fields the page reads; anything else Telegram may add is left out.
_ENTITY_FIELDS = ("type", "offset", "length", "url", "language")


# Text the page shows, in both of its languages: {"zh": ..., "en": ...}.
Text = dict[str, str]

# English for the seeded office's departments and titles (the names stay as they are).
_ENGLISH = {
    "镇党委": "Party Committee", "镇政府": "Town Government", "党政办": "General Office",
    "经济发展办": "Economic Development Office", "社会事务办": "Social Affairs Office",
    "综合执法队": "Law Enforcement Team", "党委书记": "Party Secretary", "镇长": "Mayor",
    "党委副书记": "Deputy Party Secretary", "党政办主任": "Director of the General Office",
    "文秘": "Secretary", "干事": "Officer", "主任": "Director", "队员": "Team member",
}


def text(zh: str, en: str) -> Text:
    return {"zh": zh, "en": en}


def _both(zh: str) -> Text:
    return text(zh, _ENGLISH.get(zh, zh))


@dataclass(frozen=True)
class PersonaView:
    id: int
    name: str
    department: Text
    title: Text
    roles: tuple[Text, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "department": self.department,
                "title": self.title, "roles": list(self.roles)}


def personas() -> dict[int, PersonaView]:
    people = {
        p.telegram_id: PersonaView(
            p.telegram_id, p.name, _both(p.department), _both(p.title),
            tuple(text(str(t("zh", f"role.{r.value}")), str(t("en", f"role.{r.value}")))
                  for r in p.roles))
        for p in PERSONAS
    }
    # Someone nobody registered, to show how the bot turns strangers away.
    people[STRANGER_ID] = PersonaView(STRANGER_ID, STRANGER_NAME, text("", ""),
                                      text("未登记的 Telegram 用户", "unregistered Telegram user"),
                                      (text("未登记", "unregistered"),))
    return people


def _entities(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    return [{k: e[k] for k in _ENTITY_FIELDS if k in e} for e in raw if isinstance(e, dict)]


def _buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    out: list[list[dict[str, Any]]] = []
    for row in rows:
        out.append([
            {"text": b.get("text", ""), **({"url": b["url"]} if "url" in b else {}),
             "kind": "callback" if "callback_data" in b else ("url" if "url" in b else "other")}
            for b in row
        ])
    return out


def message_view(message: dict[str, Any], bot_id: int, tz: ZoneInfo) -> dict[str, Any]:
    sent = datetime.fromtimestamp(int(message.get("date", 0)), UTC).astimezone(tz)
    view: dict[str, Any] = {
        "id": message["message_id"],
        "from_bot": (message.get("from") or {}).get("id") == bot_id,
        "time": f"{sent:%H:%M}",
        "day": text(f"{sent.month}月{sent.day}日", f"{sent.day} {MONTHS_EN[sent.month - 1]}"),
        "edited": "edit_date" in message,
        "buttons": _buttons(message),
    }
    if "text" in message:
        view["text"] = message["text"]
        view["entities"] = _entities(message.get("entities"))
    if message.get("caption"):
        view["caption"] = message["caption"]
        view["caption_entities"] = _entities(message.get("caption_entities"))
    document = message.get("document")
    if isinstance(document, dict):
        view["document"] = {"file_id": document.get("file_id"),
                            "name": document.get("file_name") or "file",
                            "size": document.get("file_size", 0),
                            "mime": document.get("mime_type") or ""}
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        view["photo"] = {"file_id": photos[-1].get("file_id")}
    location = message.get("location")
    if isinstance(location, dict):
        view["location"] = {"latitude": location.get("latitude"),
                            "longitude": location.get("longitude"),
                            "forwarded": "forward_origin" in message}
    return view


def keyboard_view(keyboard: dict[str, Any] | None) -> list[list[dict[str, Any]]] | None:
    """The reply keyboard (menu) the bot shows a person, or None."""
    if not keyboard:
        return None
    rows: list[list[dict[str, Any]]] = []
    for row in keyboard.get("keyboard") or []:
        rows.append([
            {"text": b.get("text", ""), "location": bool(b.get("request_location"))}
            if isinstance(b, dict) else {"text": str(b), "location": False}
            for b in row
        ])
    return rows


def safe_file_name(raw: str) -> str:
    """A name from the person's computer, as Telegram would keep it: no folders, no control
    characters, not too long."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "file"
