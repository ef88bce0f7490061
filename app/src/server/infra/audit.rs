//! The audit log: every view of a registration by staff and every action on one, with
//! who, when and from where. Rows are only ever inserted (the database refuses the rest).
//!
//! Staff reads are recorded too: a registration's page, each photo opened (with the copy
//! asked for), and every list that shows registrations (the review queue, a point's
//! appointments, the admissions page), naming the registrations shown by id. A row holds
//! ids and codes only: never a name or an ID number.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::server::{entities::audit_log, failure::ServiceError, infra::auth::Actor};

/// Who acts, from where, when: what every audited service function is given.
#[derive(Clone, Debug)]
pub struct Request {
    pub actor: Actor,
    /// The client's address as the server saw it (or as a trusted proxy reported it).
    pub address: String,
    pub now: DateTime<Utc>,
}

/// What the audit log records, each spelled once. The codes are stored in an append-only
/// log and shown to the bureau: never renamed, only added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// The bureau decided admissions for a school.
    AdmissionsDecide,
    /// A scheduled publication was applied.
    AdmissionsPublish,
    /// The bureau scheduled a school's publication.
    AdmissionsSchedule,
    /// A parent booked an on-site appointment.
    AppointmentBook,
    /// A parent cancelled an appointment.
    AppointmentCancel,
    /// Point staff checked a family in.
    AppointmentCheckIn,
    /// The bureau allowed or stopped full ID numbers in exports.
    BureauExportFullIds,
    /// An entry was created or changed.
    EntrySave,
    /// Staff read the admissions list.
    ListAdmissions,
    /// Point staff read their day's appointments.
    ListPointAppointments,
    /// Staff read a review queue.
    ListReviewQueue,
    /// The bureau read the registrations set aside by claims.
    ListSetAside,
    /// A material rule was added.
    MaterialRuleAdd,
    /// A material rule was removed.
    MaterialRuleRemove,
    /// A notice was published.
    NoticeAdd,
    /// Staff viewed a document photo.
    PhotoView,
    /// A confirmed parent claimed a child's ID number.
    RegistrationClaimed,
    /// A reviewer decided a registration.
    RegistrationDecide,
    /// A parent resubmitted after changes.
    RegistrationResubmit,
    /// A registration was set aside by a claim.
    RegistrationSetAside,
    /// The bureau decided on a set-aside registration.
    RegistrationSetAsideDecided,
    /// Staff opened a registration.
    RegistrationView,
    /// Staff exported a review list.
    RegistrationsExport,
    /// A school's places changed.
    SchoolCapacity,
    /// A community was added to a catchment.
    SchoolCatchmentAdd,
    /// A community was removed from a catchment.
    SchoolCatchmentRemove,
    /// A collection window changed.
    WindowSet,
}

