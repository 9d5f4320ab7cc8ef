"""Text for Telegram and the message catalogs."""

from __future__ import annotations

import pytest

from bot.i18n import CATALOGS, normalize_language, placeholders, t, words
from bot.text import TELEGRAM_LIMIT, Markup, h, split_message


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = CATALOGS["zh"], CATALOGS["en"]
    assert zh.keys() == en.keys(), sorted(zh.keys() ^ en.keys())
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_parameters_are_escaped_but_markup_is_not() -> None:
    text = t("zh", "people.deactivated", name="<b>张三</b> & co")
    assert "&lt;b&gt;张三&lt;/b&gt; &amp; co" in text
    assert t("en", "whoami.card", name="x", department="d", title="t", phone="p",
             roles=Markup("<i>r</i>"), language="l").count("<i>r</i>") == 1
    assert h(Markup("<b>x</b>")) == "<b>x</b>" and h("<") == "&lt;"


def test_unknown_key_is_a_bug_not_a_silent_blank() -> None:
    with pytest.raises(KeyError):
        t("zh", "no.such.key")


@pytest.mark.parametrize(("code", "lang"), [
    ("zh-hans", "zh"), ("zh-TW", "zh"), ("en-US", "en"), ("English", "en"), ("中文", "zh"),
    (None, "zh"), ("fr", "zh"),
])
def test_language_codes(code: str | None, lang: str) -> None:
    assert normalize_language(code) == lang


def test_typed_words_in_both_languages() -> None:
    assert {"帮助", "help"} <= words("word.help")


def test_short_text_is_one_message() -> None:
    assert split_message("已签到 08:57") == ["已签到 08:57"]


def test_long_text_splits_at_line_breaks_and_loses_nothing() -> None:
    lines = [f"第 {n} 行：张伟 · 党政办 · 干事 &amp; 值班" for n in range(600)]
    text = "\n".join(lines)
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "\n".join(parts) == text


def test_overlong_line_never_cuts_an_entity_or_tag() -> None:
    line = ("<b>x</b>&amp;" * 800)
    parts = split_message(line)
    assert all(len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts) == line
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert not part.endswith("&") and not part.startswith("amp;")
