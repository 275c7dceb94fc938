/* Behaviour every page shares, kept out of the markup: the Content-Security-Policy allows no inline script or
   event handler. */
(function () {
  "use strict";
  // A select marked data-autosubmit sends its form when its value changes (the language choice); without
  // JavaScript the form's own button does.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.requestSubmit();
    }
  });
})();
