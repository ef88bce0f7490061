//! The home page: the platform, its windows, notices and schools.

use chrono::{NaiveDate, NaiveDateTime};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{Subsystem, WindowState},
    error::AppError,
    i18n::LocalizedText,
};

/// Everything the home page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub platform_name: LocalizedText,
    pub bureau_name: LocalizedText,
    pub hotline: String,
    /// Each subsystem with its current window, if the bureau has set one.
    pub windows: Vec<(Subsystem, Option<WindowView>)>,
    pub notices: Vec<NoticeView>,
    pub schools: Vec<SchoolView>,
}

/// A collection window in the bureau's local time, with its state when the page was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowView {
    pub school_year: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub state: WindowState,
}

/// A published notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeView {
    pub id: i32,
    pub title: LocalizedText,
    pub body: LocalizedText,
    pub published_on: NaiveDate,
}

/// A school in the district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchoolView {
    pub id: i32,
    pub name: LocalizedText,
    pub address: LocalizedText,
}

/// Reads the home page's data.
#[server(prefix = "/api", endpoint = "get_home", output = crate::api::codec::JsonText)]
pub async fn get_home() -> Result<Option<HomeData>, AppError> {
    use crate::server::{Context, services::home::load_home, to_app_error};
    let cx = Context::current()?;
    load_home(cx.db(), cx.now()).await.map_err(to_app_error)
}
