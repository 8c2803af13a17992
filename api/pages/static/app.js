// Otklik pages: live queue (server-sent events → htmx refresh) and "select all" on triage. No inline script.
(function () {
  "use strict";
  function live() {
    var rows = document.getElementById("queue-rows");
    if (!rows || !window.EventSource) { return; }
    var source = new EventSource(rows.getAttribute("data-stream"));
    source.addEventListener("changed", function () {
      var current = document.getElementById("queue-rows");
      if (current && window.htmx) { window.htmx.trigger(current, "queue-changed"); }
    });
    var status = document.getElementById("live-status");
    source.onopen = function () { if (status) { status.textContent = "обновляется автоматически"; } };
    source.onerror = function () { if (status) { status.textContent = "нет связи, переподключение…"; } };
  }
  function selectAll() {
    var all = document.getElementById("select-all");
    if (!all) { return; }
    all.addEventListener("change", function () {
      document.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { live(); selectAll(); });
})();
