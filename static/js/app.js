/* Behaviour every page shares, kept out of the markup: the Content-Security-Policy allows no inline script or
   event handler. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The phone header: one row with a menu button that opens the navigation and the account links.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest(".menu-toggle") : null;
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;
    var open = menu.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  ready(function () {
    // A rejected form: every error is on the page; bring the first into view and put the cursor in its field.
    var error = document.querySelector(
      ".content .field.has-error, .content .choice-group.has-error, .content form .error[role=alert], .content .errorlist"
    );
    if (error) {
      var field = error.querySelector("input:not([type=hidden]), select, textarea") ||
        (error.closest(".field") || error.parentElement || error).querySelector("input:not([type=hidden]), select, textarea");
      var details = error.closest("details");
      if (details) details.open = true;
      error.scrollIntoView({ block: "center" });
      if (field) field.focus({ preventScroll: true });
    }
    // A page's messages can be put away (on a phone they stay at the bottom of the screen, in view).
    document.querySelectorAll(".messages .message").forEach(function (message) {
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "dismiss";
      dismiss.setAttribute("aria-label", message.parentElement.getAttribute("data-dismiss-label") || "×");
      dismiss.textContent = "×";
      dismiss.addEventListener("click", function () { message.remove(); });
      message.prepend(dismiss);
    });
  });
  // A select marked data-autosubmit sends its form when its value changes (the language choice); without
  // JavaScript the form's own button does.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.requestSubmit();
    }
  });
})();
