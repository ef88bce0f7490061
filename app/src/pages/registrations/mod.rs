//! The parent's registration journey: my registrations, a new registration, the task list
//! of sections, each section with autosave, confirmation, submission.

mod ask;
mod confirm;
mod documents;
mod family;
mod list;
mod move_here;
mod new;
mod overview;
mod progress;
mod section;

pub use ask::{CancelAppointmentPage, DeclinePage, DeletePage, ResubmitPage};
pub use confirm::{ConfirmPage, SubmittedPage};
pub use documents::DocumentsPage;
pub use list::MyRegistrationsPage;
pub use move_here::MoveHerePage;
pub use new::NewRegistrationPage;
pub use overview::{AskButton, RegistrationPage};
pub use section::SectionPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::{LoadFailed, Loading};
use crate::error::AppError;

/// The registration id in the address.
fn use_registration_id() -> Signal<i32> {
    let params = use_params_map();
    Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse().ok())
            .unwrap_or_default()
    })
}

/// A page of the registration in the address: read before the server renders the page
/// (complete, as the pages without code need), then `page` with it, or why it cannot be
/// shown.
fn with_registration<V: IntoView + 'static>(
    page: impl Fn(crate::api::registrations::RegistrationView) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let id = use_registration_id();
    let registration = Resource::new_blocking(move || id.get(), read_registration);
    view! {
        <Suspense fallback=Loading>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match registration.await {
                        Ok(r) => page(r).into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A registration as its pages read it: after every save of this tab was answered, so that
/// a page left within two seconds of typing never shows older answers than it sent.
async fn read_registration(
    id: i32,
) -> Result<crate::api::registrations::RegistrationView, AppError> {
    crate::browser::saves::settled().await;
    crate::api::registrations::get_registration(id).await
}
