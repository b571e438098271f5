/*
 * The room page's only script: two settings htmx cannot take from attributes or its JSON
 * config (docs/architecture.md, "The one script"). Everything else is htmx attributes.
 */
(function () {
  "use strict";

  // Reconnect within about 2 s of the server being back. htmx's own "full-jitter" waits
  // random(0..2^n) s, up to 64 s, so after a 10 s restart a tab could wait 16 s more.
  // Still jittered, so a restart's reconnects spread over 2 s rather than arriving at once.
  htmx.config.wsReconnectDelay = function (retry) {
    return 250 + Math.random() * Math.min(1750, 250 * Math.pow(2, retry));
  };

  // Empty the composer the moment its text is handed to the socket (sent, or queued while
  // reconnecting), not when the server answers: keys pressed in between stay in the box.
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var form = event.target;
    if (form.id === "composer" && !(event.detail.errors || []).length) {
      form.reset();
    }
  });
})();
