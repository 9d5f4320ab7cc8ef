"""Message text handling the way Telegram does it: HTML parse mode, entities, limits.

Telegram stores a message as plain text plus a list of entities whose offsets and lengths are
counted in UTF-16 code units; `parse_mode="HTML"` is parsed server side and rejected with
"can't parse entities" when malformed. The emulator reproduces that so a bot that forgets to
escape user input fails here exactly as it would in production.

The parser follows the behaviour (and error wording) of TDLib's HTML parser rather than a
general HTML parser: only the tags Telegram supports are accepted, `<` must always start a tag,
and only `&lt; &gt; &amp; &quot;` plus numeric character references are decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import ApiError

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# Tag name -> entity type. `a`, `span`, `code`, `tg-emoji` and `blockquote` need attributes
# looked at, which happens in `_entity_for`.
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "code", "tg-emoji", "blockquote"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def parse_error(detail: str) -> ApiError:
    return ApiError.bad_request(f"can't parse entities: {detail}")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output text
    byte_offset: int  # UTF-8 offset in the source, for error messages like Telegram's
    language: str | None = None  # set on <pre> by a nested <code class="language-...">


@dataclass
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len16 += utf16_len(text)

    def parse(self) -> FormattedText:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "<":
                if src.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            elif ch == "&":
                self.char_reference()
            else:
                # Copy the run of plain characters up to the next markup character.
                nxt = len(src)
                for stop in ("<", "&"):
                    found = src.find(stop, self.pos)
                    if found != -1:
                        nxt = min(nxt, found)
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise parse_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def char_reference(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        decoded = _decode_reference(match) if match else None
        if match and decoded is not None:
            self.emit(decoded)
            self.pos = match.end()
        else:
            # Telegram keeps an '&' that does not start a known reference as a literal.
            self.emit("&")
            self.pos += 1

    def start_tag(self) -> None:
        src = self.src
        begin = self.pos
        i = begin + 1
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        if i >= len(src):
            raise parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : i].lower()
        if name not in _SUPPORTED_TAGS:
            raise parse_error(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attrs, i = self.attributes(name, begin, i)
        self.pos = i + 1  # past '>'
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise parse_error('Tag "span" must have class "tg-spoiler"')
        self.stack.append(_OpenTag(name, attrs, self.out_len16, self.byte_offset(begin)))

    def attributes(self, tag: str, begin: int, i: int) -> tuple[dict[str, str], int]:
        """Parse `name="value"` pairs up to '>' and return them with the index of '>'."""
        src = self.src
        attrs: dict[str, str] = {}
        unclosed = parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] == ">":
                return attrs, i
            name_start = i
            while i < len(src) and (src[i].isalnum() or src[i] in "-_"):
                i += 1
            attr_name = src[name_start:i].lower()
            if not attr_name:
                raise parse_error(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] != "=":
                # A bare attribute, as in <blockquote expandable>.
                attrs[attr_name] = ""
                continue
            i += 1
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] in "\"'":
                quote = src[i]
                end = src.find(quote, i + 1)
                if end == -1:
                    raise unclosed
                raw = src[i + 1 : end]
                i = end + 1
            else:
                value_start = i
                while i < len(src) and not src[i].isspace() and src[i] != ">":
                    i += 1
                raw = src[value_start:i]
            attrs[attr_name] = decode_references(raw)

    def end_tag(self) -> None:
        src = self.src
        begin = self.pos
        close = src.find(">", begin)
        if close == -1:
            raise parse_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 2 : close].strip().lower()
        if not self.stack:
            raise parse_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if name != top.name:
            raise parse_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.stack.pop()
        self.pos = close + 1
        entity = self._entity_for(top)
        if entity is not None:
            self.entities.append(entity)

    def _entity_for(self, tag: _OpenTag) -> dict[str, Any] | None:
        length = self.out_len16 - tag.start
        if length == 0:
            return None
        entity: dict[str, Any] = {"offset": tag.start, "length": length}
        name = tag.name
        if name in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[name]
            if name == "pre" and tag.language:
                entity["language"] = tag.language
        elif name == "span":
            entity["type"] = "spoiler"
        elif name == "a":
            href = tag.attrs.get("href")
            if not href:
                return None
            entity["type"] = "text_link"
            entity["url"] = href
        elif name == "code":
            parent = self.stack[-1] if self.stack else None
            lang = tag.attrs.get("class", "")
            if parent is not None and parent.name == "pre":
                # <pre><code class="language-x"> is one pre entity with a language.
                if lang.startswith("language-"):
                    parent.language = lang.removeprefix("language-")
                return None
            entity["type"] = "code"
        elif name == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        else:  # blockquote
            entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        return entity


def _decode_reference(match: re.Match[str]) -> str | None:
    """The character a `&...;` reference stands for, or None if Telegram would not decode it."""
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def decode_references(raw: str) -> str:
    return _ENTITY_RE.sub(lambda m: _decode_reference(m) or m.group(0), raw)


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML into plain text and entities, or raise ApiError(400)."""
    return _HtmlParser(source).parse()


def _strip(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace like Telegram does, keeping entities aligned."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead16 = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead16, 0)
        end = min(entity["offset"] + entity["length"] - lead16, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def format_text(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
) -> FormattedText:
    """Turn what a bot sent (text + parse_mode or explicit entities) into what Telegram stores.

    Markdown parse modes are passed through untouched (the emulator does not check them).
    """
    if parse_mode and parse_mode.upper() == "HTML":
        formatted = parse_html(text)
    elif parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
        raise ApiError.bad_request(f"unsupported parse_mode {parse_mode!r}")
    else:
        formatted = FormattedText(text, list(entities or []))
    return _strip(formatted)


def check_message_text(formatted: FormattedText) -> None:
    if not formatted.text:
        raise ApiError.bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise ApiError.bad_request("message is too long")


def check_caption(formatted: FormattedText) -> None:
    if len(formatted.text) > MAX_CAPTION_LENGTH:
        raise ApiError.bad_request("message caption is too long")


def command_entities(text: str) -> list[dict[str, Any]]:
    """`bot_command` entities for every /command in a user's text, as Telegram marks them."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND_RE.finditer(text)
    ]
