"""Strings of the duty_swaps feature (Telegram HTML; parameters are escaped by t())."""

ZH: dict[str, str] = {
}

EN: dict[str, str] = {
}
