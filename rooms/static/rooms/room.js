/*
 * The room page's only script: three small behaviours htmx cannot take from attributes or
 * its JSON config (docs/architecture.md, "The one script"). Everything else is htmx.
 */
(function () {
  "use strict";

  // Reconnect within about 2 s of the server being back. htmx's own "full-jitter" waits
  // random(0..2^n) s, up to 64 s, so after a 10 s restart a tab could wait 16 s more.
  // Still jittered, so a restart's reconnects spread over 2 s rather than arriving at once;
  // after a minute of trying (a long outage, an ended session), every 30 s at most.
  htmx.config.wsReconnectDelay = function (retry) {
    var ceiling = retry < 30 ? 1750 : 30000;
    return 250 + Math.random() * Math.min(ceiling, 250 * Math.pow(2, retry));
  };

  // Escape in an edit form cancels it, as its Cancel button does.
  document.addEventListener("keydown", function (event) {
    var form = event.key === "Escape" && event.target.closest && event.target.closest(".editing");
    var cancel = form && form.querySelector("[data-cancel]");
    if (cancel) {
      cancel.click();
    }
  });

  // Empty the composer the moment its text is handed to the socket (sent, or queued while
  // reconnecting), not when the server answers: keys pressed in between stay in the box.
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var form = event.target;
    if (form.id === "composer" && !(event.detail.errors || []).length) {
      form.reset();
    }
  });
})();
