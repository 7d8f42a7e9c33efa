"""The Zalo Official Account platform: Open API client, OAuth, webhook verification, events, windows.

What a channel adapter uses (the adapter itself lives beside this package):

* `settings.ZaloOASettings` (env `ZALO_OA_*`);
* `tokens.OATokenKeeper` (the `TokenSource` of the client; `status()` for alerts);
* `client.ZaloOAClient` (send text/documents/images/transaction messages; typed `errors`);
* `webhook.verify_call` + `WebhookPolicy` (bytes and header in, a typed `events.OAEvent` out);
* `windows.route_for` / `next_transaction_time` and `hsdt.storage.zalo_oa_repository.ZaloOARepository`
  (interactions, free allowance, counts).
"""
