//! An error shown in place of what failed to load.

use leptos::prelude::*;

use crate::{error::AppError, i18n::use_locale};

/// Says what went wrong and what to do, announced to screen readers.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="panel panel-error" role="alert">
            <p>{move || error.message(locale.get())}</p>
        </div>
    }
}
