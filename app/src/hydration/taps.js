// A tap on one of the page's own buttons before its code runs (a phone draws the page well
// before the code has loaded) is kept, the last one, and pressed again once the islands
// have woken (islands.js): the parent is never left with a press that did nothing. Links
// and forms work without code and are left alone.
addEventListener("click", function early(event) {
  const root = document.documentElement;
  if (root.hasAttribute("data-hydrated")) return removeEventListener("click", early, true);
  const button = event.target instanceof Element && event.target.closest('leptos-island button[type="button"]');
  if (!button || button.disabled) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  self.earlyTap?.removeAttribute("aria-busy");
  self.earlyTap = button;
  button.setAttribute("aria-busy", "true");
}, true);
