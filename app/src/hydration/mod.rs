//! How a page becomes interactive in the browser, chosen per page by the server
//! ([`page_code`]).
//!
//! - **None** ([`PageCode::None`]): the page is plain HTML: links, and forms that post to the
//!   server and come back (server functions answer a form post with a redirect to the page
//!   it came from, an error in its address). No wasm is loaded; a small inline script
//!   ([`StaticScripts`]) reads a copy restored from the back/forward cache again.
//! - **As islands** ([`PageCode::Islands`]): the server renders the whole page and the
//!   browser loads a small bundle (`frontend/islands`) holding only the pages' interactive
//!   parts (`#[island]` components, their props serialized into the page), so that a
//!   parent's first load is not the whole application. There is no client-side router
//!   there: moving to another page is a page load (`browser::page::go`).
//! - **Whole** ([`PageCode::Whole`]): the other pages hydrate under the client-side router
//!   (`frontend`, the staff area in lazy pieces). An island met there (after a client-side
//!   move) renders as a plain component, and a page of the first two kinds reached by a
//!   client-side move renders whole too.
//!
//! Parent pages move off the whole bundle one at a time (docs/first-load.md).

use leptos::prelude::*;

use crate::routes::Irreversible;

/// What code a page loads in the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageCode {
    /// None: server-rendered HTML and forms.
    None,
    /// The islands bundle.
    Islands,
    /// The whole application.
    Whole,
}

/// What code the page at `path` loads.
pub fn page_code(path: &str) -> PageCode {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["registrations", "new"]
        | ["registrations", _, "documents"]
        | ["registrations", _, "sections", _] => PageCode::Islands,
        [""]
        | ["me"]
        | ["materials"]
        | ["catchment"]
        | ["sign-in", "problem"]
        | ["registrations"]
        | ["registrations", _]
        | ["registrations", _, "confirm" | "submitted"] => PageCode::None,
        // The pages that ask before an action that cannot be undone.
        ["registrations", _, action] if Irreversible::from_code(action).is_some() => PageCode::None,
        _ => PageCode::Whole,
    }
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
        <script nonce=use_nonce()>{include_str!("forms.js").trim_end()}</script>
    }
}

/// A page without code: marks it ready (`<html data-hydrated>`, as the bundles do once they
/// have hydrated) and reads a copy restored from the back/forward cache again from the
/// server, which the bundles' `browser::page::reload_when_restored_from_cache` does on
/// theirs.
#[component]
pub fn StaticScripts() -> impl IntoView {
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <script nonce=use_nonce()>
            {concat!(include_str!("static.js"), include_str!("forms.js")).trim_end()}
        </script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_parent_page_loads_only_the_code_it_needs() {
        use PageCode::{Islands, None, Whole};
        let expected = [
            (
                None,
                "/ /me /materials /catchment /sign-in/problem /registrations",
            ),
            (
                None,
                "/registrations/7 /registrations/7/confirm /registrations/7/submitted",
            ),
            (
                None,
                "/registrations/7/delete /registrations/7/resubmit /registrations/7/decline",
            ),
            (Islands, "/registrations/new /registrations/7/documents"),
            (
                Islands,
                "/registrations/7/sections/child /registrations/7/sections/guardian/",
            ),
            (Whole, "/registrations/7/sections /draws/3 /review/7 /staff"),
        ];
        for (code, paths) in expected {
            for path in paths.split(' ') {
                assert_eq!(page_code(path), code, "{path}");
            }
        }
    }
}
