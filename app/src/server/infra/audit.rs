//! The audit log: every view of a registration by staff and every action on one, with
//! who, when and from where. Rows are only ever inserted (the database refuses the rest).
//!
//! Staff reads are recorded too: a registration's page, each photo opened (with the copy
//! asked for), and every list that shows registrations (the review queue, a point's
//! appointments, the admissions page), naming the registrations shown by id. A row holds
//! ids and codes only: never a name or an ID number.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::domain::coded::coded;
use crate::i18n::{Text, t};
use crate::server::{entities::audit_log, failure::ServiceError, infra::auth::Actor};

/// Who acts, from where, when: what every audited service function is given.
#[derive(Clone, Debug)]
pub struct Request {
    pub actor: Actor,
    /// The client's address as the server saw it (or as a trusted proxy reported it).
    pub address: String,
    pub now: DateTime<Utc>,
}

coded! {
    /// What the audit log records, each spelled once. The codes are stored in an append-only
    /// log and shown to the bureau: never renamed, only added.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum AuditAction {
        /// The bureau decided admissions for a school.
        AdmissionsDecide = "admissions.decide",
        /// A scheduled publication was applied.
        AdmissionsPublish = "admissions.publish",
        /// The bureau scheduled a school's publication.
        AdmissionsSchedule = "admissions.schedule",
        /// The bureau cancelled a school's scheduled publication.
        AdmissionsUnschedule = "admissions.unschedule",
        /// The bureau committed a school's draw (its list and the secret's commitment).
        DrawSchedule = "draw.schedule",
        /// A draw was run with the public value.
        DrawRun = "draw.run",
        /// A parent accepted or declined a place a draw offered.
        OfferAnswered = "offer.answer",
        /// Offers nobody answered in time expired.
        OfferExpire = "offer.expire",
        /// Places freed were offered down a draw's waiting list.
        OfferMoveUp = "offer.move_up",
        /// A registrant (or, at submission, the household register) named another guardian
        /// to follow a registration.
        FollowerInvite = "follower.invite",
        /// A guardian confirmed an invitation to follow.
        FollowerConfirm = "follower.confirm",
        /// A registrant withdrew a follower or an invitation.
        FollowerWithdraw = "follower.withdraw",
        /// A parent booked an on-site appointment.
        AppointmentBook = "appointment.book",
        /// A parent cancelled an appointment.
        AppointmentCancel = "appointment.cancel",
        /// Point staff checked a family in.
        AppointmentCheckIn = "appointment.check_in",
        /// Point staff took back a check-in made by mistake (the same day).
        AppointmentCheckInUndo = "appointment.check_in_undo",
        /// Point staff recorded what a family's original documents showed.
        OriginalsChecked = "appointment.originals_checked",
        /// The bureau added appointment slots at a registration point.
        SlotsAdd = "slots.add",
        /// The bureau changed a slot's places.
        SlotCapacity = "slot.capacity",
        /// The bureau removed a slot nobody had booked.
        SlotRemove = "slot.remove",
        /// The bureau allowed or stopped full ID numbers in exports.
        BureauExportFullIds = "bureau.export_full_ids",
        /// An entry was created or changed.
        EntrySave = "entry.save",
        /// Staff read the admissions list.
        ListAdmissions = "list.admissions",
        /// Point staff read their day's appointments.
        ListPointAppointments = "list.point_appointments",
        /// Staff read a review queue.
        ListReviewQueue = "list.review_queue",
        /// The bureau read the registrations set aside by claims.
        ListSetAside = "list.set_aside",
        /// A material rule was added.
        MaterialRuleAdd = "material_rule.add",
        /// A material rule was removed.
        MaterialRuleRemove = "material_rule.remove",
        /// A notice was published.
        NoticeAdd = "notice.add",
        /// Staff viewed a document photo.
        PhotoView = "photo.view",
        /// A parent asked the household register about a child another account holds
        /// (a claim; the answer's code in the detail).
        ClaimAsked = "registration.claim_asked",
        /// A confirmed parent claimed a child's ID number.
        RegistrationClaimed = "registration.claimed",
        /// A reviewer decided a registration.
        RegistrationDecide = "registration.decide",
        /// A registration moved to another account of the same person.
        RegistrationMoved = "registration.moved",
        /// A parent resubmitted after changes.
        RegistrationResubmit = "registration.resubmit",
        /// A registration was set aside by a claim.
        RegistrationSetAside = "registration.set_aside",
        /// The bureau decided on a set-aside registration.
        RegistrationSetAsideDecided = "registration.set_aside_decided",
        /// Staff opened a registration.
        RegistrationView = "registration.view",
        /// Staff exported a review list.
        RegistrationsExport = "registrations.export",
        /// A school's places changed.
        SchoolCapacity = "school.capacity",
        /// A community was added to a catchment.
        SchoolCatchmentAdd = "school.catchment.add",
        /// A community was removed from a catchment.
        SchoolCatchmentRemove = "school.catchment.remove",
        /// A collection window changed.
        WindowSet = "window.set",
        /// The next school year's window added.
        WindowAdd = "window.add",
    }
}

