// The page's forms that post to the server, which answers with the page again: each is
// sent once, a second press while the first is on its way does nothing. A form the
// page's code sends itself (its handler, registered after this one, prevents the
// browser's submission) is left usable.
addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "true";
  setTimeout(() => event.defaultPrevented && delete form.dataset.sending);
});
