// A page that loads no code: ready as it arrives; a copy restored from the back/forward
// cache is read again from the server.
document.documentElement.setAttribute("data-hydrated", "true");
addEventListener("pageshow", (event) => event.persisted && location.reload());
