"""The message catalog: every user-facing string comes from here, zh-CN first, English complete.

Catalog strings are Telegram HTML; parameters are escaped unless they are Markup, so user
text can be passed in as it is.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from string import Formatter

from bot.i18n import en, zh
from bot.text import Markup, h

# Each feature keeps its own strings in bot/i18n/<feature>.py as ZH and EN dicts, so features
# can grow side by side; zh.py and en.py hold the common ones.
FEATURES = (
    "duty", "duty_signin", "duty_swaps", "duty_sheets",
    "meetings", "meetings_create", "meetings_rsvp", "meetings_changes", "meetings_minutes",
    "tasks", "tasks_assign", "tasks_progress", "tasks_supervision",
    "approvals", "seals", "seals_request", "seals_approval", "seals_keeping",
)
DEFAULT_LANGUAGE = "zh"


def _merge() -> dict[str, dict[str, str]]:
    catalogs = {"zh": dict(zh.MESSAGES), "en": dict(en.MESSAGES)}
    for feature in FEATURES:
        module = importlib.import_module(f"bot.i18n.{feature}")
        for lang, extra in (("zh", module.ZH), ("en", module.EN)):
            clash = catalogs[lang].keys() & extra.keys()
            if clash:
                raise RuntimeError(f"bot/i18n/{feature}.py redefines {sorted(clash)}")
            catalogs[lang].update(extra)
    return catalogs


CATALOGS: dict[str, dict[str, str]] = _merge()


def normalize_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's language_code (zh-hans, en-US, ...) or a typed word onto a catalog."""
    if not code:
        return default
    code = code.strip().lower()
    if code.startswith("zh") or code in ("中文", "汉语", "简体中文", "cn"):
        return "zh"
    if code.startswith("en") or code in ("english", "英文", "英语"):
        return "en"
    return default


def ref(key: str, **params: object) -> dict[str, object]:
    """A parameter that is itself a catalog entry, rendered in the reader's language — e.g.
    a shift kind in a reminder stored in the outbox: {"kind": ref("duty.kind.night")}.

    Parameters are plain JSON so they can wait in the outbox; besides refs they may be
    {"lines": [...]} (rendered one per line) or {"zh": ..., "en": ...} (picked by language).
    """
    return {"t": key, **params}


def lines(items: list[object], sep: object = None) -> dict[str, object]:
    """Items rendered one per line, or joined by `sep` (text or a ref, e.g.
    ref("list.sep") for 、 / ", ")."""
    return {"lines": items} if sep is None else {"lines": items, "sep": sep}


def t(lang: str, key: str, **params: object) -> Markup:
    catalog = CATALOGS.get(lang) or CATALOGS[DEFAULT_LANGUAGE]
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE].get(key)
    if template is None:
        raise KeyError(f"message {key!r} is not in the catalog")
    return Markup(template.format(**{name: _value(lang, value) for name, value in params.items()}))


def render(lang: str, value: object) -> Markup:
    """One parameter as `t` renders it (a ref, lines of them, a {"zh", "en"} pair, or plain
    text, escaped): for a line kept as data, e.g. a seal card's state line."""
    return _value(lang, value)


def _value(lang: str, value: object) -> Markup:
    if isinstance(value, dict):
        if "t" in value:
            return t(lang, str(value["t"]), **{k: v for k, v in value.items() if k != "t"})
        if "lines" in value:
            sep = _value(lang, value["sep"]) if "sep" in value else "\n"
            return Markup(sep.join(_value(lang, item) for item in value["lines"]))
        if value and set(value) <= set(CATALOGS):
            return h(value.get(lang, value.get(DEFAULT_LANGUAGE, "")))
    return h(value)


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def words(key: str) -> set[str]:
    """What people may type for an action, in every language (e.g. 签到 / sign in)."""
    found = {catalog[key] for catalog in CATALOGS.values() if key in catalog}
    return {w.strip() for entry in found for w in entry.split("|") if w.strip()}


def role_labels(lang: str, roles: Iterable[str]) -> str:
    """Role names in the order offices list them: staff, leader, clerk, seal keeper, admin."""
    order = ("staff", "leader", "clerk", "seal_keeper", "admin")
    chosen = sorted({str(r) for r in roles}, key=lambda r: order.index(r) if r in order else 9)
    return str(t(lang, "list.sep")).join(str(t(lang, f"role.{r}")) for r in chosen)
