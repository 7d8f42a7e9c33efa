"""The Zalo Official Account channel: the platform's pieces and the adapter on the channel contract.

The platform:

* `settings.ZaloOASettings` (env `ZALO_OA_*`);
* `tokens.OATokenKeeper` (the `TokenSource` of the client; `status()` for alerts);
* `client.ZaloOAClient` (send text/documents/images/transaction messages; typed `errors`);
* `webhook.verify_call` + `WebhookPolicy` (bytes and header in, a typed `events.OAEvent` out);
* `windows.route_for` / `next_transaction_time` and `hsdt.storage.zalo_oa_repository.ZaloOARepository`
  (interactions, free allowance, counts).

The adapter (the same channel-neutral handlers as every other channel):

* `translate` (an `OAEvent` as the channel-neutral `Incoming`), `hooks.OAMenus` (numbered menus: a
  typed channel), `render.OATurns` (replies as consultation messages, files, images, or a
  transaction message outside the window), `receive.OAChannel` (each event once, in its user's order).

The webhook route is `hsdt.web.zalo_oa_route`; the bootstrap builds the channel in `hsdt.app.zalo_oa`.
"""
