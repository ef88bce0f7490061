//! The question asked in place before an action that cannot be undone (delete, send, decide,
//! publish): one shape, so that every such question looks, reads and is announced alike.

use leptos::prelude::*;

use crate::i18n::{t, use_locale};

/// An alert dialog labelled by its question (`question` is the id of the element holding
/// it); the children are the question, anything to choose, and the buttons.
#[component]
pub fn ConfirmDialog(question: &'static str, children: Children) -> impl IntoView {
    view! { <div class="dialog" role="alertdialog" aria-labelledby=question>{children()}</div> }
}

/// “取消”: closes the question without doing anything.
#[component]
pub fn CancelButton(#[prop(into)] cancel: Callback<()>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <button type="button" class="button" on:click=move |_| cancel.run(())>
            {move || t("取消", "Cancel").get(locale.get())}
        </button>
    }
}
