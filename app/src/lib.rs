//! Ruxue (入学): the pages, components, domain types and server functions shared by the
//! browser and the server. Server-only code lives in [`server`], behind the `ssr` feature.

// Release builds (without `erase_components`) name every view type in full: the section
// form's is deep.
#![recursion_limit = "512"]

pub mod api;
pub mod browser;
pub mod components;
pub mod display;
pub mod domain;
pub mod error;
#[cfg(feature = "router")]
pub mod hydration;
pub mod i18n;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "router")]
use leptos::prelude::*;
#[cfg(feature = "router")]
use leptos_meta::{MetaTags, Title, provide_meta_context};
#[cfg(feature = "router")]
use leptos_router::{
    Lazy, ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

#[cfg(feature = "router")]
use crate::{
    components::{LanguageSwitch, TextSizeSwitch},
    i18n::{LocaleContext, initial_locale, t},
    pages::{
        draw::DrawPage,
        home::HomePage,
        lazy::{
            AdmissionsRoute, AuditRoute, BureauSettingsRoute, CatchmentRoute, ClaimsRoute,
            ConfigurationRoute, PointRoute, ReviewDetailRoute, ReviewQueueRoute, SlotsRoute,
            StaffHomeRoute, StaffSignInRoute, StatisticsRoute,
        },
        materials::MaterialsPage,
        me::MyIdentityPage,
        not_found::NotFoundPage,
        registrations::{
            CancelAppointmentPage, ConfirmPage, DeclinePage, DeletePage, DocumentsPage,
            MoveHerePage, MyRegistrationsPage, NewRegistrationPage, RegistrationPage, ResubmitPage,
            SectionPage, SubmittedPage,
        },
        sign_in_problem::SignInProblemPage,
    },
    routes::Irreversible,
};

/// The HTML document around the application, rendered on the server only.
#[cfg(feature = "router")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::infra::security::provide_request_nonce();
    let locale = initial_locale();
    let text_size = display::initial_text_size();
    // A page loads the code it needs: none, its islands', or the whole application's
    // (`hydration`).
    let code =
        hydration::request_path().map_or(hydration::PageCode::Whole, |p| hydration::page_code(&p));
    let scripts = match code {
        hydration::PageCode::None => view! { <hydration::StaticScripts /> }.into_any(),
        hydration::PageCode::Islands(bundle) => {
            view! { <hydration::IslandScripts options=options.clone() bundle /> }.into_any()
        }
        hydration::PageCode::Whole => {
            view! { <HydrationScripts options=options.clone() /> }.into_any()
        }
    };
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag() class=text_size.class()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="format-detection" content="telephone=no" />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                // The build's stylesheet under its content version (see the server's assets).
                <link
                    rel="stylesheet"
                    id="leptos"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                {scripts}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// On every move to another page inside the application (not the first page, and not to a
/// place within a page), the focus goes to the new page's heading.
#[cfg(feature = "router")]
#[component]
fn FocusOnNavigation() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |before: Option<String>| {
        let path = location.pathname.get();
        let to_a_place = !location.hash.get_untracked().is_empty();
        if before.is_some_and(|before| before != path) && !to_a_place {
            browser::page::focus_new_heading();
        }
        path
    });
}

/// The application: layout, language and routes.
#[cfg(feature = "router")]
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Reference-counted rather than in the request's arena: on the server leptos_meta reads
    // the <Title> text after rendering, outside this request's arena, where reading an
    // arena signal finds another request's (a 500 as soon as two requests overlap).
    let title_locale = ArcRwSignal::new(initial_locale());
    let locale = RwSignal::from(title_locale.clone());
    provide_context(LocaleContext(locale));
    provide_context(display::TextSizeContext(RwSignal::new(
        display::initial_text_size(),
    )));
    // A page restored from the back/forward cache is read again from the server.
    Effect::new(move |_| {
        let handle = browser::page::reload_when_restored_from_cache();
        on_cleanup(move || handle.remove());
    });

    view! {
        <Title text=move || t("入学报名", "School enrollment").get(title_locale.get()) />
        <Router>
            <FocusOnNavigation />
            <header class="site-header">
                <a class="brand" href="/">
                    {move || t("入学报名", "School enrollment").get(locale.get())}
                </a>
                <span class="header-switches">
                    <TextSizeSwitch />
                    <LanguageSwitch />
                </span>
            </header>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("me") view=MyIdentityPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("registrations") view=MyRegistrationsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("registrations"), StaticSegment("new"))
                        view=NewRegistrationPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), StaticSegment("move"))
                        view=MoveHerePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"))
                        view=RegistrationPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment("sections"), ParamSegment("section"))
                        view=SectionPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment("documents"))
                        view=DocumentsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("materials") view=MaterialsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("draws"), ParamSegment("id"))
                        view=DrawPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment("confirm"))
                        view=ConfirmPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment("submitted"))
                        view=SubmittedPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment(Irreversible::Delete.code()))
                        view=DeletePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment(Irreversible::Resubmit.code()))
                        view=ResubmitPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment(Irreversible::Decline.code()))
                        view=DeclinePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("registrations"), ParamSegment("id"), StaticSegment(Irreversible::CancelAppointment.code()))
                        view=CancelAppointmentPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("sign-in"), StaticSegment("problem"))
                        view=SignInProblemPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("staff"), StaticSegment("sign-in"))
                        view={Lazy::<StaffSignInRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("staff") view={Lazy::<StaffHomeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("review") view={Lazy::<ReviewQueueRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("admissions") view={Lazy::<AdmissionsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("catchment") view={Lazy::<CatchmentRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("point") view={Lazy::<PointRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("bureau") view={Lazy::<BureauSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("bureau"), StaticSegment("statistics"))
                        view={Lazy::<StatisticsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("bureau"), StaticSegment("configuration"))
                        view={Lazy::<ConfigurationRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("bureau"), StaticSegment("claims"))
                        view={Lazy::<ClaimsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("bureau"), StaticSegment("slots"))
                        view={Lazy::<SlotsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("bureau"), StaticSegment("audit"))
                        view={Lazy::<AuditRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("review"), ParamSegment("id"))
                        view={Lazy::<ReviewDetailRoute>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
