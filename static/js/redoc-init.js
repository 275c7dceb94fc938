/* Starts Redoc on /api/redoc/ (templates/drf_spectacular/redoc.html). Its styled components write <style>
   elements, which the Content-Security-Policy accepts only with this page's nonce: Redoc is given the nonce
   that this script tag carries. */
(function () {
  "use strict";
  var script = document.currentScript;
  var settings = JSON.parse(script.dataset.settings || "{}");
  settings.nonce = script.nonce;

  // Redoc's sidebar shows its maker's logo from the maker's own server; the policy loads nothing from another
  // origin, so the image is an empty one instead.
  var blank = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  function local(value) {
    return String(value).indexOf("https://cdn.redoc.ly/") === 0 ? blank : value;
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, this instanceof HTMLImageElement && name === "src" ? local(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) { src.set.call(this, local(value)); }
  });

  window.Redoc.init(script.dataset.schemaUrl, settings, document.getElementById("redoc-container"));
})();
