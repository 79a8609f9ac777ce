// Progressive enhancement: check participant identifiers while they are typed.
// The forms work without this script (the server checks every identifier on submit); this
// only asks the same check earlier, from the field's data-check-url, and writes the answer
// into the element named by data-check-output.
(function () {
  "use strict";
  var DELAY_MS = 300;

  function attach(field) {
    var output = document.getElementById(field.getAttribute("data-check-output"));
    var url = field.getAttribute("data-check-url");
    if (!output || !url) { return; }
    var timer = null;
    var latest = 0;
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var request = ++latest;
        if (!field.value.trim()) { output.textContent = ""; return; }
        fetch(url + "?value=" + encodeURIComponent(field.value), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (answer) {
            if (!answer || request !== latest) { return; }
            output.textContent = answer.message;
            output.className = answer.valid ? "check ok" : "check bad";
          })
          .catch(function () { output.textContent = ""; });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("[data-check-url]").forEach(attach);
})();
