// The call page: live pipeline status while a recording is processed, and a transcript that
// seeks the audio when a segment is clicked and follows playback.
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

  var audio = document.querySelector(".recording audio");
  var segments = Array.prototype.slice.call(document.querySelectorAll(".segment"));
  if (!audio || !segments.length) return;

  function seek(el) {
    audio.currentTime = parseFloat(el.dataset.start);
    audio.play();
  }
  segments.forEach(function (el) {
    el.addEventListener("click", function () { seek(el); });
    el.addEventListener("keydown", function (e) { if (e.key === "Enter") seek(el); });
  });
  audio.addEventListener("timeupdate", function () {
    var now = audio.currentTime;
    segments.forEach(function (el) {
      var on = now >= parseFloat(el.dataset.start) && now < parseFloat(el.dataset.end);
      if (on && !el.classList.contains("playing")) el.scrollIntoView({ block: "nearest" });
      el.classList.toggle("playing", on);
    });
  });
})();
