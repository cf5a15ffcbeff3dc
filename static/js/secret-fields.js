// Secret inputs (data-lsync-secret) can be typed into but not copied, cut or dragged out.
// A static file rather than on* attributes: the Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  ["copy", "cut", "dragstart"].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      var target = event.target;
      if (target && target.closest && target.closest("[data-lsync-secret]")) {
        event.preventDefault();
      }
    }, true);
  });
})();
