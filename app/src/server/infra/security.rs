//! Values the server's security layers hand to page rendering.

/// The Content-Security-Policy nonce of the current response, put into the request's
/// extensions by the server's CSP layer and used by the page's inline scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Makes the request's CSP nonce available to leptos' script tags.
pub fn provide_request_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}
