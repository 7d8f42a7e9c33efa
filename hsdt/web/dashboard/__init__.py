"""The read-only web dashboard served by the bot's own web server.

`auth` signs the one-time sign-in links a chat hands out and keeps browser sessions; `views` turns the
report data set into what the pages show (pure); `charts` draws SVG; `exports` is the one door to the
report renderers; `routes` is the aiohttp sub-application with its Jinja2 templates; `deps` is what the
composition root hands it (the engine, the rubric cache, the sign-in issuer, the cookie policy).
"""
