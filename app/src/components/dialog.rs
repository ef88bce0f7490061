//! The question asked before an action that cannot be undone (delete, send, decide,
//! publish): one shape, so that every such question looks, reads and is announced alike.
//! It is modal: it takes the focus and keeps Tab inside, Escape or the phone's back button
//! closes it (see `browser::dialog`), and the focus goes back to what opened it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::browser::dialog;
use crate::i18n::{t, use_locale};

/// A modal alert dialog labelled by its question (`question` is the id of the element
/// holding it); the children are the question, anything to choose, and the buttons.
/// `close` is what Escape and the back button do (the same as its cancel button).
#[component]
pub fn ConfirmDialog(
    question: &'static str,
    #[prop(into)] close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let location = use_location();
    let here = move || {
        Some(format!(
            "{}{}",
            location.pathname.try_get_untracked()?,
            location.search.try_get_untracked()?
        ))
    };
    let opened_at = here();
    // Its cancel button closes it the same way.
    provide_context(DialogClose(close));
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let open = dialog::open(&element, question, close);
            let opened_at = opened_at.clone();
            on_cleanup(move || open.close(here() == opened_at));
        }
    });
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby=question
                node_ref=node
                on:keydown=move |ev| dialog::key(&ev, close)
            >
                {children()}
            </div>
        </div>
    }
}

/// What closes the dialog around a [`CancelButton`].
#[derive(Clone, Copy)]
struct DialogClose(Callback<()>);

/// “取消”, inside a [`ConfirmDialog`]: closes the question without doing anything.
#[component]
pub fn CancelButton() -> impl IntoView {
    let locale = use_locale();
    let close = use_context::<DialogClose>();
    view! {
        <button type="button" class="button" data-dialog-cancel="" on:click=move |_| {
            if let Some(DialogClose(close)) = close {
                close.run(());
            }
        }>
            {move || t("取消", "Cancel").get(locale.get())}
        </button>
    }
}
