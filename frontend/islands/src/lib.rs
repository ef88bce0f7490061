//! The parent pages' browser entry point: the server renders the whole page and this
//! bundle hydrates only its islands (`app::hydration`), so that it holds the pages'
//! interactive parts and not the whole application.

#![recursion_limit = "512"]

// The islands' hydration functions are exported by `app` (`#[island]`), one per island;
// the page's script calls each for its `<leptos-island>` after `hydrate`.
use app as _;

/// Called by the page's script once the wasm module is loaded, before the islands.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Built with the standard library's immediate abort (scripts/photo-codec.sh), a panic
    // stops the module without calling any hook: the hook's code would only weigh.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    // A server function that answers with a redirect (starting a registration) opens that
    // page: there is no router here to move within the page.
    let _ = leptos::server_fn::redirect::set_redirect_hook(app::browser::page::go);
    leptos::mount::hydrate_islands();
    // For the page's lifetime: the page has no router to end it.
    let _listener = app::browser::page::reload_when_restored_from_cache();
}
