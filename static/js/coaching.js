// Practice check without a page reload: post the reply to the API and show the verdict.
// Without JavaScript the form posts to the page, which re-renders with the same verdict.
(function () {
  "use strict";
  var section = document.getElementById("practice");
  if (!section || !window.fetch) return;
  var labels = section.dataset;

  function item(text, small) {
    var li = document.createElement("li");
    li.textContent = text;
    if (small) {
      li.appendChild(document.createElement("br"));
      var s = document.createElement("small");
      s.textContent = small;
      li.appendChild(s);
    }
    return li;
  }

  function show(box, attempt) {
    box.textContent = "";
    var verdict = document.createElement("p");
    verdict.className = attempt.passed ? "coaching-pass" : "coaching-fail";
    verdict.textContent = attempt.passed ? "✓ " + labels.passed : "✗ " + labels.notYet;
    box.appendChild(verdict);
    if (attempt.passed) return;
    var list = document.createElement("ul");
    attempt.hits.forEach(function (hit) {
      list.appendChild(item("[" + hit.category + "] “" + hit.excerpt + "” — " + hit.explanation,
        hit.suggestion ? labels.try + ": " + hit.suggestion : ""));
    });
    if (!attempt.polite) list.appendChild(item(labels.polite));
    box.appendChild(list);
  }

  section.addEventListener("submit", function (event) {
    var form = event.target.closest(".coaching-practice-form");
    if (!form) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    var box = form.parentElement.querySelector(".coaching-result");
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
      },
      body: JSON.stringify({ item: Number(form.elements.item.value), reply: form.elements.reply.value }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (attempt) {
        show(box, attempt);
        if (attempt.passed) window.setTimeout(function () { window.location.reload(); }, 800);
      })
      .catch(function () { form.submit(); })
      .finally(function () { button.disabled = false; });
  });
})();
