// The dashboard's only script (served by the bot, no framework). Everything works without it; it adds:
// - the sign-in page submits itself, so opening the link from chat is one tap;
// - a filter select applies on change;
// - once a minute (with jitter, paused while the tab is hidden) a conditional request to the data
//   endpoint; 304 means nothing changed, a new ETag reloads the page once. No reload storm.
(function () {
  "use strict";

  var auto = document.querySelector("form[data-auto-submit]");
  if (auto) {
    var waiting = document.querySelector(".waiting");
    if (waiting) { waiting.hidden = false; }
    auto.submit();
    return;
  }

  var filters = document.querySelector("form[data-auto-filter]");
  if (filters) {
    Array.prototype.forEach.call(filters.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { filters.submit(); });
    });
  }

  var body = document.body;
  var url = body.getAttribute("data-poll");
  if (!url || !window.fetch) { return; }
  var etag = body.getAttribute("data-etag") || "";
  var checked = document.querySelector(".checked");
  var PERIOD = 60000;
  var timer = null;
  var stopped = false;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function say(text) {
    if (!checked) { return; }
    checked.textContent = text;
    checked.hidden = false;
  }

  function schedule() {
    if (stopped) { return; }
    clearTimeout(timer);
    timer = setTimeout(check, PERIOD + Math.floor(Math.random() * 10000));
  }

  function check() {
    if (document.hidden) { return; }  // resumed by visibilitychange
    fetch(url, { headers: { "If-None-Match": etag }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) {
          var now = new Date();
          say("· " + body.getAttribute("data-checked-label") + " " + two(now.getHours()) + ":" + two(now.getMinutes()));
        } else if (response.status === 200) {
          var fresh = response.headers.get("ETag");
          if (fresh && fresh !== etag) {
            stopped = true;
            say("· " + body.getAttribute("data-new-data"));
            window.location.reload();
            return;
          }
        } else if (response.status === 401 || response.status === 403) {
          stopped = true;
          say("· " + body.getAttribute("data-ended"));
          return;
        }
        schedule();
      })
      .catch(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) { schedule(); }
  });
  schedule();
})();
