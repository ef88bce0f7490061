//! The site's own script, wasm files and stylesheet under an address that changes with their
//! content, cached by browsers for a year without asking again, and sent precompressed.
//!
//! At start the server hashes the build's files in `pkg/` (`<name>.js`, `.css`, the main
//! wasm, and with a split build the loader and every piece of wasm it fetches) into one
//! version, and renders every page with `pkg/<version>/` as the place of the site's files:
//! [`Assets::pkg_dir`] gives Leptos that directory. The files keep their names inside it, so
//! the split build's loader, which imports the main script by its relative name, and the
//! pieces it fetches, all stay in one version. A request under the current version is
//! answered from the build's file — from its `.br` or `.gz` twin when the browser accepts it
//! and the build wrote one (`cargo leptos build --release --precompress`), so no response is
//! compressed per request — with `Cache-Control: immutable`. A page rendered before a
//! deployment that asks for an old version gets the new file, uncached. Nothing is renamed
//! or written at run time: a read-only site directory works.

use std::{collections::HashMap, path::Path};

use axum::{
    body::Body,
    extract::{Path as UrlPath, Request, State},
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, Uri, header};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// How the site's assets are named and where they are read.
#[derive(Clone, Debug)]
pub struct Assets {
    /// The content version of this build's files (`dev` when there are none).
    version: String,
    files: ServeDir,
    /// A split build's map from each lazily loaded piece of code to the wasm files it needs.
    split: Option<HashMap<String, Vec<String>>>,
}

/// The split build's loader, under the name the main script imports it by.
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

/// What a versioned asset is cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// How many characters a version has (hex).
const VERSION_LENGTH: usize = 12;

