"""Strings of the duty_sheets feature (Telegram HTML; parameters are escaped by t())."""

ZH: dict[str, str] = {
}

EN: dict[str, str] = {
}
