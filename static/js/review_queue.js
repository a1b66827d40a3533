// The review queue: move with j/k (or the arrows), confirm with c, dismiss with d (type the reason,
// Enter), play the moment with p, open the call with Enter. Verdicts are sent without reloading
// the page and the focus moves to the next flag still to judge. Without JavaScript the same forms
// post normally and the page comes back at the next flag.
(function () {
  "use strict";

  var list = document.querySelector("[data-role=queue]");
  if (!list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll(".queue-item"));
  var audio = document.querySelector("[data-role=queue-audio]");
  var counter = document.querySelector("[data-role=queue-count]");
  var bulkForm = document.getElementById("bulk-form");
  var selectAll = document.querySelector("[data-role=select-all]");
  var selectedCount = document.querySelector("[data-role=selected-count]");
  var current = -1;
  var stopAt = null;
  var playing = null;

  function isDone(item) { return item.classList.contains("done"); }

  function focusItem(index, scroll, quiet) {
    if (index < 0 || index >= items.length) return;
    if (current >= 0 && items[current]) items[current].classList.remove("current");
    current = index;
    var item = items[current];
    item.classList.add("current");
    if (quiet) return;  // the first item on arrival: marked, but the page stays at the top
    item.focus({ preventScroll: true });
    if (scroll !== false) item.scrollIntoView({ block: "nearest" });
    if (history.replaceState) history.replaceState(null, "", "#" + item.id);
  }

  function move(delta) {
    if (!items.length) return;
    var next = current < 0 ? 0 : Math.min(items.length - 1, Math.max(0, current + delta));
    focusItem(next);
  }

  function nextOpen(from) {
    for (var i = from + 1; i < items.length; i++) if (!isDone(items[i])) return i;
    for (var j = 0; j < from; j++) if (!isDone(items[j])) return j;
    return -1;
  }

  function showError(item, text) {
    var box = item.querySelector("[data-role=error]");
    box.textContent = text;
    box.hidden = !text;
  }

  function send(form) {
    var item = form.closest(".queue-item");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError(item, "");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
      })
      .then(function (res) {
        button.disabled = false;
        if (!res.ok) {
          showError(item, res.body.error || (res.status === 403 || res.status === 404 ? list.dataset.forbidden : list.dataset.failed));
          return;
        }
        var state = item.querySelector("[data-role=state]");
        state.textContent = res.body.review_status_display;
        state.className = "review-state review-" + res.body.review_status;
        item.dataset.status = res.body.review_status;
        var reviewed = item.querySelector("[data-role=reviewed]");
        if (reviewed) reviewed.textContent = res.body.review_reason || "";
        if (!isDone(item)) {
          item.classList.add("done");
          if (counter && /^\d+$/.test(counter.textContent)) counter.textContent = String(Math.max(0, parseInt(counter.textContent, 10) - 1));
        }
        var index = items.indexOf(item);
        var next = nextOpen(index);
        if (next >= 0) focusItem(next); else focusItem(index);
      })
      .catch(function () {
        button.disabled = false;
        form.submit();  // the network hiccuped: fall back to the plain form
      });
  }

  list.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-role=verdict]");
    if (!form) return;
    e.preventDefault();
    send(form);
  });

  function play(item) {
    var btn = item.querySelector("[data-role=play]");
    if (!btn || !audio) return;
    if (playing === btn && !audio.paused) { audio.pause(); return; }
    var start = parseFloat(btn.dataset.start);
    var end = parseFloat(btn.dataset.end);
    var go = function () {
      audio.currentTime = Math.max(0, start - 0.5);
      stopAt = end + 0.5;
      var p = audio.play();
      if (p && p.catch) p.catch(function () {});
    };
    if (playing) playing.classList.remove("on");
    playing = btn;
    btn.classList.add("on");
    if (audio.getAttribute("src") !== btn.dataset.src) {
      audio.setAttribute("src", btn.dataset.src);
      audio.addEventListener("loadedmetadata", go, { once: true });
      audio.load();
    } else {
      go();
    }
  }
  if (audio) {
    audio.addEventListener("timeupdate", function () {
      if (stopAt !== null && audio.currentTime >= stopAt) { audio.pause(); stopAt = null; }
    });
    audio.addEventListener("pause", function () { if (playing) playing.classList.remove("on"); });
  }

  items.forEach(function (item, i) {
    item.addEventListener("click", function (e) {
      if (e.target.closest("[data-role=play]")) { focusItem(i, false); play(item); return; }
      if (e.target.closest("a, button, input, form, label")) { if (current !== i) focusItem(i, false); return; }
      focusItem(i, false);
    });
  });

  function updateSelected() {
    var checks = list.querySelectorAll(".queue-check");
    var n = list.querySelectorAll(".queue-check:checked").length;
    if (selectedCount) selectedCount.textContent = n ? selectedCount.dataset.label + ": " + n : "";
    if (selectAll) selectAll.checked = n > 0 && n === checks.length;
  }
  list.addEventListener("change", function (e) { if (e.target.classList.contains("queue-check")) updateSelected(); });
  if (selectAll) {
    selectAll.closest("label").hidden = false;
    selectAll.addEventListener("change", function () {
      list.querySelectorAll(".queue-check").forEach(function (c) { c.checked = selectAll.checked; });
      updateSelected();
    });
  }
  if (bulkForm) {
    bulkForm.addEventListener("submit", function (e) {
      if (!list.querySelector(".queue-check:checked")) { e.preventDefault(); }
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) {
      if (e.key === "Escape") { e.target.blur(); if (current >= 0) items[current].focus({ preventScroll: true }); }
      return;
    }
    var item = current >= 0 ? items[current] : null;
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (!item) { return; }
    else if (e.key === "c") { e.preventDefault(); send(item.querySelector("form[data-role=verdict]")); }
    else if (e.key === "d") {
      e.preventDefault();
      var reason = item.querySelector("[data-role=reason]");
      if (reason.value.trim()) send(reason.form); else reason.focus();
    }
    else if (e.key === "p") { e.preventDefault(); play(item); }
    else if (e.key === "x") {
      e.preventDefault();
      var check = item.querySelector(".queue-check");
      check.checked = !check.checked;
      updateSelected();
    }
    else if (e.key === "Enter" && (e.target === item || e.target === document.body)) {
      e.preventDefault();
      window.location.href = item.dataset.callUrl;
    }
  });

  var start = location.hash.indexOf("#row-") === 0 ? items.indexOf(document.getElementById(location.hash.slice(1))) : -1;
  if (start >= 0) focusItem(start, true); else focusItem(0, false, true);
})();
