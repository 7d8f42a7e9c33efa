"""Shared pieces of the Zalo OA tests: the fake platform, its OAuth client, a connected token pair."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hsdt.channels.zalo_oa.oauth import TokenGrant, ZaloOAuthClient, authorization_request
from tests.fakes.zalo_oa_server import FakeZaloOAServer
from tests.helpers import Clock

REDIRECT_URI = "https://hsdt.example.gov.vn/zalo-oa/callback"


@asynccontextmanager
async def oa_platform(clock: Clock) -> AsyncIterator[tuple[FakeZaloOAServer, ZaloOAuthClient]]:
    async with FakeZaloOAServer(clock=clock) as fake:
        fake.retry_delays_s = [0.05, 0.05]
        async with ZaloOAuthClient(fake.app_id, fake.app_secret, fake.base_url, timeout_s=5) as oauth:
            yield fake, oauth


def approved_code(fake: FakeZaloOAServer, oauth: ZaloOAuthClient) -> tuple[str, str]:
    """The OA admin grants the app: (code, code verifier)."""
    request = authorization_request(oauth.app_id, REDIRECT_URI, fake.base_url)
    return fake.approve(request.url), request.code_verifier


async def connected(fake: FakeZaloOAServer, oauth: ZaloOAuthClient) -> TokenGrant:
    code, verifier = approved_code(fake, oauth)
    return await oauth.exchange_code(code, verifier)
