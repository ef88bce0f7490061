//! What a page shows while its data is on its way, and when it could not be read.

use leptos::prelude::*;

use super::{ErrorPanel, SignInRequired};
use crate::{
    error::AppError,
    i18n::{t, use_locale},
};

/// The loading line shown while a page's data is on its way (every `Suspense` fallback).
#[component]
pub fn Loading() -> impl IntoView {
    let locale = use_locale();
    view! { <p class="loading" role="status">{move || t("正在加载…", "Loading…").get(locale.get())}</p> }
}

/// A page whose data could not be read: a signed-out visitor is asked to sign in, anything
/// else is explained in the error panel.
#[component]
pub fn LoadFailed(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => view! { <SignInRequired /> }.into_any(),
        error => view! { <ErrorPanel error /> }.into_any(),
    }
}
