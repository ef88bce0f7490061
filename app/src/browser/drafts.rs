//! Local copies of section answers, kept in the browser at every keystroke so that nothing
//! typed is lost (a crash, a closed page, an expired session, no network). Each copy
//! remembers the server version it was based on. Cleared after a successful save and on
//! sign-out.

use serde::{Deserialize, Serialize};

use crate::domain::SectionData;

/// A section's answers as last typed on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDraft {
    pub base_version: i64,
    pub data: SectionData,
    /// Prefilled values the parent said were wrong, with why.
    #[serde(default)]
    pub corrections: std::collections::BTreeMap<String, String>,
}

const PREFIX: &str = "ruxue:draft:";

fn key(registration_id: i32, section: &str) -> String {
    format!("{PREFIX}{registration_id}:{section}")
}

/// Keeps the answers on this device.
pub fn store(registration_id: i32, section: &str, draft: &LocalDraft) {
    #[cfg(target_arch = "wasm32")]
    {
        use gloo_storage::Storage;
        let _ = gloo_storage::LocalStorage::set(key(registration_id, section), draft);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (key(registration_id, section), draft);
}

/// The answers kept on this device, if any.
pub fn load(registration_id: i32, section: &str) -> Option<LocalDraft> {
    #[cfg(target_arch = "wasm32")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get(key(registration_id, section)).ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = key(registration_id, section);
        None
    }
}

/// Forgets the answers kept on this device for a section.
pub fn remove(registration_id: i32, section: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::delete(key(registration_id, section));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = key(registration_id, section);
}

/// Forgets every local copy (sign-out): no child's data stays in the browser.
pub fn clear_all_drafts() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
            return;
        };
        let length = storage.length().unwrap_or(0);
        let keys: Vec<String> = (0..length)
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(PREFIX))
            .collect();
        for k in keys {
            let _ = storage.remove_item(&k);
        }
    }
}

/// Sends a section's answers with a request the browser completes even when the page is
/// being closed (`fetch` with `keepalive`): the last keystrokes before a webview closes
/// still reach the server. Its answer is not read; the copy on this device stays until a
/// later visit finds the server holding the same answers.
pub fn send_on_exit(
    registration_id: i32,
    section: &str,
    base_version: i64,
    base: &SectionData,
    data: &SectionData,
    corrections: &std::collections::BTreeMap<String, String>,
) {
    #[cfg(target_arch = "wasm32")]
    {
        // The server function's own arguments: the body is what `save_section` reads, and
        // the bundle holds one writer for it (no `serde_json::Value` either).
        use crate::api::registrations::SaveSection;
        use leptos::server_fn::ServerFn;
        let Ok(body) = serde_json::to_string(&SaveSection {
            id: registration_id,
            section: section.to_owned(),
            base_version,
            data: data.clone(),
            corrections: corrections.clone(),
            complete: false,
            base: Some(base.clone()),
        }) else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let Ok(headers) = web_sys::Headers::new() else {
            return;
        };
        let _ = headers.set("content-type", "application/json");
        let _ = headers.set("accept", "application/json");
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        // Not in web-sys' bindings: set the standard `keepalive` member directly.
        let _ = js_sys::Reflect::set(
            &init,
            &wasm_bindgen::JsValue::from_str("keepalive"),
            &wasm_bindgen::JsValue::TRUE,
        );
        init.set_headers(&headers);
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
        let _ = window.fetch_with_str_and_init(SaveSection::PATH, &init);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (
        registration_id,
        section,
        base_version,
        base,
        data,
        corrections,
    );
}
