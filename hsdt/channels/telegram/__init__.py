"""Telegram adapter (aiogram 3 as the Bot API client): updates in (`translate`), channel-neutral
events to the handlers, the committed replies out (`render`); `receive` runs the polling loop or takes
the webhook's updates, `client` is aiogram's session as the bot uses it."""
