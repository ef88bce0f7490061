//! Dependencies point one way: pages → api → domain, and the server → api types + domain.
//! This test reads the module tree and fails on any path from a lower layer into a higher
//! one (`crate::pages::…`, `use crate::{pages::…}`, `app::components::…`), ignoring comments
//! and string literals.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// A layer: where its files are and the modules it must never name.
struct Layer {
    name: &'static str,
    dirs: &'static [&'static str],
    forbidden: &'static [&'static str],
}

const LAYERS: &[Layer] = &[
    Layer {
        name: "domain",
        dirs: &["src/domain"],
        forbidden: &["pages", "components", "api", "server", "browser"],
    },
    Layer {
        name: "browser",
        dirs: &["src/browser"],
        forbidden: &["pages", "components", "server"],
    },
    Layer {
        name: "api",
        dirs: &["src/api"],
        forbidden: &["pages", "components"],
    },
    Layer {
        name: "server",
        dirs: &["src/server", "../server/src"],
        forbidden: &["pages", "components", "browser"],
    },
    Layer {
        name: "server infrastructure",
        dirs: &["src/server/infra", "src/server/entities"],
        forbidden: &["pages", "components", "api", "services"],
    },
];

#[test]
fn no_layer_names_a_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut violations = Vec::new();
    for layer in LAYERS {
        let mut files = Vec::new();
        for dir in layer.dirs {
            rust_files(&root.join(dir), &mut files);
        }
        assert!(
            !files.is_empty(),
            "no files found for the {} layer",
            layer.name
        );
        for file in files {
            let Ok(text) = fs::read_to_string(&file) else {
                violations.push(format!("{}: unreadable", file.display()));
                continue;
            };
            for (line, module) in named_modules(&text, layer.forbidden) {
                violations.push(format!(
                    "{}:{line}: the {} layer names `{module}`",
                    file.display(),
                    layer.name
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// What only a browser does lives in `src/browser`: no other file compiles differently for
/// the browser or names its bindings, so that every page, component and service reads the
/// same on both targets.
#[test]
fn only_the_browser_module_is_written_for_the_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = root.join("src/browser");
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let browser_only = [
        "wasm32",
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "gloo_storage",
    ];
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&browser)) {
        let Ok(text) = fs::read_to_string(file) else {
            violations.push(format!("{}: unreadable", file.display()));
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if let Some(word) = browser_only.iter().find(|w| code.contains(*w)) {
                violations.push(format!("{}:{}: names `{word}`", file.display(), number + 1));
            }
        }
    }
    assert!(
        files.iter().any(|f| f.starts_with(&browser)),
        "no src/browser"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// Every server function has one shape: it takes the request's context once, parses its
/// input, calls one service, and maps the error (no reading of the application state, the
/// caller or the clock of its own).
#[test]
fn every_server_function_starts_from_the_request_context() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/api"), &mut files);
    let mut functions = 0;
    let mut violations = Vec::new();
    for file in &files {
        let Ok(text) = fs::read_to_string(file) else {
            violations.push(format!("{}: unreadable", file.display()));
            continue;
        };
        for function in text.split("#[server(").skip(1) {
            functions += 1;
            let body = function.split("\n}\n").next().unwrap_or_default();
            let name = body
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split('(').next())
                .unwrap_or("?");
            if !body.contains("Context::current()?") {
                violations.push(format!(
                    "{}: {name} takes no request context",
                    file.display()
                ));
            }
            for own in ["AppState", "current_actor", "current_session", "clock."] {
                if body.contains(own) {
                    violations.push(format!("{}: {name} reads `{own}` itself", file.display()));
                }
            }
        }
    }
    assert!(functions > 50, "only {functions} server functions found");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_check_sees_every_way_of_naming_a_module() {
    let forbidden = &["pages"];
    let found = |text: &str| named_modules(text, forbidden).len();
    assert_eq!(found("use crate::pages::home::HomeData;"), 1);
    assert_eq!(
        found("use crate::{\n    domain::X,\n    pages::{a, b},\n};"),
        1
    );
    assert_eq!(found("use crate::pages;"), 1);
    assert_eq!(found("fn f() { crate::pages::home::get(); }"), 1);
    assert_eq!(found("use app::{pages, domain};"), 1);
    // A word in a comment or a string, or a local variable of that name, is not a path.
    assert_eq!(found("// see crate::pages::home\nfn f() {}"), 0);
    assert_eq!(found("/* pages::x */ const S: &str = \"pages::x\";"), 0);
    assert_eq!(
        found("let pages = total.div_ceil(50); let page = pages.min(1);"),
        0
    );
    assert_eq!(found("const R: &str = r#\"use crate::pages;\"#;"), 0);
    assert_eq!(found("let q = '\\''; let c = '{'; use crate::pages;"), 1);
    // Another crate's module of the same name is not ours; ours behind `server::` is.
    assert_eq!(found("let o = opendal::pages::Memory::default();"), 0);
    assert_eq!(found("use crate::server::pages::x;"), 1);
    assert_eq!(found("use crate::{server::{pages::x}};"), 1);
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names a path of this workspace's own modules goes through.
const OURS: &[&str] = &["crate", "app", "self", "super", "server"];

/// Each (line, module) where a forbidden module is named as a path: right before or after
/// `::`, or anywhere in a `use` item.
fn named_modules(text: &str, forbidden: &[&str]) -> Vec<(usize, String)> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    let mut in_use = false;
    for (i, (line, token)) in tokens.iter().enumerate() {
        match token.as_str() {
            "use" => in_use = true,
            ";" => in_use = false,
            _ => {}
        }
        if !forbidden.contains(&token.as_str()) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| tokens[j].1.as_str());
        let after = tokens.get(i + 1).map(|(_, t)| t.as_str());
        // `opendal::services` is another crate's module of that name, not ours.
        let root = i.checked_sub(2).map(|j| tokens[j].1.as_str());
        let elsewhere = before == Some("::") && root.is_some_and(|r| !OURS.contains(&r));
        if elsewhere {
            continue;
        }
        if in_use || before == Some("::") || after == Some("::") {
            found.push((*line, token.clone()));
        }
    }
    found
}

/// Identifiers, `::` and single punctuation, with their line, outside comments and literals.
fn tokens(text: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && raw_string_at(&chars, i) {
            let mut hashes = 0;
            i += 1;
            while chars.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) => {
                        i += 1 + hashes;
                        break;
                    }
                    Some(ch) => {
                        line += usize::from(*ch == '\n');
                        i += 1;
                    }
                }
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                line += usize::from(chars.get(i) == Some(&'\n'));
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            // An escaped character: the quote, the backslash, the escaped one, then to the
            // closing quote (`'\n'`, `'\''`, `'\u{4e00}'`).
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((line, chars[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push((line, "::".to_owned()));
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push((line, c.to_string()));
            }
            i += 1;
        }
    }
    out
}

/// Whether `r` at `i` starts a raw string (`r"…"`, `r#"…"#`) rather than an identifier.
fn raw_string_at(chars: &[char], i: usize) -> bool {
    let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    starts_word && chars.get(j) == Some(&'"')
}
