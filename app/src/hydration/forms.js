// The page's forms that post to the server, which answers with the page again: each is
// sent once, a second press while the first is on its way does nothing, and the button
// pressed says that it is on its way (its `data-busy` text, 正在提交… by default) until the
// answer replaces the page: on a slow morning a press is never left looking like nothing
// happened. A form the page's code sends itself (its handler, registered after this one,
// prevents the browser's submission) is left to that code.
addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "true";
  const button = event.submitter;
  setTimeout(() => {
    if (event.defaultPrevented) return delete form.dataset.sending;
    // A form that only fetches a page (a filter, 删除报名's question) says nothing.
    if (!(button instanceof HTMLButtonElement) || (form.method !== "post" && !button.dataset.busy)) return;
    const english = document.documentElement.lang.startsWith("en");
    button.textContent = button.dataset.busy || (english ? "Sending…" : "正在提交…");
    button.setAttribute("aria-busy", "true");
  });
});