impl AuditAction {
    /// What the bureau reads for the action, in both languages.
    pub fn label(self) -> Text {
        match self {
            Self::AdmissionsDecide => t("决定录取", "Admissions decided"),
            Self::AdmissionsPublish => t("公布录取结果", "Admissions published"),
            Self::AdmissionsSchedule => t("安排公布录取", "Publication scheduled"),
            Self::AdmissionsUnschedule => t("取消公布安排", "Publication cancelled"),
            Self::DrawSchedule => t("公示派位名单", "Draw list committed"),
            Self::DrawRun => t("电脑派位", "Draw run"),
            Self::OfferAnswered => t("答复学位", "Place answered"),
            Self::OfferExpire => t("学位逾期未答复", "Offers expired"),
            Self::OfferMoveUp => t("候补递补", "Waiting list moved up"),
            Self::FollowerInvite => t("邀请监护人关注", "Guardian invited"),
            Self::FollowerConfirm => t("监护人确认关注", "Guardian confirmed"),
            Self::FollowerWithdraw => t("撤回监护人关注", "Guardian withdrawn"),
            Self::AppointmentBook => t("预约现场登记", "Appointment booked"),
            Self::AppointmentCancel => t("取消预约", "Appointment cancelled"),
            Self::AppointmentCheckIn => t("现场登记签到", "Checked in"),
            Self::AppointmentCheckInUndo => t("撤销现场登记签到", "Check-in undone"),
            Self::OriginalsChecked => t("记录原件核验结果", "Originals checked"),
            Self::SlotsAdd => t("添加预约时段", "Slots added"),
            Self::SlotCapacity => t("修改时段名额", "Slot places changed"),
            Self::SlotRemove => t("删除预约时段", "Slot removed"),
            Self::BureauExportFullIds => {
                t("设置导出完整身份证号", "Full ID numbers in exports set")
            }
            Self::EntrySave => t("保存报名入口", "Entry saved"),
            Self::ListAdmissions => t("查看录取名单", "Admissions list read"),
            Self::ListPointAppointments => t("查看报名点预约", "Point appointments read"),
            Self::ListReviewQueue => t("查看审核列表", "Review list read"),
            Self::ListSetAside => t("查看被替换的报名", "Set-aside list read"),
            Self::MaterialRuleAdd => t("添加材料规则", "Material rule added"),
            Self::MaterialRuleRemove => t("删除材料规则", "Material rule removed"),
            Self::NoticeAdd => t("发布通知", "Notice published"),
            Self::PhotoView => t("查看材料照片", "Photo viewed"),
            Self::ClaimAsked => t("认领前核验户籍", "Register asked for a claim"),
            Self::RegistrationClaimed => t("认领儿童身份证号", "ID number claimed"),
            Self::RegistrationDecide => t("审核报名", "Registration reviewed"),
            Self::RegistrationMoved => t(
                "报名转到本人另一账号",
                "Registration moved to the same person's other account",
            ),
            Self::RegistrationResubmit => t("重新提交", "Resubmitted"),
            Self::RegistrationSetAside => t("报名被替换", "Registration set aside"),
            Self::RegistrationSetAsideDecided => {
                t("处理被替换的报名", "Set-aside registration decided")
            }
            Self::RegistrationView => t("查看报名", "Registration opened"),
            Self::RegistrationsExport => t("导出报名名单", "Registrations exported"),
            Self::SchoolCapacity => t("修改招生计划", "School places changed"),
            Self::SchoolCatchmentAdd => t("添加学区小区", "Community added to catchment"),
            Self::SchoolCatchmentRemove => t("移出学区小区", "Community removed from catchment"),
            Self::WindowSet => t("设置报名时间", "Window set"),
            Self::WindowAdd => t("添加下一学年报名时间", "Next school year's window added"),
        }
    }
}

/// What the bureau reads for an object's kind, in both languages (`None`: shown as stored).
pub fn object_kind_label(kind: &str) -> Option<Text> {
    Some(match kind {
        "registration" => t("报名", "Registration"),
        "school" => t("学校", "School"),
        "draw" => t("派位", "Draw"),
        "entry" => t("报名入口", "Entry"),
        "bureau" => t("教体局", "Bureau"),
        "notice" => t("通知", "Notice"),
        "material_rule" => t("材料规则", "Material rule"),
        "appointment_slot" => t("预约时段", "Appointment slot"),
        "registration_point" => t("报名点", "Registration point"),
        "parent_account" => t("家长账号", "Parent account"),
        _ => return None,
    })
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
