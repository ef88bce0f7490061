//! How a page becomes interactive in the browser, chosen per page by the server
//! ([`page_code`]).
//!
//! - **None** ([`PageCode::None`]): the page is plain HTML: links, and forms that post to the
//!   server and come back (server functions answer a form post with a redirect to the page
//!   it came from, an error in its address). No wasm is loaded; a small inline script
//!   ([`StaticScripts`]) reads a copy restored from the back/forward cache again.
//! - **As islands** ([`PageCode::Islands`]): the server renders the whole page and the
//!   browser loads a small bundle (`frontend/islands`, one per page: [`IslandBundle`])
//!   holding only that page's interactive parts (`#[island]` components, their props
//!   serialized into the page), so that a parent's first load is not the whole
//!   application. There is no client-side router there: moving to another page is a page
//!   load (`browser::page::go`).
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
    /// The page's islands bundle.
    Islands(IslandBundle),
    /// The whole application.
    Whole,
}

/// The parent pages' islands bundles: one per page that has islands, each holding only
/// that page's, so that no page pays for another's code (docs/first-load.md). Each is
/// `frontend/islands` built with the feature of the same name into
/// `pkg/islands/<name>/` (`scripts/photo-codec.sh`); in `app` the feature
/// `island-<name>` makes the page's component an island there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IslandBundle {
    /// 新建报名.
    NewRegistration,
    /// A section's form.
    SectionForm,
    /// The documents page.
    Documents,
}

impl IslandBundle {
    /// Its name: the islands crate's feature and the bundle's folder.
    pub fn name(self) -> &'static str {
        match self {
            IslandBundle::NewRegistration => "new-registration",
            IslandBundle::SectionForm => "section-form",
            IslandBundle::Documents => "documents",
        }
    }
}

/// What code the page at `path` loads.
pub fn page_code(path: &str) -> PageCode {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["registrations", "new"] => PageCode::Islands(IslandBundle::NewRegistration),
        ["registrations", _, "sections", _] => PageCode::Islands(IslandBundle::SectionForm),
        ["registrations", _, "documents"] => PageCode::Islands(IslandBundle::Documents),
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

/// The scripts that load the page's islands bundle (`pkg/islands/<bundle>/<output
/// name>.js` and its `_bg.wasm`, written by `scripts/photo-codec.sh`) and hydrate its
/// islands. Everything the server renders after this (the page's body) is plain HTML but
/// for the islands.
#[component]
pub fn IslandScripts(options: LeptosOptions, bundle: IslandBundle) -> impl IntoView {
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let bundle = format!(
        "/{}/islands/{}/{}",
        options.site_pkg_dir,
        bundle.name(),
        options.output_name
    );
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
        <script nonce=use_nonce()>{concat!(include_str!("forms.js"), include_str!("taps.js")).trim_end()}</script>
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
        use IslandBundle::{Documents, NewRegistration, SectionForm};
        use PageCode::{Islands, None, Whole};
        let expected = [
            (
                None,
                "/ /me /materials /catchment /sign-in/problem /registrations /registrations/move",
            ),
            (
                None,
                "/registrations/7 /registrations/7/confirm /registrations/7/submitted",
            ),
            (
                None,
                "/registrations/7/delete /registrations/7/resubmit /registrations/7/decline /registrations/7/cancel-appointment",
            ),
            (Islands(NewRegistration), "/registrations/new"),
            (Islands(Documents), "/registrations/7/documents"),
            (
                Islands(SectionForm),
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
