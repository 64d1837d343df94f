// Progressive enhancement only: every page works without this script.
import { initAll } from "/static/js/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Print buttons: hidden without JavaScript (the browser's own print command still works).
for (const button of document.querySelectorAll('[data-module="sd-print"]')) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// A form sent after the session expired, given back after sign-in: fill in the form on this page
// that was sent (the server has already filled in a form that posts to this page's own path).
const restored = document.getElementById("sd-restored");
if (restored) {
  let fields = [];
  try {
    fields = JSON.parse(restored.dataset.fields || "[]");
  } catch {
    fields = [];
  }
  const form = [...document.querySelectorAll("form[method=post]")].find(
    (f) => new URL(f.action, window.location.href).pathname === restored.dataset.action,
  );
  if (form) {
    const sent = (name) => fields.filter(([k]) => k === name).map(([, v]) => v);
    for (const el of form.elements) {
      if (!el.name || el.name === "_csrf" || el.type === "hidden" || el.type === "file") continue;
      const values = sent(el.name);
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.includes(el.value);
        el.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (values.length > 0 && el.tagName !== "BUTTON") {
        el.value = values[values.length - 1];
      }
    }
  }
}

// The session timeout warning (templates/partials/session_timeout.html): opened two minutes
// before the session ends; "Stay signed in" (or Escape) renews it.
const dialog = document.getElementById("sd-timeout");
if (dialog && typeof dialog.showModal === "function") {
  const warnBefore = Number(dialog.dataset.warnBefore || 120) * 1000;
  let deadline = Date.now() + Number(dialog.dataset.expiresIn || 0) * 1000;
  let ended = false;
  let returnFocus = null;
  const part = (name) => dialog.querySelector(`[data-sd-timeout="${name}"]`);
  const countdown = dialog.querySelector("[data-sd-countdown]");
  const csrf = dialog.querySelector("input[name=_csrf]");

  const describe = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds > 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minutes`;
    }
    return seconds === 1 ? "1 second" : `${seconds} seconds`;
  };

  const open = () => {
    if (dialog.open) return;
    returnFocus = document.activeElement;
    dialog.showModal();
  };

  const close = () => {
    if (dialog.open) dialog.close();
    if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
  };

  const end = () => {
    ended = true;
    part("warning").hidden = true;
    part("ended").hidden = false;
    dialog.setAttribute("aria-labelledby", "sd-timeout-ended-title");
    dialog.setAttribute("aria-describedby", "sd-timeout-ended-message");
    open();
    dialog.querySelector("#sd-timeout-ended-title").focus();
  };

  const stay = async () => {
    try {
      const response = await fetch(dialog.dataset.keepAlive, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf ? csrf.value : "" }),
        credentials: "same-origin",
        redirect: "error",
      });
      if (!response.ok) throw new Error(`keep-alive: ${response.status}`);
      const answer = await response.json();
      deadline = Date.now() + Number(answer.expires_in_seconds || 0) * 1000;
      close();
    } catch {
      end();
    }
  };

  const tick = () => {
    if (ended) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      end();
      return;
    }
    if (left <= warnBefore) {
      countdown.textContent = describe(left);
      open();
    }
  };

  dialog.querySelector("[data-sd-stay]").addEventListener("click", stay);
  dialog.querySelector("[data-sd-close]").addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => {
    // Escape: on the warning it means "stay signed in"; once signed out it closes the dialog.
    event.preventDefault();
    if (ended) close();
    else stay();
  });
  tick();
  window.setInterval(tick, 1000);
}
