// Practice check without a page reload: post the reply to the API and show the verdict.
// Without JavaScript the form posts to the page, which re-renders with the same verdict.
// The same script serves an assignment's practice and free practice on a module page: the form's
// data-api names the endpoint, and both take {item, reply}.
(function () {
  "use strict";
  var section = document.getElementById("practice");
  if (!section || !window.fetch) return;
  var labels = section.dataset;

  function line(text, small) {
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
      var li = line(" “" + hit.excerpt + "” — " + hit.explanation, hit.suggestion ? labels.try + ": " + hit.suggestion : "");
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = hit.category_label || hit.category;
      li.insertBefore(tag, li.firstChild);
      list.appendChild(li);
    });
    if (!attempt.polite) list.appendChild(line(labels.polite));
    box.appendChild(list);
  }

  function markPassed(form) {
    var prompt = form.parentElement.querySelector(".coaching-prompt");
    if (!prompt || prompt.querySelector(".coaching-done")) return;
    var tag = document.createElement("span");
    tag.className = "tag coaching-done";
    tag.textContent = labels.passed;
    prompt.appendChild(document.createTextNode(" "));
    prompt.appendChild(tag);
  }

  section.addEventListener("submit", function (event) {
    var form = event.target.closest(".coaching-practice-form");
    if (!form) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    var box = form.parentElement.querySelector(".coaching-result");
    // namedItem: elements.item is the collection's own item() method, not the field named "item".
    var item = form.elements.namedItem("item").value;
    var reply = form.elements.namedItem("reply").value;
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
      },
      body: JSON.stringify({ item: Number(item), reply: reply }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (attempt) {
        show(box, attempt);
        if (attempt.passed) {
          markPassed(form);
          // An assignment may now be completable: its button appears on a reload, kept in place.
          if (section.dataset.reloadOnPass) window.setTimeout(function () { window.location.reload(); }, 800);
        }
      })
      .catch(function () { form.submit(); })
      .finally(function () { button.disabled = false; });
  });
})();
