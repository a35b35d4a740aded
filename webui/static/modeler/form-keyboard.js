// The form editor's Tab order (issue 22, WCAG 2.1.1/2.1.2): form-js makes each of its ~14
// palette entries and every field of the form a Tab stop, so Tab went round the editor for
// dozens of presses before "Foreslå" came. Each of the two becomes one stop (a roving
// tabindex): Tab enters at the entry or field last used and leaves the editor; the arrow keys,
// Home and End move inside. A MutationObserver keeps it so as form-js re-renders.
const GROUPS = [".fjs-palette-field", ".fjs-element[data-id]"];
const KEYS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

function items(root, selector) {
  return Array.from(root.querySelectorAll(selector)).filter((el) => el.offsetParent !== null || el === document.activeElement);
}

function arrange(root) {
  GROUPS.forEach((selector) => {
    const all = items(root, selector);
    if (!all.length) { return; }
    const current = all.find((el) => el.dataset.rovingCurrent === "1") || all[0];
    all.forEach((el) => {
      const wanted = el === current ? "0" : "-1";
      if (el.getAttribute("tabindex") !== wanted) { el.setAttribute("tabindex", wanted); }
    });
  });
}

function makeCurrent(root, selector, el) {
  root.querySelectorAll(selector).forEach((other) => { if (other !== el) { delete other.dataset.rovingCurrent; } });
  el.dataset.rovingCurrent = "1";
  arrange(root);
}

export function oneTabStopPerGroup(root) {
  root.addEventListener("focusin", (event) => {
    const selector = GROUPS.find((s) => event.target.matches?.(s));
    if (selector) { makeCurrent(root, selector, event.target); }
  });
  root.addEventListener("keydown", (event) => {
    const selector = GROUPS.find((s) => event.target.matches?.(s));
    if (!selector || !(event.key in KEYS || event.key === "Home" || event.key === "End")) { return; }
    const all = items(root, selector);
    const at = all.indexOf(event.target);
    const next = event.key === "Home" ? 0 : event.key === "End" ? all.length - 1
      : Math.min(all.length - 1, Math.max(0, at + KEYS[event.key]));
    event.preventDefault();
    event.stopPropagation();  // form-js must not also act on the arrow
    makeCurrent(root, selector, all[next]);
    all[next].focus();
  }, true);
  let pending = false;
  new MutationObserver(() => {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(() => { pending = false; arrange(root); });
  }).observe(root, { childList: true, subtree: true });
  arrange(root);
}
