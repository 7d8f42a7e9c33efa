"""Zalo Bot Platform adapter: updates in (`translate`), channel-neutral events to the handlers,
replies out (`render`); `receive` runs the polling loop or takes the webhook's calls, `client` talks to the API.

It holds no business rules, it only translates. Zalo has no inline buttons, no documents and no
message editing, so:
- buttons become numbered options (`hsdt.channels.numbered`, as in the terminal chat); the options last
  shown to a chat are kept in the database (`chat_menu`), written in the event's own transaction
  (`menus.ZaloMenus`, the dispatcher's hooks for this channel), so typing "2" or the label presses that
  button after a restart or on another bot process, and the menu never disagrees with the state;
- a screen that asks for a PDF (`Reply.upload`) gets a one-time upload link (`hsdt.links.tokens`);
  so does a file the user tries to send (it arrives as `message.unsupported.received`);
- the replies of one turn are joined into as few messages as the 2,000-character limit allows
  (the free plan counts outbound messages).
getUpdates answers one update and has no offset: the message id (in the bot's namespace) is the event id, and the
dispatcher's processed-event marker makes a redelivery harmless. Every event, a file Zalo cannot pass
on included, goes through the dispatcher, so it is answered once; the replies are committed first
and sent after (`ReplyDelivery`), refusals such as the monthly quota retried and reported.
"""
