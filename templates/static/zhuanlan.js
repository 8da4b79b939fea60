/* zhuanlan: small helpers for every page. The site works without them. */
(function () {
  "use strict";

  /* "/" puts the cursor in the search box, as on most sites with search. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.getElementById("site-search-input");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
