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
//! compressed per request — with `Cache-Control: immutable`. The files are read into memory
//! at start (a release site is 7 MB with its twins) and answered from there. A page rendered
//! before a deployment that asks for an old version gets the new file, uncached. Nothing is
//! renamed or written at run time: a read-only site directory works.

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::{Body, Bytes},
    extract::{Path as UrlPath, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};

/// How the site's assets are named, and the files themselves. Cloned for every request
/// (axum hands each handler its own copy of the router's state): one reference count.
#[derive(Clone, Debug)]
pub struct Assets(Arc<Site>);

#[derive(Debug)]
struct Site {
    /// The content version of this build's files (`dev` when there are none).
    version: String,
    /// Every file of `pkg/` by its path there, read once at start: a build's files never
    /// change under a running server (a new build is a new version and a restart), and
    /// answering from memory costs no file system work per request.
    files: HashMap<String, SiteFile>,
    /// A split build's map from each lazily loaded piece of code to the wasm files it needs.
    split: Option<HashMap<String, Vec<String>>>,
}

/// One file of `pkg/` and its compressed twins, as the build wrote them.
#[derive(Debug)]
struct SiteFile {
    content_type: HeaderValue,
    plain: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// The split build's loader, under the name the main script imports it by.
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

/// What a versioned asset is cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// How many characters a version has (hex).
const VERSION_LENGTH: usize = 12;

impl Assets {
    /// Reads every file under `site_root/pkg` and hashes the build's own into the version:
    /// the script, stylesheet and wasm named `name`, the parent pages' islands bundle
    /// (`islands/`), and the split build's loader and pieces
    /// (`__wasm_split*`, `*.wasm` directly in `pkg/`).
    pub fn load(site_root: &str, name: &str) -> Self {
        let pkg = Path::new(site_root).join("pkg");
        let mut read: Vec<(String, Bytes)> = Vec::new();
        read_tree(&pkg, "", &mut read);
        read.sort_by(|a, b| a.0.cmp(&b.0));
        let versioned = |file: &str| {
            [".js", ".css"]
                .iter()
                .any(|extension| *file == format!("{name}{extension}"))
                || (file.starts_with("islands/")
                    && !file.ends_with(".br")
                    && !file.ends_with(".gz"))
                || (!file.contains('/') && file.ends_with(".wasm"))
                || (file.starts_with("__wasm_split")
                    && (file.ends_with(".js") || file.ends_with(".json")))
        };
        let mut hasher = Sha256::new();
        let mut found = false;
        for (file, bytes) in read.iter().filter(|(file, _)| versioned(file)) {
            hasher.update((file.len() as u64).to_le_bytes());
            hasher.update(file.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
            found = true;
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
        let split = read
            .iter()
            .find(|(file, _)| file == "__wasm_split_manifest.json")
            .and_then(|(_, manifest)| serde_json::from_slice(manifest).ok());
        let by_name: HashMap<String, Bytes> = read.into_iter().collect();
        let files = by_name
            .iter()
            .map(|(file, plain)| {
                let twin = |suffix: &str| by_name.get(&format!("{file}{suffix}")).cloned();
                let content_type = HeaderValue::from_str(
                    mime_guess::from_path(file).first_or_octet_stream().as_ref(),
                )
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
                let site_file = SiteFile {
                    content_type,
                    plain: plain.clone(),
                    brotli: twin(".br"),
                    gzip: twin(".gz"),
                };
                (file.clone(), site_file)
            })
            .collect();
        Self(Arc::new(Site {
            version,
            files,
            split,
        }))
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
                self.0.split.clone()?,
                SPLIT_LOADER.to_owned(),
            )),
        ))
    }

    /// Where pages find the site's files: `pkg/<version>`.
    pub fn pkg_dir(&self) -> String {
        format!("pkg/{}", self.0.version)
    }

    /// `path` (under `/pkg/`) as the file of `pkg/` it names and whether it asks for this
    /// build's version: `Some(true)` for `<this version>/<file>`, `Some(false)` for another
    /// version, `None` for a path without one (the photo codec's folder, say).
    fn resolve<'a>(&self, path: &'a str) -> (&'a str, Option<bool>) {
        match path.split_once('/') {
            Some((version, file))
                if version == self.0.version
                    || (version.len() == VERSION_LENGTH
                        && version.bytes().all(|b| b.is_ascii_hexdigit())) =>
            {
                (file, Some(version == self.0.version))
            }
            _ => (path, None),
        }
    }
}

