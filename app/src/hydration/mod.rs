//! How a page becomes interactive in the browser, chosen per page by the server.
//!
//! - **As islands** ([`hydrates_as_islands`]): the server renders the whole page and the
//!   browser loads a small bundle (`frontend/islands`) holding only the page's interactive
//!   parts (`#[island]` components, their props serialized into the page), so that a
//!   parent's first load is not the whole application. There is no client-side router
//!   there: moving to another page is a page load (`browser::page::go`).
//! - **Whole**: the other pages hydrate under the client-side router (`frontend`, the staff
//!   area in lazy pieces). An island met there (after a client-side move) renders as a
//!   plain component.
//!
//! Parent pages move to islands one at a time (docs/first-load.md); the section form is
//! the first.

use leptos::prelude::*;

/// Whether the page at `path` hydrates as islands rather than whole.
pub fn hydrates_as_islands(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["registrations", _, "sections", _])
}

/// The path of the page being rendered (on the server).
pub fn request_path() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_owned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The scripts that load the islands bundle (`pkg/islands/<output name>.js` and its
/// `_bg.wasm`, written by `scripts/photo-codec.sh`) and hydrate the page's islands.
/// Everything the server renders after this (the page's body) is plain HTML but for the
/// islands.
#[component]
pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let bundle = format!("/{}/islands/{}", options.site_pkg_dir, options.output_name);
    let script = format!("{bundle}.js");
    let wasm = format!("{bundle}_bg.wasm");
    let run = format!(
        "{}({script:?}, {wasm:?});",
        include_str!("islands.js").trim_end()
    );
    view! {
        <link rel="modulepreload" href=script.clone() />
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="" />
        <script type="module" nonce=use_nonce()>{run}</script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_form_hydrates_as_islands_and_the_other_pages_whole() {
        assert!(hydrates_as_islands("/registrations/7/sections/child"));
        assert!(hydrates_as_islands("/registrations/7/sections/guardian/"));
        for path in [
            "/",
            "/registrations",
            "/registrations/7",
            "/registrations/7/documents",
            "/registrations/7/sections",
            "/review/7",
            "/staff",
        ] {
            assert!(!hydrates_as_islands(path), "{path}");
        }
    }
}
