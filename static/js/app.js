// Progressive enhancement only: every page works without this script.
import { initAll } from "/static/js/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Print buttons: hidden without JavaScript (the browser's own print command still works).
for (const button of document.querySelectorAll('[data-module="sd-print"]')) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
