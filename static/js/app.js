// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Follow-up questions: shown only while their parent has the trigger answer.
  // Without JavaScript they stay visible, and the server ignores an answer whose
  // parent was not the trigger.
  function syncFollowUps(form) {
    form.querySelectorAll("[data-parent]").forEach(function (el) {
      var parent = form.querySelector('input[name="q.' + el.dataset.parent + '"]:checked');
      el.hidden = !(parent && parent.value === el.dataset.trigger);
    });
  }
  document.querySelectorAll("form[data-followups]").forEach(function (form) {
    syncFollowUps(form);
    form.addEventListener("change", function () { syncFollowUps(form); });
  });
})();
