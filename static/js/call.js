// The call page: live pipeline status while a recording is processed; a two-lane transcript that
// follows playback; clicking a segment, flag, checklist item or metric seeks the audio there;
// playback speed and keyboard shortcuts (listed on the page).
(function () {
  "use strict";

  function poll(li) {
    var url = li.dataset.statusUrl;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (rec) {
        li.querySelector("[data-role=status]").textContent = rec.status_display;
        var bar = li.querySelector("[data-role=progress]");
        if (bar) bar.value = rec.progress;
        if (rec.status !== li.dataset.status && (rec.status === "done" || rec.status === "failed")) {
          window.location.reload();  // the transcript, flags or the failure reason are ready
          return;
        }
        li.dataset.status = rec.status;
        setTimeout(function () { poll(li); }, 2000);
      })
      .catch(function () { setTimeout(function () { poll(li); }, 5000); });
  }
  document.querySelectorAll(".recording").forEach(function (li) {
    if (li.dataset.status !== "done" && li.dataset.status !== "failed") poll(li);
  });

  var audios = Array.prototype.slice.call(document.querySelectorAll(".recording audio"));
  var segments = Array.prototype.slice.call(document.querySelectorAll(".segment"));
  if (!audios.length || !segments.length) return;
  var audio = audios[0];
  var flags = Array.prototype.slice.call(document.querySelectorAll(".flag-card"));
  var flagIndex = -1;
  var speed = document.querySelector("[data-role=speed]");
  var clock = document.querySelector("[data-role=clock]");
  var commentSelect = document.querySelector("[data-role=comment-segment]");

  function audioFor(recordingId) {
    if (!recordingId) return audio;
    var el = document.getElementById("audio-" + recordingId);
    return el || audio;
  }

  function seekTo(seconds, recordingId) {
    var target = audioFor(recordingId);
    if (target !== audio) { audio.pause(); audio = target; bind(audio); }
    audio.currentTime = seconds;
    var played = audio.play();
    if (played && played.catch) played.catch(function () {});
    highlight();
  }

  function seekSegment(el) {
    seekTo(parseFloat(el.dataset.start), el.dataset.recording);
    if (commentSelect) commentSelect.value = el.dataset.segmentId;
  }

  function seekFromControl(el) {
    var seg = el.dataset.segment ? document.getElementById(el.dataset.segment) : null;
    if (seg) {
      seekTo(parseFloat(el.dataset.seek), seg.dataset.recording);
      seg.scrollIntoView({ block: "nearest" });
      if (commentSelect) commentSelect.value = seg.dataset.segmentId;
    } else {
      seekTo(parseFloat(el.dataset.seek));
    }
  }

  segments.forEach(function (el) {
    el.addEventListener("click", function (e) {
      var mark = e.target.closest("mark[data-flag-ref]");
      if (mark) {
        var card = document.getElementById(mark.dataset.flagRef);
        if (card) { card.classList.add("focus"); setTimeout(function () { card.classList.remove("focus"); }, 1500); }
      }
      seekSegment(el);
    });
    el.addEventListener("keydown", function (e) { if (e.key === "Enter") seekSegment(el); });
  });
  document.querySelectorAll(".seek").forEach(function (btn) {
    btn.addEventListener("click", function (e) { e.stopPropagation(); seekFromControl(btn); });
  });
  flags.forEach(function (card, i) {
    card.addEventListener("click", function (e) {
      if (e.target.closest("form, a, button, input")) return;
      flagIndex = i;
      seekFromControl(card);
    });
  });

  function highlight() {
    var now = audio.currentTime;
    var rec = audio.dataset.recording;
    segments.forEach(function (el) {
      var sameAudio = !el.dataset.recording || el.dataset.recording === rec;
      var on = sameAudio && now >= parseFloat(el.dataset.start) && now < parseFloat(el.dataset.end);
      if (on && !el.classList.contains("playing")) el.scrollIntoView({ block: "nearest" });
      el.classList.toggle("playing", on);
    });
    if (clock) clock.textContent = now.toFixed(1) + " s";
  }

  var bound = [];
  function bind(a) {
    if (bound.indexOf(a) >= 0) return;
    bound.push(a);
    a.addEventListener("timeupdate", function () { if (a === audio) highlight(); });
    a.addEventListener("play", function () { if (a !== audio) { audio.pause(); audio = a; } });
  }
  audios.forEach(bind);

  if (speed) speed.addEventListener("change", function () {
    audios.forEach(function (a) { a.playbackRate = parseFloat(speed.value); });
  });
  function stepSpeed(delta) {
    if (!speed) return;
    var i = Math.min(speed.options.length - 1, Math.max(0, speed.selectedIndex + delta));
    speed.selectedIndex = i;
    speed.dispatchEvent(new Event("change"));
  }
  function gotoFlag(delta) {
    if (!flags.length) return;
    flagIndex = (flagIndex + delta + flags.length) % flags.length;
    var card = flags[flagIndex];
    card.scrollIntoView({ block: "nearest" });
    seekFromControl(card);
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    if (e.key === " " || e.key === "k") {
      if (tag === "button" || tag === "a") return;
      e.preventDefault();
      if (audio.paused) audio.play(); else audio.pause();
    } else if (e.key === "n") { gotoFlag(1); }
    else if (e.key === "p") { gotoFlag(-1); }
    else if (e.key === "j") { audio.currentTime = Math.max(0, audio.currentTime - 5); }
    else if (e.key === "l") { audio.currentTime = audio.currentTime + 5; }
    else if (e.key === "[") { stepSpeed(-1); }
    else if (e.key === "]") { stepSpeed(1); }
  });

  // Links like /calls/1/#segment-5 land on the moment, ready to play from there.
  if (location.hash.indexOf("#segment-") === 0) {
    var target = document.getElementById(location.hash.slice(1));
    if (target) {
      target.classList.add("focus");
      audioFor(target.dataset.recording).currentTime = parseFloat(target.dataset.start);
      target.scrollIntoView({ block: "center" });
    }
  }
  // ... and /calls/1/#flag-7 (the review queue, notifications) on the flag and its moment.
  if (location.hash.indexOf("#flag-") === 0) {
    var card = document.getElementById(location.hash.slice(1));
    var seg = card && card.dataset.segment ? document.getElementById(card.dataset.segment) : null;
    if (card) {
      flagIndex = flags.indexOf(card);
      card.classList.add("focus");
      card.scrollIntoView({ block: "nearest" });
    }
    if (seg) {
      seg.classList.add("focus");
      audio = audioFor(seg.dataset.recording);
      audio.currentTime = parseFloat(seg.dataset.start);
      seg.scrollIntoView({ block: "nearest" });
    }
  }
})();
