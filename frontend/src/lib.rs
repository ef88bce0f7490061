//! The browser entry point: hydrates the server-rendered page.

// Release builds (without `erase_components`) name every view type in full: the section
// form's is deep.
#![recursion_limit = "512"]

/// Called by the hydration script once the wasm module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    // Asynchronous: a staff page's code is a separate wasm file (`app::pages::lazy`),
    // fetched before its part of the page can hydrate.
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // A marker for tests and styles: the page is interactive from here on.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