impl Assets {
    /// Reads and hashes the build's files under `site_root/pkg`: the script, stylesheet and
    /// wasm named `name`, and the split build's loader and pieces (`__wasm_split*`, `*.wasm`
    /// directly in `pkg/`).
    pub fn load(site_root: &str, name: &str) -> Self {
        let pkg = Path::new(site_root).join("pkg");
        let mut files: Vec<String> = std::fs::read_dir(&pkg)
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .filter(|file| {
                        [".js", ".css"]
                            .iter()
                            .any(|extension| *file == format!("{name}{extension}"))
                            || file.ends_with(".wasm")
                            || (file.starts_with("__wasm_split")
                                && (file.ends_with(".js") || file.ends_with(".json")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let mut hasher = Sha256::new();
        let mut found = false;
        for file in &files {
            if let Ok(bytes) = std::fs::read(pkg.join(file)) {
                hasher.update((file.len() as u64).to_le_bytes());
                hasher.update(file.as_bytes());
                hasher.update((bytes.len() as u64).to_le_bytes());
                hasher.update(&bytes);
                found = true;
            }
        }
        let version = if found {
            hasher
                .finalize()
                .iter()
                .take(VERSION_LENGTH / 2)
                .map(|b| format!("{b:02x}"))
                .collect()
        } else {
            "dev".to_owned()
        };
        let split = std::fs::read_to_string(pkg.join("__wasm_split_manifest.json"))
            .ok()
            .and_then(|manifest| serde_json::from_str(&manifest).ok());
        Self {
            version,
            files: ServeDir::new(pkg).precompressed_br().precompressed_gzip(),
            split,
        }
    }

    /// For a split build, what tells Leptos which wasm files a page rendered on the server
    /// will need, so that it names them in the page (`<link rel="preload">`) and the browser
    /// fetches them beside the main module rather than after it. Provided to every page.
    ///
    /// Release builds only: a debug build's main module takes seconds to compile, and the
    /// browser warns that the pieces it fetched early waited for it.
    pub fn split_manifest(&self) -> Option<leptos::WasmSplitManifest> {
        if cfg!(debug_assertions) {
            return None;
        }
        Some(leptos::WasmSplitManifest(
            leptos::prelude::ArcStoredValue::new((
                format!("/{}", self.pkg_dir()),
                self.split.clone()?,
                SPLIT_LOADER.to_owned(),
            )),
        ))
    }

    /// Where pages find the site's files: `pkg/<version>`.
    pub fn pkg_dir(&self) -> String {
        format!("pkg/{}", self.version)
    }

    /// `path` (under `/pkg/`) as the file of `pkg/` it names and whether it asks for this
    /// build's version: `Some(true)` for `<this version>/<file>`, `Some(false)` for another
    /// version, `None` for a path without one (the photo codec's folder, say).
    fn resolve<'a>(&self, path: &'a str) -> (&'a str, Option<bool>) {
        match path.split_once('/') {
            Some((version, file))
                if version == self.version
                    || (version.len() == VERSION_LENGTH
                        && version.bytes().all(|b| b.is_ascii_hexdigit())) =>
            {
                (file, Some(version == self.version))
            }
            _ => (path, None),
        }
    }
}

/// `GET /pkg/{*path}`: a file of this build's version, of an older page's version, or any
/// other file of `pkg/` as it is.
pub async fn pkg_file(
    State(assets): State<Assets>,
    UrlPath(path): UrlPath<String>,
    request: Request,
) -> Response {
    let (served, current) = assets.resolve(&path);
    // Only the encoding preference travels on: conditional requests are not needed for a
    // file cached for a year, and the path is ours, not the request's.
    let mut inner = Request::new(Body::empty());
    if let Some(accept) = request.headers().get(header::ACCEPT_ENCODING) {
        inner
            .headers_mut()
            .insert(header::ACCEPT_ENCODING, accept.clone());
    }
    let Ok(uri) = format!("/{served}").parse::<Uri>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    *inner.uri_mut() = uri;
    let Ok(response) = assets.files.clone().oneshot(inner).await;
    let mut response = response.into_response();
    if response.status() != StatusCode::OK {
        return response;
    }
    let cache = match current {
        Some(true) => IMMUTABLE,
        // An old page's request, or a file without a version: ask again next time.
        Some(false) | None => "no-cache",
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_versioned_path_maps_to_the_build_file_and_says_whether_it_is_current() {
        let dir = std::env::temp_dir().join(format!("ruxue-assets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).expect("dir");
        std::fs::write(dir.join("pkg/ruxue.js"), "js").expect("js");
        let root = dir.to_str().expect("utf-8");
        let assets = Assets::load(root, "ruxue");
        let pkg = assets.pkg_dir();
        let version = pkg.strip_prefix("pkg/").expect("under pkg/");
        assert_ne!(version, "dev");
        assert_eq!(
            assets.resolve(&format!("{version}/ruxue.js")),
            ("ruxue.js", Some(true))
        );
        assert_eq!(
            assets.resolve("0123456789ab/ruxue_chunk.wasm"),
            ("ruxue_chunk.wasm", Some(false))
        );
        assert_eq!(assets.resolve("ruxue.js"), ("ruxue.js", None));
        assert_eq!(
            assets.resolve("photo-codec/photo_codec.js"),
            ("photo-codec/photo_codec.js", None)
        );
        std::fs::write(dir.join("pkg/ruxue.js"), "js, changed").expect("js");
        let changed = Assets::load(root, "ruxue").pkg_dir();
        assert_ne!(changed, pkg, "a changed script changes the version");
        std::fs::write(dir.join("pkg/split_review_0.wasm"), "a piece").expect("piece");
        let split = Assets::load(root, "ruxue").pkg_dir();
        assert_ne!(split, changed, "a piece of a split build is in the version");
        std::fs::write(dir.join("pkg/split_review_0.wasm.br"), "twin").expect("twin");
        std::fs::write(dir.join("pkg/notes.txt"), "other").expect("other");
        assert_eq!(
            Assets::load(root, "ruxue").pkg_dir(),
            split,
            "compressed twins and other files are not"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