impl AuditAction {
    pub const ALL: [Self; 27] = [
        Self::AdmissionsDecide,
        Self::AdmissionsPublish,
        Self::AdmissionsSchedule,
        Self::AppointmentBook,
        Self::AppointmentCancel,
        Self::AppointmentCheckIn,
        Self::BureauExportFullIds,
        Self::EntrySave,
        Self::ListAdmissions,
        Self::ListPointAppointments,
        Self::ListReviewQueue,
        Self::ListSetAside,
        Self::MaterialRuleAdd,
        Self::MaterialRuleRemove,
        Self::NoticeAdd,
        Self::PhotoView,
        Self::RegistrationClaimed,
        Self::RegistrationDecide,
        Self::RegistrationResubmit,
        Self::RegistrationSetAside,
        Self::RegistrationSetAsideDecided,
        Self::RegistrationView,
        Self::RegistrationsExport,
        Self::SchoolCapacity,
        Self::SchoolCatchmentAdd,
        Self::SchoolCatchmentRemove,
        Self::WindowSet,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AdmissionsDecide => "admissions.decide",
            Self::AdmissionsPublish => "admissions.publish",
            Self::AdmissionsSchedule => "admissions.schedule",
            Self::AppointmentBook => "appointment.book",
            Self::AppointmentCancel => "appointment.cancel",
            Self::AppointmentCheckIn => "appointment.check_in",
            Self::BureauExportFullIds => "bureau.export_full_ids",
            Self::EntrySave => "entry.save",
            Self::ListAdmissions => "list.admissions",
            Self::ListPointAppointments => "list.point_appointments",
            Self::ListReviewQueue => "list.review_queue",
            Self::ListSetAside => "list.set_aside",
            Self::MaterialRuleAdd => "material_rule.add",
            Self::MaterialRuleRemove => "material_rule.remove",
            Self::NoticeAdd => "notice.add",
            Self::PhotoView => "photo.view",
            Self::RegistrationClaimed => "registration.claimed",
            Self::RegistrationDecide => "registration.decide",
            Self::RegistrationResubmit => "registration.resubmit",
            Self::RegistrationSetAside => "registration.set_aside",
            Self::RegistrationSetAsideDecided => "registration.set_aside_decided",
            Self::RegistrationView => "registration.view",
            Self::RegistrationsExport => "registrations.export",
            Self::SchoolCapacity => "school.capacity",
            Self::SchoolCatchmentAdd => "school.catchment.add",
            Self::SchoolCatchmentRemove => "school.catchment.remove",
            Self::WindowSet => "window.set",
        }
    }
}

/// Writes one audit row. Call it inside the transaction of the action it records, so
/// that an action is never without its row and a failed action leaves none.
pub async fn record(
    db: &impl ConnectionTrait,
    request: &Request,
    action: AuditAction,
    object_kind: &str,
    object_id: Option<i32>,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    let (actor_kind, actor_id) = match &request.actor {
        Actor::Anonymous => ("anonymous", None),
        Actor::Parent { account_id } => ("parent", Some(*account_id)),
        Actor::Staff(staff) => ("staff", Some(staff.account_id)),
    };
    audit_log::ActiveModel {
        at: Set(request.now),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        action: Set(action.code().to_owned()),
        object_kind: Set(object_kind.to_owned()),
        object_id: Set(object_id),
        address: Set(request.address.chars().take(64).collect()),
        detail: Set(detail.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Most registration ids one row of a list's view names; a longer list takes more rows.
pub const MAX_IDS_PER_ROW: usize = 100;

/// Records that staff were shown a list of registrations: `detail` plus the ids shown
/// under `registrations`, at most [`MAX_IDS_PER_ROW`] a row (with `part` and `parts` when
/// it takes more than one). An empty list showed nobody's data and writes nothing.
pub async fn record_list(
    db: &impl ConnectionTrait,
    request: &Request,
    action: AuditAction,
    object_kind: &str,
    object_id: Option<i32>,
    registrations: &[i32],
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    let base = match detail {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let parts = registrations.len().div_ceil(MAX_IDS_PER_ROW);
    for (index, ids) in registrations.chunks(MAX_IDS_PER_ROW).enumerate() {
        let mut detail = base.clone();
        detail.insert("registrations".to_owned(), serde_json::json!(ids));
        if parts > 1 {
            detail.insert("part".to_owned(), serde_json::json!(index + 1));
            detail.insert("parts".to_owned(), serde_json::json!(parts));
        }
        record(
            db,
            request,
            action,
            object_kind,
            object_id,
            serde_json::Value::Object(detail),
        )
        .await?;
    }
    Ok(())
}

/// Writes one audit row for something the platform did by itself (a timed publication).
pub async fn record_system(
    db: &impl ConnectionTrait,
    action: AuditAction,
    object_kind: &str,
    object_id: Option<i32>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    audit_log::ActiveModel {
        at: Set(now),
        actor_kind: Set("system".to_owned()),
        actor_id: Set(None),
        action: Set(action.code().to_owned()),
        object_kind: Set(object_kind.to_owned()),
        object_id: Set(object_id),
        address: Set(String::new()),
        detail: Set(detail.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::AuditAction;

    #[test]
    fn each_action_has_its_own_code() {
        let codes: BTreeSet<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), AuditAction::ALL.len());
    }
}
