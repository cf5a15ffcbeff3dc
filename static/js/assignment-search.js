// Search-as-you-type for Salesforce users and profiles on a sync configuration page.
// Without JavaScript the same search works as a plain GET form; this only saves the round trip.
(function () {
  "use strict";
  var input = document.getElementById("assign-q");
  var results = document.getElementById("assign-results");
  if (!input || !results || !window.fetch) { return; }
  var searchUrl = input.getAttribute("data-search-url");
  var assignUrl = input.getAttribute("data-assign-url");
  var minimum = parseInt(input.getAttribute("minlength") || "2", 10);
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";
  var timer = null;
  var latest = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function hidden(name, value) {
    return el("input", { type: "hidden", name: name, value: value });
  }

  function item(kind, id, label, title, details, assignedTo) {
    var li = el("li", { "class": "slds-item" });
    var form = el("form", { method: "post", action: assignUrl, "class": "lsync-inline-form" });
    form.appendChild(hidden("csrfmiddlewaretoken", token));
    form.appendChild(hidden("target_type", kind));
    form.appendChild(hidden("salesforce_id", id));
    form.appendChild(hidden("label", label));
    form.appendChild(el("span", { "class": kind === "user" ? "slds-badge" : "slds-badge slds-badge_inverse" },
      kind === "user" ? "User" : "Profile"));
    form.appendChild(document.createTextNode(" "));
    form.appendChild(el("strong", {}, title));
    if (details) { form.appendChild(document.createTextNode(" " + details)); }
    if (assignedTo) {
      form.appendChild(document.createTextNode(" \u00b7 "));
      form.appendChild(el("em", {}, "assigned to " + assignedTo));
    }
    var noun = kind === "user" ? "user" : "profile";
    form.appendChild(el("button", {
      type: "submit", "class": "slds-button slds-button_neutral slds-m-left_small",
      "aria-label": "Assign " + noun + " " + title
    }, "Assign"));
    li.appendChild(form);
    return li;
  }

  function message(text, isError) {
    var p = el("p", isError ? { "class": "slds-text-color_error", role: "alert" } : {}, text);
    results.replaceChildren(p);
  }

  function render(data) {
    if (data.error) { message(data.error, true); return; }
    if (!data.users.length && !data.profiles.length) {
      message("No active user or profile in Salesforce matches \"" + data.query + "\".");
      return;
    }
    var list = el("ul", { "class": "slds-has-dividers_top-space lsync-results" });
    data.users.forEach(function (u) {
      var details = u.email + (u.profile ? " \u00b7 " + u.profile : "");
      list.appendChild(item("user", u.id, u.name + " (" + u.username + ")", u.name, details, u.assigned_to));
    });
    data.profiles.forEach(function (p) {
      list.appendChild(item("profile", p.id, p.name, p.name, "", p.assigned_to));
    });
    results.replaceChildren(list);
  }

  function search() {
    var query = input.value.trim();
    if (query.length < minimum) { results.replaceChildren(); return; }
    var ticket = ++latest;
    fetch(searchUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (ticket === latest) { render(data); }
    }).catch(function (error) {
      if (ticket === latest) { message("The search failed (" + error.message + "). Press Search to try again.", true); }
    });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
