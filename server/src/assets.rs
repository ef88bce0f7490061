//! The site's own script, wasm and stylesheet under names that change with their content,
//! cached by browsers for a year without asking again, and sent precompressed.
//!
//! At start the server hashes `pkg/<name>.js`, `.wasm` and `.css` together into one
//! version and renders every page with `pkg/<name>.<version>.js` (and `.wasm`, `.css`):
//! [`versioned_options`] gives Leptos that output name. A request for a versioned name is
//! answered from the unversioned file — from its `.br` or `.gz` twin when the browser
//! accepts it and the build wrote one (`cargo leptos build --release --precompress`), so no
//! response is compressed per request — with `Cache-Control: immutable`. A page rendered
//! before a deployment that asks for the old version gets the new file, uncached.
//! Nothing is renamed or written at run time: a read-only site directory works.

use std::path::Path;

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
    /// The build's output name (`ruxue`).
    name: String,
    /// The content version of this build's files (`dev` when there are none).
    version: String,
    files: ServeDir,
}

/// What a versioned asset is cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

impl Assets {
    /// Reads and hashes the build's files under `site_root/pkg`.
    pub fn load(site_root: &str, name: &str) -> Self {
        let pkg = Path::new(site_root).join("pkg");
        let mut hasher = Sha256::new();
        let mut found = false;
        for extension in ["js", "wasm", "css"] {
            if let Ok(bytes) = std::fs::read(pkg.join(format!("{name}.{extension}"))) {
                hasher.update(extension.as_bytes());
                hasher.update((bytes.len() as u64).to_le_bytes());
                hasher.update(&bytes);
                found = true;
            }
        }
        let version = if found {
            hasher
                .finalize()
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect()
        } else {
            "dev".to_owned()
        };
        Self {
            name: name.to_owned(),
            version,
            files: ServeDir::new(pkg).precompressed_br().precompressed_gzip(),
        }
    }

    /// The output name pages are rendered with: `ruxue.<version>`.
    pub fn versioned_name(&self) -> String {
        format!("{}.{}", self.name, self.version)
    }

    /// `file` (`ruxue.<version>.js`) as the build's file name (`ruxue.js`) and whether its
    /// version is this build's.
    fn unversioned(&self, file: &str) -> Option<(String, bool)> {
        let rest = file.strip_prefix(&self.name)?.strip_prefix('.')?;
        let (version, extension) = rest.split_once('.')?;
        if !matches!(extension, "js" | "wasm" | "css") || version.contains('/') {
            return None;
        }
        Some((
            format!("{}.{extension}", self.name),
            version == self.version,
        ))
    }
}

/// `GET /pkg/{file}`: a versioned asset, or any other file of `pkg/` as it is.
pub async fn pkg_file(
    State(assets): State<Assets>,
    UrlPath(file): UrlPath<String>,
    request: Request,
) -> Response {
    let (served, current) = match assets.unversioned(&file) {
        Some((served, current)) => (served, Some(current)),
        None => (file, None),
    };
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
    fn a_versioned_name_maps_to_the_build_file_and_says_whether_it_is_current() {
        let dir = std::env::temp_dir().join(format!("ruxue-assets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).expect("dir");
        std::fs::write(dir.join("pkg/ruxue.js"), "js").expect("js");
        let assets = Assets::load(dir.to_str().expect("utf-8"), "ruxue");
        let name = assets.versioned_name();
        assert_ne!(name, "ruxue.dev");
        assert_eq!(
            assets.unversioned(&format!("{name}.js")),
            Some(("ruxue.js".to_owned(), true))
        );
        assert_eq!(
            assets.unversioned("ruxue.0123456789ab.wasm"),
            Some(("ruxue.wasm".to_owned(), false))
        );
        assert_eq!(assets.unversioned("ruxue.js"), None);
        assert_eq!(assets.unversioned("other.abc.js"), None);
        assert_eq!(assets.unversioned("ruxue.abc.html"), None);
        std::fs::write(dir.join("pkg/ruxue.js"), "js, changed").expect("js");
        assert_ne!(
            Assets::load(dir.to_str().expect("utf-8"), "ruxue").versioned_name(),
            name,
            "a changed file changes the version"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
