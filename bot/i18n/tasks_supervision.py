"""Strings of tasks supervision (Telegram HTML; parameters are escaped by t())."""

ZH: dict[str, str] = {
}

EN: dict[str, str] = {
}
