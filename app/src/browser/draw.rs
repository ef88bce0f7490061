//! Checking a draw in the visitor's own browser: the draw's record is fetched and re-run by
//! the same Rust code the server ran (`frontend/draw`, its own wasm module, fetched only
//! when the visitor asks).

/// What re-running a draw here gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every value of the record is what its inputs give.
    Matches,
    /// Something is not: what, in the checker's words (English).
    Differs(String),
    /// The record or the checker could not be fetched.
    Unavailable,
}

/// Fetches the record at `record_url` and checks it.
pub async fn check(record_url: &str) -> Verdict {
    #[cfg(target_arch = "wasm32")]
    {
        match verify_draw(record_url).await {
            Ok(answer) => match answer.as_string() {
                Some(problem) if problem.is_empty() => Verdict::Matches,
                Some(problem) => Verdict::Differs(problem),
                None => Verdict::Unavailable,
            },
            Err(_) => Verdict::Unavailable,
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = record_url;
        Verdict::Unavailable
    }
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "let checker;
export async function verify_draw(url) {
  if (!checker) {
    checker = await import('/pkg/draw/draw.js');
    await checker.default();
  }
  const response = await fetch(url, { credentials: 'omit', cache: 'no-store' });
  if (!response.ok) throw new Error('the record answered ' + response.status);
  return checker.verify_json(await response.text());
}")]
extern "C" {
    /// The draw module (frontend/draw), imported on first use: `""` when the record checks,
    /// else what does not.
    #[wasm_bindgen(catch)]
    async fn verify_draw(url: &str) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}
