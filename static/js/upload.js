// Drag-and-drop upload: each file goes to the API on its own request with its own progress bar,
// so one bad or slow file never blocks the others and the page stays responsive.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file-input");
  var list = document.getElementById("upload-list");
  var t = window.MOT_I18N;
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  function field(name) {
    var checked = form.querySelector("[name=" + name + "]:checked");
    if (checked) return checked.value;
    var el = form.querySelector("select[name=" + name + "], input[name=" + name + "]:not([type=radio])");
    return el ? el.value : "";
  }

  function row(file) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="name"></span> <progress max="100" value="0"></progress> <span class="state"></span>';
    li.querySelector(".name").textContent = file.name + " (" + (file.size / 1048576).toFixed(1) + " MB)";
    li.querySelector(".state").textContent = t.uploading;
    list.appendChild(li);
    return li;
  }

  // A refusal names its reason per field ({"file": [...], "started_at": [...]}) or in `detail`.
  function reasonOf(body, xhr) {
    if (body.detail) return body.detail;
    var parts = [];
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      var text = Array.isArray(value) ? value.join(" ") : String(value);
      var label = form.querySelector("label[for=id_" + key + "]");
      parts.push(label && key !== "file" ? label.textContent.replace(/:$/, "") + ": " + text : text);
    });
    return parts.join(" · ") || xhr.statusText;
  }

  function upload(file) {
    var li = row(file);
    var bar = li.querySelector("progress");
    var state = li.querySelector(".state");
    var data = new FormData();
    data.append("file", file);
    if (form.dataset.call) {
      data.append("call", form.dataset.call);
    } else {
      // started_at is the datetime-local value (Seoul wall time, no offset): the API reads it in
      // the server's time zone, Asia/Seoul. Empty fields are left out and take the API's defaults.
      ["agent", "direction", "outcome", "campaign", "customer_name", "customer_phone", "started_at"].forEach(function (name) {
        var value = field(name);
        if (value) data.append(name, value);
      });
    }
    var layout = form.querySelector("[name=channel_layout]").value;
    if (layout) data.append("channel_layout", layout);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
      if (xhr.status === 201) {
        bar.value = 100;
        li.classList.add("ok");
        state.innerHTML = "";
        state.append(t.queued + " · ");
        var link = document.createElement("a");
        link.href = "/calls/" + body.call + "/";
        link.textContent = t.open + " #" + body.call;
        state.appendChild(link);
      } else {
        li.classList.add("bad");
        state.textContent = t.failed + ": " + reasonOf(body, xhr);
        return;
      }
    };
    xhr.onerror = function () { li.classList.add("bad"); state.textContent = t.network; };
    xhr.send(data);
  }

  function take(files) { Array.prototype.forEach.call(files, upload); }

  zone.addEventListener("click", function () { input.click(); });
  zone.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  input.addEventListener("change", function () { take(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) { take(e.dataTransfer.files); });
})();
