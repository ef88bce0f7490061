//! The bureau's entries and material rules.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{SectionKind, Subsystem, materials::Condition, provenance::Document},
    error::AppError,
    i18n::LocalizedText,
};

/// An entry as the bureau configures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryAdmin {
    pub id: i32,
    pub subsystem: Subsystem,
    pub code: String,
    pub name: LocalizedText,
    pub explanation: LocalizedText,
    pub sections: Vec<SectionKind>,
    pub active: bool,
    /// Registrations (not deleted) made through it.
    pub registrations: u64,
}

/// An entry as the form sends it; `id` empty for a new one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryInput {
    pub id: Option<i32>,
    pub subsystem: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub sections: Vec<String>,
    pub active: bool,
}

/// A materials rule as the bureau sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleAdmin {
    pub id: i32,
    pub document: Document,
    pub condition: Condition,
    pub required: bool,
    pub explanation: LocalizedText,
    /// `None`: for every entry.
    pub entry: Option<LocalizedText>,
}

/// A new materials rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInput {
    pub document: String,
    pub condition: String,
    pub required: bool,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub entry_id: Option<i32>,
}

/// What the configuration page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    pub entries: Vec<EntryAdmin>,
    pub rules: Vec<RuleAdmin>,
    pub export_full_ids: bool,
}

/// Entries, rules and the export setting (administrators).
#[server(prefix = "/api", endpoint = "get_configuration", output = crate::api::codec::JsonText)]
pub async fn get_configuration() -> Result<Configuration, AppError> {
    use crate::server::{Context, services::configuration, to_app_error};
    let cx = Context::current()?;
    configuration::overview(cx.db(), cx.caller())
        .await
        .map_err(to_app_error)
}

/// Creates or changes an entry (administrators).
#[server(prefix = "/api", endpoint = "save_entry", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn save_entry(input: EntryInput) -> Result<i32, AppError> {
    use crate::server::{Context, services::configuration, to_app_error};
    let cx = Context::current()?;
    configuration::save_entry(cx.db(), &cx.request, input)
        .await
        .map_err(to_app_error)
}

/// Adds a materials rule (administrators).
#[server(prefix = "/api", endpoint = "add_material_rule", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn add_material_rule(input: RuleInput) -> Result<i32, AppError> {
    use crate::server::{Context, services::configuration, to_app_error};
    let cx = Context::current()?;
    configuration::add_rule(cx.db(), &cx.request, input)
        .await
        .map_err(to_app_error)
}

/// Removes a materials rule (administrators).
#[server(prefix = "/api", endpoint = "remove_material_rule", output = crate::api::codec::JsonText)]
pub async fn remove_material_rule(rule_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::configuration, to_app_error};
    let cx = Context::current()?;
    configuration::remove_rule(cx.db(), &cx.request, rule_id)
        .await
        .map_err(to_app_error)
}

/// Lets exports carry full ID numbers, or not (administrators).
#[server(prefix = "/api", endpoint = "set_export_full_ids", output = crate::api::codec::JsonText)]
pub async fn set_export_full_ids(allow: bool) -> Result<(), AppError> {
    use crate::server::{Context, services::configuration, to_app_error};
    let cx = Context::current()?;
    configuration::set_export_full_ids(cx.db(), &cx.request, allow)
        .await
        .map_err(to_app_error)
}
