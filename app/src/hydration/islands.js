// Loads the parent pages' bundle and hydrates every island of the page, outer islands
// before the islands inside them; then marks the page interactive (<html data-hydrated>)
// and presses again a button tapped before (taps.js).
(async (script, wasm) => {
  const bundle = await import(script);
  await bundle.default({ module_or_path: wasm });
  bundle.hydrate();
  // An island's server-rendered children hand their owner to the islands inside them.
  const owners = [];
  const visit = async (parent) => {
    for (const element of parent.children) {
      if (element.localName === "leptos-island") {
        const hydrate = bundle[element.dataset.component];
        if (hydrate) {
          owners.at(-1)?.();
          await hydrate(element);
        } else {
          console.warn("no code for island", element.dataset.component);
        }
        await visit(element);
      } else if (element.localName === "leptos-children") {
        owners.push(element.$$on_hydrate);
        await visit(element);
        owners.pop();
      } else {
        await visit(element);
      }
    }
  };
  await visit(document.body);
  document.documentElement.setAttribute("data-hydrated", "true");
  const tapped = self.earlyTap;
  delete self.earlyTap;
  if (tapped?.isConnected) {
    tapped.removeAttribute("aria-busy");
    tapped.click();
  }
})
