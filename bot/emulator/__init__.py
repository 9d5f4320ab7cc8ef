"""A local Telegram Bot API emulator for tests, demos and benchmarks.

    emu = BotApiEmulator(token="123456:TEST")
    await emu.start()
    app = (
        ApplicationBuilder().token(emu.token)
        .base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    )
    emu.add_user(1001, "张三")
    emu.send_text(1001, "/start")
    reply = await emu.wait_for_bot_message(1001)

See `server.BotApiEmulator` for the whole API.
"""

from bot.emulator.errors import ApiError
from bot.emulator.server import BotApiEmulator
from bot.emulator.state import EmulatedUser, Event, EventCallback

__all__ = ["ApiError", "BotApiEmulator", "EmulatedUser", "Event", "EventCallback"]
