//! Export of a review list to Excel (.xlsx): the caller's school (or bureau), the queue's
//! filters, ID numbers masked unless the bureau allows full ones. Every export is audited with what
//! it held.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    api::review::QueueQuery,
    domain::{ResidentId, StaffRole},
    i18n::{Locale, t},
    server::{
        entities::{bureau, entry, staff_account},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        services::registrations::{masked_child, offset_of},
        services::review::{self, Listed},
    },
};

/// Most rows one export holds.
pub const MAX_EXPORT_ROWS: u64 = 20_000;

/// A finished export: its file name and bytes.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn xlsx(error: XlsxError) -> ServiceError {
    ServiceError::Unexpected(format!("writing xlsx: {error}"))
}

/// The caller's registrations that `query`'s filters select (all pages, in its order), as a
/// workbook in the caller's language.
pub async fn export(
    db: &impl ConnectionTrait,
    request: &Request,
    query: &QueueQuery,
    locale: Locale,
) -> Result<Export, ServiceError> {
    let staff = request
        .actor
        .require_role(&[StaffRole::Reviewer, StaffRole::BureauAdmin])?;
    let schools = review::schools_of(db, staff).await?;
    let bureaus: BTreeMap<i32, bureau::Model> = bureau::Entity::find()
        .filter(bureau::Column::Id.is_in(schools.iter().map(|s| s.bureau_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let full_ids = |school_id: i32| {
        schools
            .iter()
            .find(|s| s.id == school_id)
            .and_then(|s| bureaus.get(&s.bureau_id))
            .is_some_and(|b| b.export_full_ids)
    };
    let lapsed = review::lapsed_requests(db, &schools, request.now).await?;
    let school_year = review::queue_years(db, &schools, request.now)
        .await?
        .chosen(query.school_year)?;
    let Listed { select, filter, .. } = review::queue_select(
        &schools,
        review::stage_of(staff)?,
        query,
        school_year,
        lapsed,
    )?;
    let rows = select.limit(MAX_EXPORT_ROWS).all(db).await?;
    let entries: BTreeMap<i32, String> = entry::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let name = match locale {
                Locale::Zh => e.name_zh,
                Locale::En => e.name_en,
            };
            (e.id, name)
        })
        .collect();
    let reviewers: BTreeMap<i32, String> = staff_account::Entity::find()
        .filter(staff_account::Column::Id.is_in(rows.iter().filter_map(|r| r.reviewer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let offset = match schools.first() {
        Some(s) => offset_of(db, s.id).await?,
        None => chrono::Offset::fix(&Utc),
    };
    let local = |at: Option<chrono::DateTime<Utc>>| {
        at.map(|at| {
            at.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
    };

    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(t("报名名单", "Registrations").get(locale))
        .map_err(xlsx)?;
    let headers = [
        (t("报名编号", "Reference"), 16),
        (t("学年", "School year"), 8),
        (t("儿童姓名", "Child's name"), 10),
        (t("身份证号", "ID number"), 22),
        (t("性别", "Sex"), 6),
        (t("出生日期", "Date of birth"), 12),
        (t("报名入口", "Entry"), 28),
        (t("学校", "School"), 24),
        (t("状态", "State"), 20),
        (t("提交时间", "Submitted"), 18),
        (t("含手工填写", "Hand-entered"), 10),
        (t("最后审核人", "Last reviewer"), 12),
        (t("最后审核时间", "Last reviewed"), 18),
    ];
    for (col, (title, width)) in (0_u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, title.get(locale), &bold)
            .map_err(xlsx)?;
        sheet.set_column_width(col, width).map_err(xlsx)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    let mut full_count = 0_usize;
    for (row_number, row) in (1_u32..).zip(&rows) {
        let child_id = crate::server::services::registrations::child_id_of(row)?;
        let id = ResidentId::parse(&child_id, request.now.date_naive()).ok();
        let shown_id = if full_ids(row.school_id) {
            full_count += 1;
            child_id.clone()
        } else {
            masked_child(row, request.now)
        };
        let state = row.state.label().get(locale);
        let school_name = schools
            .iter()
            .find(|s| s.id == row.school_id)
            .map(|s| match locale {
                Locale::Zh => s.name_zh.clone(),
                Locale::En => s.name_en.clone(),
            })
            .unwrap_or_default();
        let cells = [
            row.reference.clone(),
            row.school_year.to_string(),
            row.child_name.clone().unwrap_or_default(),
            shown_id,
            id.as_ref()
                .map(|id| match id.sex() {
                    crate::domain::Sex::Male => t("男", "Male"),
                    crate::domain::Sex::Female => t("女", "Female"),
                })
                .map(|sex| sex.get(locale).to_owned())
                .unwrap_or_default(),
            id.as_ref()
                .map(|id| id.birth_date().to_string())
                .unwrap_or_default(),
            entries.get(&row.entry_id).cloned().unwrap_or_default(),
            school_name,
            state.to_owned(),
            local(row.submitted_at),
            if row.hand_entered {
                t("是", "Yes")
            } else {
                t("否", "No")
            }
            .get(locale)
            .to_owned(),
            row.reviewer_id
                .and_then(|id| reviewers.get(&id).cloned())
                .unwrap_or_default(),
            local(row.reviewed_at),
        ];
        for (col, value) in (0_u16..).zip(cells) {
            sheet.write_string(row_number, col, value).map_err(xlsx)?;
        }
    }
    let bytes = workbook.save_to_buffer().map_err(xlsx)?;
    audit::record(
        db,
        request,
        AuditAction::RegistrationsExport,
        "school",
        (schools.len() == 1)
            .then(|| schools.first().map(|s| s.id))
            .flatten(),
        serde_json::json!({
            "filter": filter.code(),
            "school_year": school_year,
            // The search text is left out: a reviewer may have typed an ID number.
            "entry": query.entry_id,
            "school": query.school_id,
            "hand_entered": query.hand_entered,
            "resubmitted": query.resubmitted,
            "searched": !query.search.is_empty(),
            "rows": rows.len(),
            "full_id_rows": full_count,
            "schools": schools.iter().map(|s| s.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let date = request.now.with_timezone(&offset).format("%Y%m%d-%H%M");
    Ok(Export {
        file_name: format!("registrations-{school_year}-{}-{date}.xlsx", filter.code()),
        bytes,
    })
}
