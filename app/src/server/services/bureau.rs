//! The bureau's administration: capacities and catchments of its schools (with the public
//! catchment look-up), collection and review windows, home-page notices, statistics and
//! the audit log. Every change is audited; only the bureau's own administrators reach it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    sea_query::{Expr, OnConflict, Query},
};

use crate::server::infra::search::like_text;
use crate::{
    api::bureau::{
        AuditRow, BureauSchools, CatchmentMatch, CatchmentRow, Count, END_NOW, GradeStat,
        SchoolAdmin, SchoolStat, Statistics, WindowView,
    },
    domain::{RegistrationState, StaffRole, Subsystem},
    error::FieldProblem,
    i18n::LocalizedText,
    server::{
        entities::{
            audit_log, bureau, catchment, collection_window, entry, material_rule, notice,
            registration, registration_point, school, school_capacity, staff_account,
        },
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        infra::auth::{Actor, StaffActor},
    },
};

/// The calling administrator and the bureau they run (the first one for city-wide ones).
pub(crate) async fn admin_bureau(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<(StaffActor, bureau::Model), ServiceError> {
    let staff = actor.require_role(&[StaffRole::BureauAdmin])?.clone();
    let bureau = match staff.bureau_id {
        Some(id) => bureau::Entity::find_by_id(id).one(db).await?,
        None => {
            bureau::Entity::find()
                .order_by_asc(bureau::Column::Id)
                .one(db)
                .await?
        }
    }
    .ok_or(ServiceError::NotFound)?;
    Ok((staff, bureau))
}

/// A school of the calling administrator's bureau.
pub(crate) async fn own_school(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: i32,
) -> Result<school::Model, ServiceError> {
    let school = school::Entity::find_by_id(school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor.require_bureau_admin_of(school.bureau_id)?;
    Ok(school)
}

pub(crate) fn offset_of(bureau: &bureau::Model) -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(bureau.utc_offset_minutes * 60)
        .unwrap_or(chrono::Offset::fix(&Utc))
}

fn local(at: DateTime<Utc>, offset: chrono::FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Reads a local `YYYY-MM-DDTHH:MM` (a datetime-local input) in the bureau's time; a year
/// outside 2000–2199 is a typing mistake (and one before 4713 BC PostgreSQL cannot store).
pub(crate) fn parse_local(text: &str, offset: chrono::FixedOffset) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .ok()
        .filter(|at| (2000..2200).contains(&at.year()))?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// Registrations that count against a school's places: submitted, in review or decided.
fn counted_states() -> Vec<RegistrationState> {
    RegistrationState::ALL
        .into_iter()
        .filter(|s| !matches!(s, RegistrationState::Draft | RegistrationState::Deleted))
        .collect()
}

/// The bureau's schools with their places of a school year (`asked`, else the newest the
/// bureau has a window of) and their catchments.
pub async fn schools(
    db: &impl ConnectionTrait,
    actor: &Actor,
    asked: Option<i32>,
    now: DateTime<Utc>,
) -> Result<BureauSchools, ServiceError> {
    use crate::server::services::admission::{place_year, place_years};
    let (_, bureau) = admin_bureau(db, actor).await?;
    let school_years = place_years(db, bureau.id, None, now).await?;
    let school_year = place_year(&school_years, asked, None)?;
    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .order_by_asc(school::Column::Position)
        .all(db)
        .await?;
    let ids: Vec<i32> = schools.iter().map(|s| s.id).collect();
    let capacities = school_capacity::Entity::find()
        .filter(school_capacity::Column::SchoolId.is_in(ids.clone()))
        .filter(school_capacity::Column::SchoolYear.eq(school_year))
        .order_by_asc(school_capacity::Column::Subsystem)
        .order_by_asc(school_capacity::Column::Grade)
        .all(db)
        .await?;
    let catchments = catchment::Entity::find()
        .filter(catchment::Column::SchoolId.is_in(ids))
        .order_by_asc(catchment::Column::Community)
        .all(db)
        .await?;
    let schools = schools
        .into_iter()
        .map(|s| SchoolAdmin {
            id: s.id,
            name: LocalizedText::new(&s.name_zh, &s.name_en),
            capacities: capacities
                .iter()
                .filter(|c| c.school_id == s.id)
                .map(|c| (c.subsystem, c.grade, c.capacity))
                .collect(),
            catchment: catchments
                .iter()
                .filter(|c| c.school_id == s.id)
                .map(|c| CatchmentRow {
                    id: c.id,
                    community: c.community.clone(),
                    note: c.note.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(BureauSchools {
        school_year,
        school_years,
        schools,
    })
}

/// Sets a school's capacity for a subsystem, grade and school year (0 removes the grade);
/// the year is one the bureau has a window of, the newest when none is named.
/// Places cut below what a scheduled publication of that year admits are refused (it would
/// publish more children than places).
pub async fn set_capacity(
    db: &sea_orm::DatabaseConnection,
    request: &Request,
    school_id: i32,
    subsystem: Subsystem,
    grade: i32,
    capacity: i32,
    school_year: Option<i32>,
) -> Result<(), ServiceError> {
    use crate::server::services::admission;
    use sea_orm::TransactionTrait;
    let school = own_school(db, &request.actor, school_id).await?;
    let school_year = admission::place_year(
        &admission::place_years(db, school.bureau_id, Some(subsystem), request.now).await?,
        school_year,
        Some(subsystem),
    )?;
    let grades = match subsystem {
        Subsystem::Enrollment => 1..=1,
        Subsystem::Transfer => 1..=9,
    };
    if !grades.contains(&grade) {
        return Err(ServiceError::invalid(
            "grade",
            "年级不正确：入学报名为一年级，转学为一至九年级。",
            "Wrong grade: enrollment is grade 1, transfers grades 1 to 9.",
        ));
    }
    if !(0..=5000).contains(&capacity) {
        return Err(ServiceError::invalid(
            "capacity",
            "计划人数应在 0 到 5000 之间。",
            "Places must be from 0 to 5000.",
        ));
    }
    let txn = db.begin().await?;
    admission::hold_list(&txn, school_id).await?;
    if capacity == 0 {
        school_capacity::Entity::delete_many()
            .filter(school_capacity::Column::SchoolId.eq(school_id))
            .filter(school_capacity::Column::Subsystem.eq(subsystem))
            .filter(school_capacity::Column::Grade.eq(grade))
            .filter(school_capacity::Column::SchoolYear.eq(school_year))
            .exec(&txn)
            .await?;
    } else {
        school_capacity::Entity::insert(school_capacity::ActiveModel {
            school_id: Set(school_id),
            subsystem: Set(subsystem),
            grade: Set(grade),
            school_year: Set(school_year),
            capacity: Set(capacity),
        })
        .on_conflict(
            OnConflict::columns([
                school_capacity::Column::SchoolId,
                school_capacity::Column::Subsystem,
                school_capacity::Column::Grade,
                school_capacity::Column::SchoolYear,
            ])
            .update_column(school_capacity::Column::Capacity)
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    admission::scheduled_within_places(&txn, &school, subsystem, school_year).await?;
    audit::record(
        &txn,
        request,
        AuditAction::SchoolCapacity,
        "school",
        Some(school_id),
        serde_json::json!({
            "subsystem": subsystem.code(),
            "grade": grade,
            "school_year": school_year,
            "capacity": capacity,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Adds a community to a school's catchment; a community belongs to one school only.
pub async fn add_catchment(
    db: &impl ConnectionTrait,
    request: &Request,
    school_id: i32,
    community: &str,
    note: &str,
) -> Result<i32, ServiceError> {
    own_school(db, &request.actor, school_id).await?;
    let community = community.trim();
    let note: String = note.trim().chars().take(200).collect();
    if community.chars().count() < 2 || community.chars().count() > 100 {
        return Err(ServiceError::invalid(
            "community",
            "请填写小区或社区名称（2 到 100 个字）。",
            "Enter the community's name (2 to 100 characters).",
        ));
    }
    let inserted = catchment::ActiveModel {
        school_id: Set(school_id),
        community: Set(community.to_owned()),
        note: Set(note),
        ..Default::default()
    }
    .insert(db)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let holder = catchment::Entity::find()
                .filter(catchment::Column::Community.eq(community))
                .one(db)
                .await?;
            let school = match holder {
                Some(h) => school::Entity::find_by_id(h.school_id).one(db).await?,
                None => None,
            };
            let name = school.map(|s| (s.name_zh, s.name_en)).unwrap_or_default();
            return Err(ServiceError::Invalid(vec![FieldProblem::new(
                "community",
                format!(
                    "“{community}”已属于{}的学区，一个小区只能属于一所学校。",
                    name.0
                ),
                format!(
                    "“{community}” is already in the catchment of {}: a community belongs to one school.",
                    name.1
                ),
            )]));
        }
        Err(error) => return Err(error.into()),
    };
    audit::record(
        db,
        request,
        AuditAction::SchoolCatchmentAdd,
        "school",
        Some(school_id),
        serde_json::json!({ "community": community }),
    )
    .await?;
    Ok(row.id)
}

/// Removes a community from its school's catchment.
pub async fn remove_catchment(
    db: &impl ConnectionTrait,
    request: &Request,
    catchment_id: i32,
) -> Result<(), ServiceError> {
    request.actor.require_role(&[StaffRole::BureauAdmin])?;
    let row = catchment::Entity::find_by_id(catchment_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    own_school(db, &request.actor, row.school_id).await?;
    catchment::Entity::delete_by_id(row.id).exec(db).await?;
    audit::record(
        db,
        request,
        AuditAction::SchoolCatchmentRemove,
        "school",
        Some(row.school_id),
        serde_json::json!({ "community": row.community }),
    )
    .await
}

/// Places and registrations of a school for first-grade enrollment this year (the school
/// year its newest window collects for: last year's registrations are not this year's load).
async fn load_of(
    db: &impl ConnectionTrait,
    school: &school::Model,
    now: DateTime<Utc>,
) -> Result<(Option<i32>, u64), ServiceError> {
    let school_id = school.id;
    let year =
        crate::server::services::admission::year_of(db, school, Subsystem::Enrollment, now).await?;
    let capacity: i32 =
        crate::server::services::admission::places_of(db, school_id, Subsystem::Enrollment, year)
            .await?
            .values()
            .sum();
    let registrations = registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(school_id))
        .filter(registration::Column::Subsystem.eq(Subsystem::Enrollment))
        .filter(registration::Column::SchoolYear.eq(year))
        .filter(registration::Column::State.is_in(counted_states()))
        .count(db)
        .await?;
    Ok(((capacity > 0).then_some(capacity), registrations))
}

/// The public catchment look-up: communities whose name contains the text, with their
/// school and how full it is.
pub async fn lookup(
    db: &impl ConnectionTrait,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CatchmentMatch>, ServiceError> {
    let text = like_text(text);
    if text.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let rows = catchment::Entity::find()
        .filter(catchment::Column::Community.contains(&text))
        .order_by_asc(catchment::Column::Community)
        .limit(20)
        .all(db)
        .await?;
    let mut matches = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(school) = school::Entity::find_by_id(row.school_id).one(db).await? else {
            continue;
        };
        let (capacity, registrations) = load_of(db, &school, now).await?;
        matches.push(CatchmentMatch {
            community: row.community,
            note: row.note,
            school: LocalizedText::new(&school.name_zh, &school.name_en),
            address: LocalizedText::new(&school.address_zh, &school.address_en),
            capacity,
            registrations,
        });
    }
    Ok(matches)
}

/// The bureau's windows in local time for the form: per subsystem its newest, and the one
/// before while the newest has not opened yet (its review deadline may still move).
pub async fn windows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<WindowView>, ServiceError> {
    let (_, bureau) = admin_bureau(db, actor).await?;
    let offset = offset_of(&bureau);
    let rows = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau.id))
        .order_by_desc(collection_window::Column::SchoolYear)
        .all(db)
        .await?;
    let local = |at: DateTime<Utc>| local(at, offset);
    let mut views = Vec::new();
    for subsystem in Subsystem::ALL {
        let own: Vec<&collection_window::Model> =
            rows.iter().filter(|w| w.subsystem == subsystem).collect();
        let shown = match own.as_slice() {
            [newest, before, ..] if now < newest.opens_at => vec![*newest, *before],
            [newest, ..] => vec![*newest],
            [] => vec![],
        };
        views.extend(shown.into_iter().enumerate().map(|(i, w)| WindowView {
            subsystem,
            school_year: w.school_year,
            newest: i == 0,
            opened: w.opens_at <= now,
            opens_at: local(w.opens_at),
            closes_at: local(w.closes_at),
            review_closes_at: w.review_closes_at.map(local),
        }));
    }
    Ok(views)
}

/// A window's times as the bureau typed them, checked: it closes after it opens, and
/// review does not end before collection.
struct WindowTimes {
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
    review: Option<DateTime<Utc>>,
}

impl WindowTimes {
    fn parse(
        bureau: &bureau::Model,
        opens_at: &str,
        closes_at: &str,
        review_closes_at: &str,
    ) -> Result<Self, ServiceError> {
        let offset = offset_of(bureau);
        let bad_time = |field: &str| {
            ServiceError::invalid(
                field,
                "请按“2027-05-01 08:00”的格式填写时间。",
                "Enter a time like 2027-05-01 08:00.",
            )
        };
        let opens = parse_local(opens_at, offset).ok_or_else(|| bad_time("opens_at"))?;
        let closes = parse_local(closes_at, offset).ok_or_else(|| bad_time("closes_at"))?;
        let review = match review_closes_at.trim() {
            "" => None,
            text => Some(parse_local(text, offset).ok_or_else(|| bad_time("review_closes_at"))?),
        };
        if closes <= opens {
            return Err(ServiceError::invalid(
                "closes_at",
                "结束时间应晚于开始时间。",
                "The window must close after it opens.",
            ));
        }
        if review.is_some_and(|r| r < closes) {
            return Err(ServiceError::invalid(
                "review_closes_at",
                "审核截止时间不能早于采集结束时间。",
                "Review cannot end before collection does.",
            ));
        }
        Ok(Self {
            opens,
            closes,
            review,
        })
    }

    /// Refused where it would overlap another school year's window of the subsystem or
    /// stand out of their order: at any moment one window takes a subsystem's
    /// registrations, and a year's opens after the year before it closed.
    fn in_order(
        &self,
        school_year: i32,
        others: &[collection_window::Model],
        bureau: &bureau::Model,
    ) -> Result<(), ServiceError> {
        let offset = offset_of(bureau);
        let at = |t: DateTime<Utc>| local(t, offset).replacen('T', " ", 1);
        // A year is done when its review closes (its collection, without a review deadline).
        let done = self.review.unwrap_or(self.closes);
        let clash = others.iter().find(|w| {
            let w_done = w.review_closes_at.unwrap_or(w.closes_at);
            (w.school_year < school_year && self.opens < w_done)
                || (w.school_year > school_year && w.opens_at < done)
        });
        match clash {
            Some(w) => Err(ServiceError::invalid(
                "opens_at",
                &format!(
                    "与 {} 学年的报名和审核时间（{} 至 {}）重叠或次序颠倒：每一学年的报名在上一学年报名和审核结束后才开始。",
                    w.school_year,
                    at(w.opens_at),
                    at(w.review_closes_at.unwrap_or(w.closes_at))
                ),
                &format!(
                    "It overlaps or comes out of order with the {} school year's window and review ({} to {}): each year opens after the year before has closed its window and review.",
                    w.school_year,
                    at(w.opens_at),
                    at(w.review_closes_at.unwrap_or(w.closes_at))
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Changes the collection window and review deadline of a subsystem's school year (its
/// newest when none is named). A change that stops an open window at once while families
/// still have drafts is refused unless `end_now` confirms it, and the refusal says how many
/// drafts could then no longer be sent: a mistyped date must not lock out a district's
/// families.
#[allow(clippy::too_many_arguments)]
pub async fn set_window(
    db: &sea_orm::DatabaseConnection,
    request: &Request,
    subsystem: Subsystem,
    school_year: Option<i32>,
    opens_at: &str,
    closes_at: &str,
    review_closes_at: &str,
    end_now: bool,
) -> Result<(), ServiceError> {
    use sea_orm::TransactionTrait;
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let times = WindowTimes::parse(&bureau, opens_at, closes_at, review_closes_at)?;
    let txn = db.begin().await?;
    let mut all = windows_held(&txn, &bureau, subsystem).await?;
    let at = match school_year {
        Some(year) => all.iter().position(|w| w.school_year == year),
        None => (!all.is_empty()).then_some(0),
    }
    .ok_or(ServiceError::NotFound)?;
    let window = all.remove(at);
    times.in_order(window.school_year, &all, &bureau)?;
    let WindowTimes {
        opens,
        closes,
        review,
    } = times;
    let now = request.now;
    let open_now = |opens: DateTime<Utc>, closes: DateTime<Utc>| opens <= now && now < closes;
    let ends_now = open_now(window.opens_at, window.closes_at) && !open_now(opens, closes);
    if ends_now && !end_now {
        let schools = school::Entity::find()
            .select_only()
            .column(school::Column::Id)
            .filter(school::Column::BureauId.eq(bureau.id))
            .into_tuple::<i32>()
            .all(&txn)
            .await?;
        let drafts = registration::Entity::find()
            .filter(registration::Column::SchoolId.is_in(schools))
            .filter(registration::Column::Subsystem.eq(subsystem))
            .filter(registration::Column::SchoolYear.eq(window.school_year))
            .filter(registration::Column::State.eq(RegistrationState::Draft))
            .count(&txn)
            .await?;
        if drafts > 0 {
            let name = subsystem.name();
            return Err(ServiceError::invalid(
                END_NOW,
                &format!(
                    "这样保存后，“{}”的报名将立即结束：还有 {drafts} 份尚未提交的报名将不能再提交。确定要现在结束吗？",
                    name.zh
                ),
                &format!(
                    "Saved like this, “{}” stops taking registrations now: {drafts} registrations not yet sent could no longer be sent. End it now?",
                    name.en
                ),
            ));
        }
    }
    let school_year_set = window.school_year;
    let mut active: collection_window::ActiveModel = window.into();
    active.opens_at = Set(opens);
    active.closes_at = Set(closes);
    active.review_closes_at = Set(review);
    active.update(&txn).await?;
    audit::record(
        &txn,
        request,
        AuditAction::WindowSet,
        "bureau",
        Some(bureau.id),
        serde_json::json!({
            "subsystem": subsystem.code(),
            "school_year": school_year_set,
            "opens_at": opens.to_rfc3339(),
            "closes_at": closes.to_rfc3339(),
            "review_closes_at": review.map(|r| r.to_rfc3339()),
            "ended_now": ends_now,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A subsystem's windows of the bureau, newest year first, read after taking the bureau's
/// row: two window changes at once end one after the other (on SQLite this is the
/// transaction's first write), so that neither misses the other's dates.
async fn windows_held(
    txn: &impl ConnectionTrait,
    bureau: &bureau::Model,
    subsystem: Subsystem,
) -> Result<Vec<collection_window::Model>, ServiceError> {
    bureau::Entity::update_many()
        .col_expr(bureau::Column::Id, Expr::col(bureau::Column::Id))
        .filter(bureau::Column::Id.eq(bureau.id))
        .exec(txn)
        .await?;
    Ok(collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau.id))
        .filter(collection_window::Column::Subsystem.eq(subsystem))
        .order_by_desc(collection_window::Column::SchoolYear)
        .all(txn)
        .await?)
}

/// Adds the next school year's window of a subsystem, once the newest has opened, opening
/// after the newest's collection and review have closed (so that the newest year's
/// admissions, draws and publications are done in its own time). A child is registered
/// once a school year: last year's registration does not stop a new one.
pub async fn open_next_year(
    db: &sea_orm::DatabaseConnection,
    request: &Request,
    subsystem: Subsystem,
    opens_at: &str,
    closes_at: &str,
    review_closes_at: &str,
) -> Result<i32, ServiceError> {
    use sea_orm::TransactionTrait;
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let times = WindowTimes::parse(&bureau, opens_at, closes_at, review_closes_at)?;
    let txn = db.begin().await?;
    let all = windows_held(&txn, &bureau, subsystem).await?;
    let newest = all.first().ok_or(ServiceError::NotFound)?;
    if request.now < newest.opens_at {
        return Err(ServiceError::invalid(
            "opens_at",
            &format!(
                "{} 学年的报名还没有开始：下一学年的报名时间在它开始后才能添加，{} 学年的时间请在上面修改。",
                newest.school_year, newest.school_year
            ),
            &format!(
                "The {} school year has not opened yet: the next year's window can be added once it has. Change {}'s times above.",
                newest.school_year, newest.school_year
            ),
        ));
    }
    let school_year = newest.school_year + 1;
    times.in_order(school_year, &all, &bureau)?;
    let inserted = collection_window::ActiveModel {
        bureau_id: Set(bureau.id),
        subsystem: Set(subsystem),
        school_year: Set(school_year),
        opens_at: Set(times.opens),
        closes_at: Set(times.closes),
        review_closes_at: Set(times.review),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::WindowAdd,
        "bureau",
        Some(bureau.id),
        serde_json::json!({
            "subsystem": subsystem.code(),
            "school_year": school_year,
            "opens_at": times.opens.to_rfc3339(),
            "closes_at": times.closes.to_rfc3339(),
            "review_closes_at": times.review.map(|r| r.to_rfc3339()),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(inserted.id)
}

/// Publishes a notice on the home page now.
pub async fn add_notice(
    db: &impl ConnectionTrait,
    request: &Request,
    title: LocalizedText,
    body: LocalizedText,
) -> Result<i32, ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let title_zh = title.zh.trim().to_owned();
    let body_zh = body.zh.trim().to_owned();
    if title_zh.is_empty() || title_zh.chars().count() > 100 || body_zh.is_empty() {
        return Err(ServiceError::invalid(
            "title_zh",
            "请填写公告标题（100 字以内）和内容。",
            "Enter the notice's title (at most 100 characters) and text.",
        ));
    }
    let title_en = LocalizedText::english_or(&title.en, &title_zh);
    let body_en = LocalizedText::english_or(&body.en, &body_zh);
    ServiceError::at_most("title_en", &title_en, 200)?;
    ServiceError::at_most("body_zh", &body_zh, 5000)?;
    ServiceError::at_most("body_en", &body_en, 10000)?;
    let row = notice::ActiveModel {
        bureau_id: Set(bureau.id),
        title_zh: Set(title_zh),
        title_en: Set(title_en),
        body_zh: Set(body_zh),
        body_en: Set(body_en),
        published_at: Set(request.now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        request,
        AuditAction::NoticeAdd,
        "notice",
        Some(row.id),
        serde_json::json!({}),
    )
    .await?;
    Ok(row.id)
}

/// Figures for the statistics page.
pub async fn statistics(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Statistics, ServiceError> {
    let (_, bureau) = admin_bureau(db, actor).await?;
    let offset = offset_of(&bureau);
    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .order_by_asc(school::Column::Position)
        .all(db)
        .await?;
    let mut rows = registration::Entity::find()
        .filter(registration::Column::SchoolId.is_in(schools.iter().map(|s| s.id)))
        .filter(registration::Column::State.ne(RegistrationState::Deleted))
        .all(db)
        .await?;
    // This year's only, each subsystem's (the school year its newest window collects for),
    // registrations and places alike.
    let year_of =
        |subsystem| crate::server::services::admission::years_of(db, bureau.id, subsystem, now);
    let enrollment = year_of(Subsystem::Enrollment).await?.current;
    let transfer = year_of(Subsystem::Transfer).await?.current;
    let this_year = |subsystem, school_year| {
        school_year
            == match subsystem {
                Subsystem::Enrollment => enrollment,
                Subsystem::Transfer => transfer,
            }
    };
    rows.retain(|r| this_year(r.subsystem, r.school_year));
    let mut all_capacities = school_capacity::Entity::find()
        .filter(school_capacity::Column::SchoolId.is_in(schools.iter().map(|s| s.id)))
        .all(db)
        .await?;
    all_capacities.retain(|c| this_year(c.subsystem, c.school_year));
    let capacities: Vec<&school_capacity::Model> = all_capacities
        .iter()
        .filter(|c| c.subsystem == Subsystem::Enrollment)
        .collect();
    let counted = counted_states();
    let transfers = transfer_figures(&schools, &rows, &all_capacities, &counted);
    let per_school = schools
        .iter()
        .map(|s| {
            let capacity: i32 = capacities
                .iter()
                .filter(|c| c.school_id == s.id)
                .map(|c| c.capacity)
                .sum();
            let mine = rows
                .iter()
                .filter(|r| r.school_id == s.id && r.subsystem == Subsystem::Enrollment);
            SchoolStat {
                name: LocalizedText::new(&s.name_zh, &s.name_en),
                capacity: (capacity > 0).then_some(capacity),
                registrations: mine.clone().filter(|r| counted.contains(&r.state)).count() as u64,
                drafts: mine
                    .clone()
                    .filter(|r| r.state == RegistrationState::Draft)
                    .count() as u64,
                admitted: mine
                    .filter(|r| r.state == RegistrationState::Admitted)
                    .count() as u64,
            }
        })
        .collect();
    let per_state = RegistrationState::ALL
        .into_iter()
        .filter(|s| *s != RegistrationState::Deleted)
        .map(|s| Count {
            label: LocalizedText::new(s.label().zh, s.label().en),
            count: rows.iter().filter(|r| r.state == s).count() as u64,
        })
        .collect();
    let entries = entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .order_by_asc(entry::Column::Position)
        .all(db)
        .await?;
    let per_entry = entries
        .iter()
        .map(|e| Count {
            label: LocalizedText::new(&e.name_zh, &e.name_en),
            count: rows.iter().filter(|r| r.entry_id == e.id).count() as u64,
        })
        .collect();
    let mut per_day: BTreeMap<String, u64> = BTreeMap::new();
    for at in rows.iter().filter_map(|r| r.submitted_at) {
        *per_day
            .entry(at.with_timezone(&offset).format("%m-%d").to_string())
            .or_insert(0) += 1;
    }
    Ok(Statistics {
        per_school,
        per_state,
        per_entry,
        per_day: per_day
            .into_iter()
            .map(|(day, count)| Count {
                label: LocalizedText::new(&day, &day),
                count,
            })
            .collect(),
        transfers,
    })
}

/// Transfers per school and grade: every grade with places or registrations, in school
/// and grade order.
fn transfer_figures(
    schools: &[school::Model],
    rows: &[registration::Model],
    capacities: &[school_capacity::Model],
    counted: &[RegistrationState],
) -> Vec<GradeStat> {
    let mut figures = Vec::new();
    for school in schools {
        let mine: Vec<&registration::Model> = rows
            .iter()
            .filter(|r| r.school_id == school.id && r.subsystem == Subsystem::Transfer)
            .filter(|r| counted.contains(&r.state))
            .collect();
        // Each grade with places, then each grade asked for without places.
        let mut grades: BTreeMap<Option<i32>, Option<i32>> = capacities
            .iter()
            .filter(|c| c.school_id == school.id && c.subsystem == Subsystem::Transfer)
            .map(|c| (Some(c.grade), Some(c.capacity)))
            .collect();
        for registration in &mine {
            grades.entry(registration.grade).or_insert(None);
        }
        for (grade, capacity) in grades {
            let of_grade = mine.iter().filter(|r| r.grade == grade);
            figures.push(GradeStat {
                school: LocalizedText::new(&school.name_zh, &school.name_en),
                grade,
                capacity,
                registrations: of_grade.clone().count() as u64,
                admitted: of_grade
                    .filter(|r| r.state == RegistrationState::Admitted)
                    .count() as u64,
            });
        }
    }
    figures
}

/// The audit rows a bureau's administrator reads: those by the bureau's staff (its own,
/// its schools' and its points'), and those about its registrations, schools, points,
/// staff, entries, notices and material rules, or the bureau itself.
async fn audit_scope(db: &impl ConnectionTrait, bureau_id: i32) -> Result<Condition, ServiceError> {
    let schools: Vec<i32> = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let points: Vec<i32> = registration_point::Entity::find()
        .filter(registration_point::Column::BureauId.eq(bureau_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let staff: Vec<i32> = staff_account::Entity::find()
        .filter(
            Condition::any()
                .add(staff_account::Column::BureauId.eq(bureau_id))
                .add(staff_account::Column::SchoolId.is_in(schools.clone()))
                .add(staff_account::Column::RegistrationPointId.is_in(points.clone())),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    // Registrations can be many: a sub-query rather than a list of ids.
    let registrations = Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::SchoolId.is_in(schools.clone()))
        .to_owned();
    let entries = Query::select()
        .column(entry::Column::Id)
        .from(entry::Entity)
        .and_where(entry::Column::BureauId.eq(bureau_id))
        .to_owned();
    let notices = Query::select()
        .column(notice::Column::Id)
        .from(notice::Entity)
        .and_where(notice::Column::BureauId.eq(bureau_id))
        .to_owned();
    let rules = Query::select()
        .column(material_rule::Column::Id)
        .from(material_rule::Entity)
        .and_where(material_rule::Column::BureauId.eq(bureau_id))
        .to_owned();
    let about = |kind: &'static str, ids: Expr| {
        Condition::all()
            .add(audit_log::Column::ObjectKind.eq(kind))
            .add(ids)
    };
    Ok(Condition::any()
        .add(
            Condition::all()
                .add(audit_log::Column::ActorKind.eq("staff"))
                .add(audit_log::Column::ActorId.is_in(staff.clone())),
        )
        .add(about(
            "registration",
            audit_log::Column::ObjectId.in_subquery(registrations),
        ))
        .add(about("school", audit_log::Column::ObjectId.is_in(schools)))
        .add(about(
            "registration_point",
            audit_log::Column::ObjectId.is_in(points),
        ))
        .add(about(
            "staff_account",
            audit_log::Column::ObjectId.is_in(staff),
        ))
        .add(about("bureau", audit_log::Column::ObjectId.eq(bureau_id)))
        .add(about(
            "entry",
            audit_log::Column::ObjectId.in_subquery(entries),
        ))
        .add(about(
            "notice",
            audit_log::Column::ObjectId.in_subquery(notices),
        ))
        .add(about(
            "material_rule",
            audit_log::Column::ObjectId.in_subquery(rules),
        )))
}

/// The latest audit rows, optionally of one registration (by reference), within the
/// caller's bureau (everything for a city-wide administrator). Read-only. A reference of
/// another bureau finds nothing, exactly as one that does not exist.
pub async fn audit_rows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    reference: &str,
) -> Result<Vec<AuditRow>, ServiceError> {
    let (staff, bureau) = admin_bureau(db, actor).await?;
    let offset = offset_of(&bureau);
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(bureau_id) = staff.bureau_id {
        query = query.filter(audit_scope(db, bureau_id).await?);
    }
    let reference = reference.trim();
    if !reference.is_empty() {
        let Some(row) = registration::Entity::find()
            .filter(registration::Column::Reference.eq(reference.to_uppercase()))
            .one(db)
            .await?
        else {
            return Ok(Vec::new());
        };
        // Only the bureau's own registrations.
        match own_school(db, actor, row.school_id).await {
            Ok(_) => {}
            Err(ServiceError::Forbidden | ServiceError::NotFound) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        }
        query = query
            .filter(audit_log::Column::ObjectKind.eq("registration"))
            .filter(audit_log::Column::ObjectId.eq(row.id));
    }
    let rows = query.limit(200).all(db).await?;
    let names: BTreeMap<i32, String> = staff_account::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, format!("{} ({})", s.display_name, s.username)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.object_id.map(|i| i.to_string()).unwrap_or_default();
            let both = |text: String| LocalizedText {
                zh: text.clone(),
                en: text,
            };
            let (who, who_name) = match (r.actor_kind.as_str(), r.actor_id) {
                ("staff", Some(id)) => {
                    let name = names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("staff #{id}"));
                    (name.clone(), both(name))
                }
                ("parent", Some(id)) => (
                    format!("parent #{id}"),
                    LocalizedText {
                        zh: format!("家长 #{id}"),
                        en: format!("Parent #{id}"),
                    },
                ),
                ("system", _) => ("system".to_owned(), LocalizedText::new("系统", "System")),
                ("anonymous", _) => (
                    "anonymous".to_owned(),
                    LocalizedText::new("未登录", "Not signed in"),
                ),
                (kind, _) => (kind.to_owned(), both(kind.to_owned())),
            };
            AuditRow {
                at: r
                    .at
                    .with_timezone(&offset)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                who_is_staff: r.actor_kind == "staff",
                who,
                who_name,
                action_name: AuditAction::from_code(&r.action).map_or_else(
                    || both(r.action.clone()),
                    |a| LocalizedText::new(a.label().zh, a.label().en),
                ),
                action: r.action,
                object_name: match audit::object_kind_label(&r.object_kind) {
                    Some(kind) => LocalizedText {
                        zh: format!("{} {id}", kind.zh).trim_end().to_owned(),
                        en: format!("{} {id}", kind.en).trim_end().to_owned(),
                    },
                    None => both(format!("{} {id}", r.object_kind)),
                },
                object: format!("{} {id}", r.object_kind),
                address: r.address,
                detail: r.detail,
            }
        })
        .collect())
}
