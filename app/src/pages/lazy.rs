//! The staff area's pages, each loaded in the browser only when it is opened: a parent's
//! phone never downloads the code of the review queue, the bureau's settings or the admissions
//! (`cargo leptos build --split` cuts each `view` below into its own wasm file). The
//! server renders them as it renders every page.
//!
//! Each route is written out by hand, as the `lazy_route` macro's documentation shows it.

// The split's macros (`leptos::lazy`, on wasm) declare the loader's imports and exports
// with `unsafe extern` and `#[unsafe(no_mangle)]`; nothing here is written by hand.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::{
    admissions::AdmissionsPageView,
    appointments::PointPage,
    bureau::{AuditPage, BureauSettingsPage, CatchmentPage, StatisticsPage},
    claims::ClaimsPage,
    configuration::ConfigurationPage,
    review::{ReviewDetailPage, ReviewQueuePage},
    slots::SlotsPage,
    staff::{StaffHomePage, StaffSignInPage},
};

/// The staff sign-in form.
pub struct StaffSignInRoute;

#[lazy_route]
impl LazyRoute for StaffSignInRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <StaffSignInPage /> }.into_any()
    }
}

/// A staff member's start page.
pub struct StaffHomeRoute;

#[lazy_route]
impl LazyRoute for StaffHomeRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <StaffHomePage /> }.into_any()
    }
}

/// A school's review queue.
pub struct ReviewQueueRoute;

#[lazy_route]
impl LazyRoute for ReviewQueueRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ReviewQueuePage /> }.into_any()
    }
}

/// One registration under review.
pub struct ReviewDetailRoute;

#[lazy_route]
impl LazyRoute for ReviewDetailRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ReviewDetailPage /> }.into_any()
    }
}

/// Admissions and the draw.
pub struct AdmissionsRoute;

#[lazy_route]
impl LazyRoute for AdmissionsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AdmissionsPageView /> }.into_any()
    }
}

/// Catchments.
pub struct CatchmentRoute;

#[lazy_route]
impl LazyRoute for CatchmentRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <CatchmentPage /> }.into_any()
    }
}

/// The registration point's appointments.
pub struct PointRoute;

#[lazy_route]
impl LazyRoute for PointRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <PointPage /> }.into_any()
    }
}

/// The bureau's settings.
pub struct BureauSettingsRoute;

#[lazy_route]
impl LazyRoute for BureauSettingsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <BureauSettingsPage /> }.into_any()
    }
}

/// The bureau's statistics.
pub struct StatisticsRoute;

#[lazy_route]
impl LazyRoute for StatisticsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <StatisticsPage /> }.into_any()
    }
}

/// Entries, windows and materials.
pub struct ConfigurationRoute;

#[lazy_route]
impl LazyRoute for ConfigurationRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ConfigurationPage /> }.into_any()
    }
}

/// Claims on children's ID numbers.
pub struct ClaimsRoute;

#[lazy_route]
impl LazyRoute for ClaimsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ClaimsPage /> }.into_any()
    }
}

/// Appointment slots.
pub struct SlotsRoute;

#[lazy_route]
impl LazyRoute for SlotsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SlotsPage /> }.into_any()
    }
}

/// The audit log.
pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditPage /> }.into_any()
    }
}
