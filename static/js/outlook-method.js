// Shows the settings of the chosen Outlook connection method only (both in hybrid mode).
// Without JavaScript both stay visible, and the server still saves only what the chosen
// method uses.
(function () {
  "use strict";
  var form = document.getElementById("outlook-form");
  if (!form) return;
  var sections = {
    exchange: ["service-account"],
    microsoft365: ["oauth", "m365-domains"],
  };
  function show() {
    var chosen = form.querySelector('input[name="method"]:checked');
    var hybrid = form.querySelector('input[name="hybrid"]');
    if (hybrid && hybrid.checked) chosen = null;
    Object.keys(sections).forEach(function (method) {
      sections[method].forEach(function (id) {
        var section = document.getElementById(id);
        if (section) section.hidden = !!chosen && chosen.value !== method;
      });
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target && (event.target.name === "method" || event.target.name === "hybrid")) show();
  });
  show();
})();