/// Every regular file under `dir`, by its path below the first call's directory (`/`
/// between folders).
fn read_tree(dir: &Path, prefix: &str, into: &mut Vec<(String, Bytes)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = entry.path();
        let relative = format!("{prefix}{name}");
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => read_tree(&path, &format!("{relative}/"), into),
            Ok(kind) if kind.is_file() => match std::fs::read(&path) {
                Ok(bytes) => into.push((relative, Bytes::from(bytes))),
                Err(error) => tracing::warn!(%error, file = %relative, "a site file is unreadable"),
            },
            _ => {}
        }
    }
}

/// Whether an `Accept-Encoding` header accepts `coding` (named, or by `*`, with a
/// quality above zero).
fn accepts(header: Option<&HeaderValue>, coding: &str) -> bool {
    let Some(header) = header.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let mut named = None;
    let mut any = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(quality > 0.0);
        } else if name == "*" {
            any = Some(quality > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

/// `GET /pkg/{*path}`: a file of this build's version, of an older page's version, or any
/// other file of `pkg/` as it is; its brotli or gzip twin when the browser accepts one and
/// the build wrote it.
pub async fn pkg_file(
    State(assets): State<Assets>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let (served, current) = assets.resolve(&path);
    let Some(file) = assets.0.files.get(served) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let accept = headers.get(header::ACCEPT_ENCODING);
    let (body, encoding) = match (&file.brotli, &file.gzip) {
        (Some(brotli), _) if accepts(accept, "br") => (brotli.clone(), Some("br")),
        (_, Some(gzip)) if accepts(accept, "gzip") => (gzip.clone(), Some("gzip")),
        _ => (file.plain.clone(), None),
    };
    let cache = match current {
        Some(true) => IMMUTABLE,
        // An old page's request, or a file without a version: ask again next time.
        Some(false) | None => "no-cache",
    };
    let mut response = Body::from(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, file.content_type.clone());
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
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
        std::fs::create_dir_all(dir.join("pkg/islands")).expect("dir");
        std::fs::write(dir.join("pkg/islands/ruxue_bg.wasm"), "islands").expect("islands");
        let islands = Assets::load(root, "ruxue").pkg_dir();
        assert_ne!(
            islands, split,
            "the parent pages' islands are in the version"
        );
        std::fs::write(dir.join("pkg/islands/ruxue_bg.wasm.br"), "twin").expect("twin");
        std::fs::write(dir.join("pkg/split_review_0.wasm.br"), "twin").expect("twin");
        std::fs::write(dir.join("pkg/notes.txt"), "other").expect("other");
        assert_eq!(
            Assets::load(root, "ruxue").pkg_dir(),
            islands,
            "compressed twins and other files are not"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_encoding_is_accepted_when_named_or_by_star_and_never_at_quality_zero() {
        let header = |text: &'static str| Some(HeaderValue::from_static(text));
        assert!(accepts(header("gzip, deflate, br").as_ref(), "br"));
        assert!(accepts(header("gzip, deflate, br").as_ref(), "gzip"));
        assert!(accepts(header("BR;q=0.9").as_ref(), "br"));
        assert!(!accepts(header("gzip").as_ref(), "br"));
        assert!(!accepts(header("br;q=0, gzip").as_ref(), "br"));
        assert!(accepts(header("*").as_ref(), "br"));
        assert!(!accepts(header("*, br;q=0").as_ref(), "br"));
        assert!(!accepts(header("identity").as_ref(), "gzip"));
        assert!(!accepts(None, "br"));
    }
}
