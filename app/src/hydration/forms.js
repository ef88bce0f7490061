// The page's forms outside any island post to the server, which answers with the page
// again: each is sent once, a second press while the first is on its way does nothing.
addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if (form.dataset.sending) event.preventDefault();
  form.dataset.sending = "true";
});
