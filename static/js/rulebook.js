// Live test of a rule while it is edited: after a pause in typing, post the draft pattern, its
// speaker and examples to the test endpoint and show what matches. Nothing is saved.
(function () {
  "use strict";
  var panel = document.getElementById("live-test");
  var form = document.getElementById("rule-form");
  if (!panel || !form || !window.fetch) return;
  var L = panel.dataset;
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var status = panel.querySelector(".rb-live-status");
  var examplesBox = panel.querySelector(".rb-live-examples");
  var summary = panel.querySelector(".rb-live-summary");
  var samplesBox = panel.querySelector(".rb-live-samples");
  var patternError = document.getElementById("live-pattern-error");
  var days = document.getElementById("live-days");
  var timer = null;
  var inflight = null;
  var serial = 0;

  function field(name) {
    return form.querySelector("[name=" + name + "]");
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key];
    });
  }

  // The text with its matched spans marked; built from nodes, never from HTML strings.
  function highlighted(parts) {
    var span = document.createElement("span");
    parts.forEach(function (part) {
      var node = part.hit ? document.createElement("mark") : document.createTextNode(part.text);
      if (part.hit) {
        node.className = "rb-hit";
        node.textContent = part.text;
      }
      span.appendChild(node);
    });
    return span;
  }

  function showExamples(examples) {
    examplesBox.textContent = "";
    if (!examples.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = L.lNoExamples;
      examplesBox.appendChild(empty);
      return;
    }
    examples.forEach(function (ex) {
      var li = document.createElement("li");
      li.className = ex.ok ? "rb-ok" : "rb-bad";
      var mark = document.createElement("span");
      mark.className = "rb-mark";
      mark.textContent = ex.ok ? "✓" : "✗";
      mark.setAttribute("aria-label", ex.ok ? "OK" : "X");
      li.appendChild(mark);
      li.appendChild(highlighted(ex.parts));
      var note = document.createElement("small");
      note.textContent = " — " + (ex.must_match ? L.lMustMatch : L.lMustNotMatch) + ", " +
        (ex.matched ? L.lMatches : L.lNoMatch);
      li.appendChild(note);
      examplesBox.appendChild(li);
    });
  }

  function showRecent(recent) {
    samplesBox.textContent = "";
    summary.textContent = recent.segments
      ? fill(L.lRecent, { hits: recent.hits, segments: recent.segments, days: recent.days })
      : fill(L.lNoneRecent, { days: recent.days });
    recent.samples.forEach(function (sample) {
      var li = document.createElement("li");
      var who = document.createElement("span");
      who.className = "rb-who";
      who.textContent = { agent: L.lAgent, customer: L.lCustomer }[sample.speaker] || L.lUnknown;
      li.appendChild(who);
      li.appendChild(highlighted(sample.parts));
      li.appendChild(document.createTextNode(" "));
      var link = document.createElement("a");
      link.href = L.callUrl.replace("/0/", "/" + sample.call + "/") + "#segment-" + sample.segment;
      link.textContent = L.lOpen;
      li.appendChild(link);
      samplesBox.appendChild(li);
    });
  }

  // The page may come back from a refused save with the pattern's error beside it; once the
  // pattern is tried live, the live message replaces it (or clears it when the pattern compiles).
  var serverError = form.querySelector(".field-pattern .errors");

  function showError(message) {
    if (serverError) serverError.hidden = true;
    patternError.textContent = message;
    patternError.hidden = !message;
  }

  function run() {
    var pattern = field("pattern").value;
    if (!pattern.trim()) {
      showError("");
      status.textContent = "";
      return;
    }
    var body = new FormData();
    body.append("pattern", pattern);
    body.append("speaker", field("speaker").value);
    body.append("must_match", field("must_match").value);
    body.append("must_not_match", field("must_not_match").value);
    body.append("days", days.value);
    if (inflight) inflight.abort();
    inflight = window.AbortController ? new AbortController() : null;
    var mine = ++serial;
    status.textContent = L.lRunning;
    panel.classList.add("rb-busy");
    fetch(panel.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      signal: inflight ? inflight.signal : undefined,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (mine !== serial) return; // a newer draft is on its way
        panel.classList.remove("rb-busy");
        if (!result.ok) {
          // what the last good pattern matched would mislead next to a broken one
          examplesBox.textContent = "";
          samplesBox.textContent = "";
          summary.textContent = "";
          showError(result.data.error || L.lFailed);
          status.textContent = result.data.error || L.lFailed;
          status.className = "rb-live-status small rb-bad";
          return;
        }
        showError("");
        var data = result.data;
        status.textContent = data.examples_ok ? L.lAllOk : L.lNotOk;
        status.className = "rb-live-status small " + (data.examples_ok ? "rb-ok" : "rb-bad");
        showExamples(data.examples);
        showRecent(data.recent);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (mine !== serial) return;
        panel.classList.remove("rb-busy");
        status.textContent = L.lFailed;
        status.className = "rb-live-status small rb-bad";
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, 500);
  }

  ["pattern", "speaker", "must_match", "must_not_match"].forEach(function (name) {
    var el = field(name);
    el.addEventListener("input", later);
    el.addEventListener("change", later);
  });
  days.addEventListener("change", run);
  run();
})();
