//! The line that says an action was done ("已保存"), shown while its last result is a success.

use leptos::prelude::*;

use crate::i18n::{Text, use_locale};

/// `text` as a polite status while `value` (a server action's last result) is a success;
/// nothing before the first result or after a failure (the error panel says why).
pub fn done_note<T, E>(value: MappedSignal<Option<Result<T, E>>>, text: Text) -> impl IntoView
where
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    let locale = use_locale();
    move || {
        value.with(|v| matches!(v, Some(Ok(_)))).then(|| {
            view! { <p class="tag tag-open" role="status">{move || text.get(locale.get())}</p> }
        })
    }
}
