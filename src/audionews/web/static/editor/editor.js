// Editor enhancements; every page works without them (forms post and render on the server).
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // A page that comes back with errors: move focus to their summary, so a screen reader reads
  // it at once (its role=alert alone is often not spoken when the page has just loaded) and
  // Tab leads to the first field in error.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();

  // Job pages: follow the job until it ends; announce state changes only, not every sentence.
  var job = document.querySelector("[data-job-url]");
  if (job) {
    var state = job.querySelector("[data-job-state]");
    var bar = job.querySelector("progress");
    var count = job.querySelector("[data-job-count]");
    var message = job.querySelector("[data-job-message]");
    var refresh = job.querySelector("[data-job-refresh]");
    if (refresh) refresh.hidden = true;
    var poll = function () {
      fetch(job.getAttribute("data-job-url"), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (state.textContent !== data.state) state.textContent = data.state;
          bar.max = data.sentences_total || 1;
          bar.value = data.sentences_done;
          count.textContent = data.sentences_done + " of " + data.sentences_total;
          message.textContent = data.message;
          if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { if (refresh) refresh.hidden = false; });
    };
    var finished = ["published", "failed"].indexOf(state.textContent) >= 0;
    if (!finished) setTimeout(poll, 1000);
  }

  // Edit page: preview the script and the diff as the editor types (debounced) or asks.
  var form = document.querySelector("form[data-preview-url]:not([data-lexicon-form])");
  if (form) {
    var body = document.querySelector("[data-preview-body]");
    var timer = null;
    var update = function () {
      var data = new FormData(form);
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: data, headers: { "X-CSRFToken": csrfToken(form) }
      }).then(function (r) { return r.text(); })
        .then(function (html) { body.innerHTML = html; });
    };
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 800);
    });
    var button = form.querySelector("button[value=preview]");
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        update();
        document.getElementById("preview").focus();
      });
    }
  }

  // Lexicon page: play the preview without reloading the page.
  var lexicon = document.querySelector("form[data-lexicon-form]");
  if (lexicon) {
    var hear = lexicon.querySelector("button[value=preview]");
    var holder = lexicon.querySelector("[data-lexicon-audio]");
    hear.addEventListener("click", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      ["word", "spoken", "sentence"].forEach(function (name) {
        params.set(name, lexicon.elements[name].value);
      });
      var audio = document.createElement("audio");
      audio.controls = true;
      audio.setAttribute("aria-label", "Preview of the pronunciation");
      audio.src = lexicon.getAttribute("data-preview-url") + "?" + params.toString();
      holder.replaceChildren(audio);
      audio.play().catch(function () {});
    });
  }
})();
