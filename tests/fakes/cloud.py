"""One platform host serving several bots, as Telegram's and Zalo's hosts serve every bot's token: the
fakes of both platforms (`FakeTelegramCloud`, `FakeZaloCloud`) share the host and route by token here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, Self, TypeVar

from aiohttp import web


class HostedBot(Protocol):
    async def stop(self) -> None: ...


B = TypeVar("B", bound=HostedBot)


class FakeCloud(ABC, Generic[B]):
    """Bots by token (``bot(token)``), served on one port; a token of no bot is recorded in
    ``unknown_tokens`` and the subclass answers it as its platform does."""

    name = "FakeCloud"

    def __init__(self, bots: dict[str, B], host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.bots = bots
        self.unknown_tokens: list[str] = []
        self._runner: web.AppRunner | None = None

    def bot(self, token: str) -> B:
        return self.bots[token]

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError(f"{self.name} is not started")
        return f"http://{self.host}:{self.port}"

    @abstractmethod
    def application(self) -> web.Application:
        """The platform's routes (the subclass's)."""

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for bot in self.bots.values():
            await bot.stop()  # its webhook deliveries; the bots serve no port of their own
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def routed(self, handle: Callable[[B, web.Request], Awaitable[web.StreamResponse]],
               refuse: Callable[[], web.StreamResponse]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A route handler that finds the bot of the token in the path and hands it the call."""

        async def route(request: web.Request) -> web.StreamResponse:
            token = request.match_info["token"]
            bot = self.bots.get(token)
            if bot is None:
                self.unknown_tokens.append(token)
                return refuse()
            return await handle(bot, request)

        return route


