//! Admission results: the bureau decides on each registration that passed review, then
//! schedules its school's publication. Until then parents see nothing of the decision; at
//! the chosen time every decided registration of the school changes at once, in one
//! transaction, with its timeline event and notice. Applying a publication twice changes
//! nothing the second time (it is claimed by a conditional update first).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use crate::{
    api::{
        admissions::{AdmissionCandidate, AdmissionsPage, CandidateOffer, PublicationView},
        staff::PlaceOption,
    },
    domain::{
        RegistrationState, Subsystem, admission::AdmissionOutcome, dates::format_date_time,
        review::TimelineKind,
    },
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        Clock,
        entities::{admission_decision, entry, offer, publication, registration, school},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        services::bureau::{own_school, parse_local},
        services::notify::{self, Notice},
        services::registrations::{self, masked_child, offset_of},
    },
};

/// The school year a school's subsystem is working on: that of its newest window already
/// opened (next year's, configured early, counts only once it opens), else of the first
/// window to come.
pub(crate) async fn year_of(
    db: &impl ConnectionTrait,
    school: &school::Model,
    subsystem: Subsystem,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    Ok(years_of(db, school.bureau_id, subsystem, now)
        .await?
        .current)
}

/// The school years of a bureau's subsystem that staff can work on.
pub(crate) struct Years {
    /// The year worked on by default ([`year_of`]).
    pub current: i32,
    /// Every year whose window has opened, newest first (the current one included): last
    /// year's admissions, draws and publications stay reachable once next year opens.
    pub opened: Vec<i32>,
}

impl Years {
    /// The year `asked` where it has opened, else the current one: what a page shows (the
    /// year kept from another subsystem's page, say).
    pub fn shown(&self, asked: Option<i32>) -> i32 {
        self.chosen(asked).unwrap_or(self.current)
    }

    /// The year `asked` (one that has opened), else the current one.
    pub fn chosen(&self, asked: Option<i32>) -> Result<i32, ServiceError> {
        match asked {
            None => Ok(self.current),
            Some(year) if year == self.current || self.opened.contains(&year) => Ok(year),
            Some(year) => Err(ServiceError::invalid(
                "school_year",
                &format!("{year} 学年的报名还没有开始，或没有这个学年。"),
                &format!(
                    "Registration for the {year} school year has not opened, or there is no such year."
                ),
            )),
        }
    }
}

/// The years of a bureau's subsystem, from its windows.
pub(crate) async fn years_of(
    db: &impl ConnectionTrait,
    bureau_id: i32,
    subsystem: Subsystem,
    now: DateTime<Utc>,
) -> Result<Years, ServiceError> {
    use crate::server::entities::collection_window;
    let windows = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau_id))
        .filter(collection_window::Column::Subsystem.eq(subsystem))
        .order_by_desc(collection_window::Column::SchoolYear)
        .all(db)
        .await?;
    let opened: Vec<i32> = windows
        .iter()
        .filter(|w| w.opens_at <= now)
        .map(|w| w.school_year)
        .collect();
    let current = opened.first().copied().unwrap_or_else(|| {
        windows
            .last()
            .map_or_else(|| chrono::Datelike::year(&now), |w| w.school_year)
    });
    Ok(Years { current, opened })
}

/// The school years a bureau sets places for, newest first: every year it has a window of
/// in `subsystem` (next year's, configured before it opens, first); without one, the newest
/// year of its other windows, else the calendar year. With no subsystem named, the years
/// of either (the settings page's choice).
pub(crate) async fn place_years(
    db: &impl ConnectionTrait,
    bureau_id: i32,
    subsystem: Option<Subsystem>,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, ServiceError> {
    use crate::server::entities::collection_window;
    let windows = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau_id))
        .all(db)
        .await?;
    let newest = windows
        .iter()
        .map(|w| w.school_year)
        .max()
        .unwrap_or_else(|| chrono::Datelike::year(&now));
    let all = Subsystem::ALL;
    let mut years: Vec<i32> = subsystem
        .as_ref()
        .map_or(&all[..], std::slice::from_ref)
        .iter()
        .flat_map(|&subsystem| {
            let of: Vec<i32> = windows
                .iter()
                .filter(|w| w.subsystem == subsystem)
                .map(|w| w.school_year)
                .collect();
            if of.is_empty() { vec![newest] } else { of }
        })
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

/// The year `asked` of `years` (from [`place_years`] of `subsystem`, or of either), else
/// the newest.
pub(crate) fn place_year(
    years: &[i32],
    asked: Option<i32>,
    subsystem: Option<Subsystem>,
) -> Result<i32, ServiceError> {
    match asked {
        Some(year) if years.contains(&year) => Ok(year),
        Some(year) => {
            let (zh, en) = subsystem.map_or((String::new(), String::new()), |s| {
                (
                    s.name().get(Locale::Zh).to_owned(),
                    format!(" ({})", s.name().get(Locale::En)),
                )
            });
            Err(ServiceError::invalid(
                "school_year",
                &format!(
                    "还没有 {year} 学年{zh}的报名时间：请先在“报名与审核时间”中添加，再设置这一学年的计划人数。"
                ),
                &format!(
                    "There is no window for the {year} school year{en}: add it under Windows before its places."
                ),
            ))
        }
        None => years.first().copied().ok_or(ServiceError::NotFound),
    }
}

/// The admissions page of a school (the first of the bureau when none is named). The
/// registrations it shows are recorded in the audit log (by id).
pub async fn page(
    db: &impl ConnectionTrait,
    request: &Request,
    school_id: Option<i32>,
    subsystem: Subsystem,
    asked_year: Option<i32>,
) -> Result<AdmissionsPage, ServiceError> {
    let staff = request
        .actor
        .require_role(&[crate::domain::StaffRole::BureauAdmin])?;
    let mut schools = school::Entity::find().order_by_asc(school::Column::Position);
    if let Some(bureau) = staff.bureau_id {
        schools = schools.filter(school::Column::BureauId.eq(bureau));
    }
    let schools = schools.all(db).await?;
    let school = match school_id {
        Some(id) => own_school(db, &request.actor, id).await?,
        None => schools.first().cloned().ok_or(ServiceError::NotFound)?,
    };
    let years = years_of(db, school.bureau_id, subsystem, request.now).await?;
    let school_year = years.shown(asked_year);
    // Work left in the school's other years (in review, or passed without a published
    // result): said on the page, so that opening next year strands nothing of last year's.
    let mut unfinished_years = Vec::new();
    for &year in years.opened.iter().filter(|&&y| y != school_year) {
        let left = registration::Entity::find()
            .filter(registration::Column::SchoolId.eq(school.id))
            .filter(registration::Column::Subsystem.eq(subsystem))
            .filter(registration::Column::SchoolYear.eq(year))
            // In review, or passed without a published result.
            .filter(
                registration::Column::State.is_in(
                    crate::server::services::draws::IN_REVIEW
                        .into_iter()
                        .chain([RegistrationState::ReviewPassed]),
                ),
            )
            .count(db)
            .await?;
        if left > 0 {
            unfinished_years.push((year, left));
        }
    }
    let rows = registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(school.id))
        .filter(registration::Column::Subsystem.eq(subsystem))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(registration::Column::State.is_in([
            RegistrationState::ReviewPassed,
            RegistrationState::Admitted,
            RegistrationState::NotAdmitted,
            RegistrationState::PlaceDeclined,
        ]))
        .order_by_asc(registration::Column::SubmittedAt)
        .all(db)
        .await?;
    let waiting = registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(school.id))
        .filter(registration::Column::Subsystem.eq(subsystem))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(registration::Column::State.is_in(crate::server::services::draws::IN_REVIEW))
        .count(db)
        .await?;
    let decisions: BTreeMap<i32, AdmissionOutcome> = admission_decision::Entity::find()
        .filter(admission_decision::Column::RegistrationId.is_in(rows.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.registration_id, d.outcome))
        .collect();
    let entries: BTreeMap<i32, LocalizedText> = entry::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, LocalizedText::new(&e.name_zh, &e.name_en)))
        .collect();
    let offset = offset_of(db, school.id).await?;
    let publication = publication::Entity::find()
        .filter(publication::Column::SchoolId.eq(school.id))
        .filter(publication::Column::Subsystem.eq(subsystem))
        .filter(publication::Column::SchoolYear.eq(school_year))
        .one(db)
        .await?
        .map(|p| PublicationView {
            publish_at: registrations::local_time(p.publish_at, offset),
            published: p.published_at.is_some(),
        });
    let offers: BTreeMap<i32, CandidateOffer> = offer::Entity::find()
        .filter(offer::Column::RegistrationId.is_in(rows.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.registration_id,
                CandidateOffer {
                    answer: o.answer,
                    deadline: registrations::local_time(o.deadline, offset),
                },
            )
        })
        .collect();
    let candidates: Vec<AdmissionCandidate> = rows
        .iter()
        .map(|r| AdmissionCandidate {
            id: r.id,
            reference: r.reference.clone(),
            child_name: r.child_name.clone().unwrap_or_default(),
            child_masked_id: masked_child(r, request.now),
            entry_id: r.entry_id,
            entry: entries.get(&r.entry_id).cloned().unwrap_or_default(),
            grade: r.grade.unwrap_or(1),
            state: r.state,
            outcome: decisions.get(&r.id).copied(),
            offer: offers.get(&r.id).cloned(),
        })
        .collect();
    let shown: Vec<i32> = candidates.iter().map(|c| c.id).collect();
    audit::record_list(
        db,
        request,
        AuditAction::ListAdmissions,
        "school",
        Some(school.id),
        &shown,
        serde_json::json!({ "subsystem": subsystem.code(), "school_year": school_year }),
    )
    .await?;
    Ok(AdmissionsPage {
        schools: schools
            .iter()
            .map(|s| PlaceOption {
                id: s.id,
                name: LocalizedText::new(&s.name_zh, &s.name_en),
            })
            .collect(),
        school: PlaceOption {
            id: school.id,
            name: LocalizedText::new(&school.name_zh, &school.name_en),
        },
        subsystem,
        school_year,
        school_years: years.opened,
        unfinished_years,
        candidates,
        still_in_review: waiting,
        publication,
        draws: crate::server::services::draws::summaries(db, school.id, subsystem, school_year)
            .await?,
        places: places_of(db, school.id, subsystem, school_year)
            .await?
            .into_iter()
            .collect(),
    })
}

/// Holds a school's list of candidates until `txn` ends. Whatever changes who is on the
/// list or how they are decided (a draw committed or run, a hand decision, a publication, a
/// registration sent to the school, set aside by a claim or restored) takes it first and
/// checks after, so that two of them pressed at once end one after the other: the second
/// sees what the first did. On PostgreSQL it is the school's row locked; on SQLite the
/// file's one writer, taken by the transaction's first statement (which must be this one).
pub(crate) async fn hold_list(
    txn: &impl ConnectionTrait,
    school_id: i32,
) -> Result<(), ServiceError> {
    school::Entity::update_many()
        .col_expr(school::Column::NameZh, Expr::col(school::Column::NameZh))
        .filter(school::Column::Id.eq(school_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// A school's places of a subsystem and school year, by grade (the grades set).
pub(crate) async fn places_of(
    db: &impl ConnectionTrait,
    school_id: i32,
    subsystem: Subsystem,
    school_year: i32,
) -> Result<BTreeMap<i32, i32>, ServiceError> {
    use crate::server::entities::school_capacity;
    Ok(school_capacity::Entity::find()
        .filter(school_capacity::Column::SchoolId.eq(school_id))
        .filter(school_capacity::Column::Subsystem.eq(subsystem))
        .filter(school_capacity::Column::SchoolYear.eq(school_year))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.grade, c.capacity))
        .collect())
}

/// A school list's places by grade (where set) and, by grade, the children admitted
/// already (published, by hand or by a draw) and those its next publication admits (the
/// decisions waiting for it). Read inside the caller's transaction, after `hold_list`.
struct Admitted {
    places: BTreeMap<i32, i32>,
    by_grade: BTreeMap<i32, (usize, usize)>,
}

impl Admitted {
    async fn read(
        txn: &impl ConnectionTrait,
        school_id: i32,
        subsystem: Subsystem,
        school_year: i32,
    ) -> Result<Self, ServiceError> {
        let places = places_of(txn, school_id, subsystem, school_year).await?;
        let mut by_grade: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
        if places.is_empty() {
            return Ok(Self { places, by_grade });
        }
        let rows = registration::Entity::find()
            .filter(registration::Column::SchoolId.eq(school_id))
            .filter(registration::Column::Subsystem.eq(subsystem))
            .filter(registration::Column::SchoolYear.eq(school_year))
            .filter(
                registration::Column::State
                    .is_in([RegistrationState::Admitted, RegistrationState::ReviewPassed]),
            )
            .all(txn)
            .await?;
        let waiting: Vec<i32> = rows
            .iter()
            .filter(|r| r.state == RegistrationState::ReviewPassed)
            .map(|r| r.id)
            .collect();
        let to_admit: std::collections::BTreeSet<i32> = admission_decision::Entity::find()
            .filter(admission_decision::Column::RegistrationId.is_in(waiting))
            .filter(admission_decision::Column::Outcome.eq(AdmissionOutcome::Admitted))
            .all(txn)
            .await?
            .into_iter()
            .map(|d| d.registration_id)
            .collect();
        for row in &rows {
            let counts = by_grade.entry(row.grade.unwrap_or(1)).or_default();
            if row.state == RegistrationState::Admitted {
                counts.0 += 1;
            } else if to_admit.contains(&row.id) {
                counts.1 += 1;
            }
        }
        Ok(Self { places, by_grade })
    }

    /// The grades with more admitted (published and waiting) than places, where `counts`
    /// also says so (given the grade and its published and waiting admissions): each as
    /// (grade, places, admitted).
    fn over(&self, counts: impl Fn(i32, usize, usize) -> bool) -> Vec<(i32, i32, usize)> {
        self.by_grade
            .iter()
            .filter_map(|(&grade, &(published, waiting))| {
                let places = *self.places.get(&grade)?;
                let total = published + waiting;
                (total > usize::try_from(places).unwrap_or(0) && counts(grade, published, waiting))
                    .then_some((grade, places, total))
            })
            .collect()
    }

    /// Admitted children (published and waiting) in `grade`.
    fn total(&self, grade: i32) -> usize {
        self.by_grade.get(&grade).map_or(0, |(p, w)| p + w)
    }
}

/// The refusal of admitting more children than a grade's places.
fn more_than_places(over: Vec<(i32, i32, usize)>) -> Result<(), ServiceError> {
    if over.is_empty() {
        return Ok(());
    }
    Err(ServiceError::Invalid(
        over.into_iter()
            .map(|(grade, places, count)| {
                FieldProblem::new(
                    "decisions",
                    format!(
                        "录取人数超过招生计划：{grade}年级计划 {places} 人，拟录取 {count} 人（含已录取的）。请减少录取人数；招生计划有变的，请先修改本校的招生计划数。"
                    ),
                    format!(
                        "More admitted than places: grade {grade} has {places} places and {count} would be admitted (those admitted already included). Admit fewer, or change the school's places first if they changed."
                    ),
                )
            })
            .collect(),
    ))
}

/// Refused where a publication scheduled and not yet made would admit more than the
/// school's places as they are now (read inside the caller's transaction, after
/// `hold_list`): places cut after the publication was scheduled must not publish more
/// children than places.
pub(crate) async fn scheduled_within_places(
    txn: &impl ConnectionTrait,
    school: &school::Model,
    subsystem: Subsystem,
    school_year: i32,
) -> Result<(), ServiceError> {
    // The year's places changed: its publication still to be made is checked against them.
    let scheduled = publication::Entity::find()
        .filter(publication::Column::SchoolId.eq(school.id))
        .filter(publication::Column::Subsystem.eq(subsystem))
        .filter(publication::Column::SchoolYear.eq(school_year))
        .filter(publication::Column::PublishedAt.is_null())
        .all(txn)
        .await?;
    let mut over = Vec::new();
    let mut first = None;
    for publication in &scheduled {
        let found = Admitted::read(txn, school.id, subsystem, publication.school_year)
            .await?
            .over(|_, _, waiting| waiting > 0);
        if !found.is_empty() && first.is_none() {
            first = Some(publication.publish_at);
        }
        over.extend(found);
    }
    let Some(publish_at) = first else {
        return Ok(());
    };
    let at = registrations::local_time(publish_at, offset_of(txn, school.id).await?);
    let (at_zh, at_en) = (
        format_date_time(at, Locale::Zh),
        format_date_time(at, Locale::En),
    );
    Err(ServiceError::Invalid(
        over.into_iter()
            .map(|(grade, _, count)| {
                FieldProblem::new(
                    "capacity",
                    format!(
                        "本校录取结果已安排于 {at_zh} 公布，{grade}年级将录取 {count} 人（含已录取的），计划数不能少于 {count} 人。请先在“录取与公布”中修改录取决定，或取消公布安排。"
                    ),
                    format!(
                        "This school's results are scheduled for {at_en} and admit {count} in grade {grade} (those admitted already included): its places cannot be fewer than {count}. Change the decisions under Admissions first, or cancel the publication."
                    ),
                )
            })
            .collect(),
    ))
}

/// Cancels a school's publication scheduled and not yet made; its decisions stay saved.
pub async fn cancel(
    db: &DatabaseConnection,
    request: &Request,
    school_id: i32,
    subsystem: Subsystem,
    asked_year: Option<i32>,
) -> Result<(), ServiceError> {
    request
        .actor
        .require_role(&[crate::domain::StaffRole::BureauAdmin])?;
    let school = own_school(db, &request.actor, school_id).await?;
    let school_year = years_of(db, school.bureau_id, subsystem, request.now)
        .await?
        .chosen(asked_year)?;
    let txn = db.begin().await?;
    hold_list(&txn, school.id).await?;
    // Not one that is being published (claimed) or was.
    let scheduled = publication::Entity::find()
        .filter(publication::Column::SchoolId.eq(school.id))
        .filter(publication::Column::Subsystem.eq(subsystem))
        .filter(publication::Column::SchoolYear.eq(school_year))
        .filter(publication::Column::PublishedAt.is_null())
        .one(&txn)
        .await?;
    let cancelled = match &scheduled {
        Some(p) => {
            publication::Entity::delete_many()
                .filter(publication::Column::Id.eq(p.id))
                .filter(publication::Column::PublishedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => 0,
    };
    if cancelled == 0 {
        return Err(ServiceError::invalid(
            "publish_at",
            "没有可取消的公布安排：可能已经公布，请刷新页面查看。",
            "There is no scheduled publication to cancel: it may have been published. Reload the page.",
        ));
    }
    audit::record(
        &txn,
        request,
        AuditAction::AdmissionsUnschedule,
        "school",
        Some(school.id),
        serde_json::json!({
            "subsystem": subsystem.code(),
            "school_year": school_year,
            "publish_at": scheduled.map(|p| p.publish_at.to_rfc3339()),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Most admission decisions one call saves.
pub const MAX_DECISIONS: usize = 10_000;

/// Records the bureau's decisions on registrations of `school_id` that passed review and
/// are not yet published. Anything else in the list refuses the whole call.
pub async fn decide(
    db: &DatabaseConnection,
    request: &Request,
    school_id: i32,
    decisions: Vec<(i32, String)>,
) -> Result<usize, ServiceError> {
    let staff = request
        .actor
        .require_role(&[crate::domain::StaffRole::BureauAdmin])?
        .clone();
    own_school(db, &request.actor, school_id).await?;
    if decisions.is_empty() {
        return Ok(0);
    }
    // Far more than any school's candidates, and within what one statement can carry.
    if decisions.len() > MAX_DECISIONS {
        return Err(ServiceError::invalid(
            "decisions",
            &format!("一次最多保存 {MAX_DECISIONS} 个录取决定，请分批保存。"),
            &format!("At most {MAX_DECISIONS} decisions can be saved at once: save them in parts."),
        ));
    }
    let mut parsed = Vec::with_capacity(decisions.len());
    for (id, outcome) in decisions {
        let outcome = AdmissionOutcome::from_code(outcome.trim()).ok_or_else(|| {
            ServiceError::invalid("outcome", "请选择录取或不录取。", "Choose admitted or not.")
        })?;
        parsed.push((id, outcome));
    }
    let ids: Vec<i32> = parsed.iter().map(|(id, _)| *id).collect();
    // Checked under the school's list, so that a draw committed meanwhile is seen.
    let txn = db.begin().await?;
    hold_list(&txn, school_id).await?;
    if crate::server::services::draws::in_a_draw(&txn, &ids).await? {
        return Err(ServiceError::invalid(
            "registrations",
            "这些报名已进入电脑派位，录取由派位决定，不能手工决定。",
            "These registrations are in a draw: the draw decides their admission, not a hand.",
        ));
    }
    let rows = registration::Entity::find()
        .filter(registration::Column::Id.is_in(ids.clone()))
        .all(&txn)
        .await?;
    let all_waiting = ids.iter().all(|id| {
        rows.iter().any(|r| {
            r.id == *id && r.school_id == school_id && r.state == RegistrationState::ReviewPassed
        })
    });
    if !all_waiting {
        return Err(ServiceError::invalid(
            "registrations",
            "只能对本校审核通过且尚未公布结果的报名作出录取决定，请刷新后重试。",
            "Only registrations of this school that passed review and are not yet published can be decided: reload and try again.",
        ));
    }
    // A grade over its places after the change is refused only where the change admits
    // more: decisions that admit nobody more still save where places were cut.
    let mut lists: Vec<(Subsystem, i32)> = Vec::new();
    for list in rows.iter().map(|r| (r.subsystem, r.school_year)) {
        if !lists.contains(&list) {
            lists.push(list);
        }
    }
    let mut before = Vec::with_capacity(lists.len());
    for &(subsystem, school_year) in &lists {
        before.push(Admitted::read(&txn, school_id, subsystem, school_year).await?);
    }
    for (id, outcome) in &parsed {
        admission_decision::Entity::insert(admission_decision::ActiveModel {
            registration_id: Set(*id),
            outcome: Set(*outcome),
            decided_by: Set(staff.account_id),
            decided_at: Set(request.now),
        })
        .on_conflict(
            OnConflict::column(admission_decision::Column::RegistrationId)
                .update_columns([
                    admission_decision::Column::Outcome,
                    admission_decision::Column::DecidedBy,
                    admission_decision::Column::DecidedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    for (&(subsystem, school_year), before) in lists.iter().zip(&before) {
        let after = Admitted::read(&txn, school_id, subsystem, school_year).await?;
        more_than_places(
            after.over(|grade, published, waiting| published + waiting > before.total(grade)),
        )?;
    }
    audit::record(
        &txn,
        request,
        AuditAction::AdmissionsDecide,
        "school",
        Some(school_id),
        serde_json::json!({
            "admitted": parsed.iter().filter(|(_, o)| *o == AdmissionOutcome::Admitted).count(),
            "not_admitted": parsed.iter().filter(|(_, o)| *o == AdmissionOutcome::NotAdmitted).count(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(parsed.len())
}

/// Schedules (or moves) the publication of a school's results. Every registration that
/// passed review must have a decision. A time now or past publishes at once.
pub async fn schedule(
    db: &DatabaseConnection,
    request: &Request,
    school_id: i32,
    subsystem: Subsystem,
    publish_at: &str,
    asked_year: Option<i32>,
) -> Result<PublicationView, ServiceError> {
    let staff = request
        .actor
        .require_role(&[crate::domain::StaffRole::BureauAdmin])?
        .clone();
    let school = own_school(db, &request.actor, school_id).await?;
    let offset = offset_of(db, school.id).await?;
    let at = parse_local(publish_at, offset).ok_or_else(|| {
        ServiceError::invalid(
            "publish_at",
            "请填写公布时间，例如 2027-07-01 09:00。",
            "Enter when to publish, for example 2027-07-01 09:00.",
        )
    })?;
    let school_year = years_of(db, school.bureau_id, subsystem, request.now)
        .await?
        .chosen(asked_year)?;
    let txn = db.begin().await?;
    hold_list(&txn, school.id).await?;
    let passed: Vec<i32> = registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(school.id))
        .filter(registration::Column::Subsystem.eq(subsystem))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(registration::Column::State.eq(RegistrationState::ReviewPassed))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let decided = admission_decision::Entity::find()
        .filter(admission_decision::Column::RegistrationId.is_in(passed.clone()))
        .all(&txn)
        .await?
        .len();
    if passed.is_empty() || decided < passed.len() {
        let missing = passed.len() - decided;
        return Err(ServiceError::Invalid(vec![FieldProblem::new(
            "publish_at",
            if passed.is_empty() {
                "本校没有待公布的录取结果。".to_owned()
            } else {
                format!("还有 {missing} 条审核通过的报名没有录取决定，全部决定后才能公布。")
            },
            if passed.is_empty() {
                "This school has no results to publish.".to_owned()
            } else {
                format!(
                    "{missing} registrations that passed review have no decision yet: decide them all first."
                )
            },
        )]));
    }
    // Places may have been cut since the decisions were saved: this publication may not
    // admit anyone more where they are full.
    more_than_places(
        Admitted::read(&txn, school.id, subsystem, school_year)
            .await?
            .over(|_, _, waiting| waiting > 0),
    )?;
    publication::Entity::insert(publication::ActiveModel {
        school_id: Set(school.id),
        subsystem: Set(subsystem),
        school_year: Set(school_year),
        publish_at: Set(at),
        published_at: Set(None),
        created_by: Set(staff.account_id),
        created_at: Set(request.now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            publication::Column::SchoolId,
            publication::Column::Subsystem,
            publication::Column::SchoolYear,
        ])
        .update_columns([
            publication::Column::PublishAt,
            publication::Column::PublishedAt,
            publication::Column::CreatedBy,
            publication::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::AdmissionsSchedule,
        "school",
        Some(school.id),
        serde_json::json!({ "publish_at": at.to_rfc3339(), "decided": decided }),
    )
    .await?;
    txn.commit().await?;
    if at <= request.now {
        publish_due(db, request.now).await?;
    }
    let published = publication::Entity::find()
        .filter(publication::Column::SchoolId.eq(school.id))
        .filter(publication::Column::Subsystem.eq(subsystem))
        .filter(publication::Column::SchoolYear.eq(school_year))
        .one(db)
        .await?
        .is_some_and(|p| p.published_at.is_some());
    Ok(PublicationView {
        publish_at: registrations::local_time(at, offset),
        published,
    })
}

/// Applies every publication due at `now`; returns how many registrations changed.
pub async fn publish_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let due = publication::Entity::find()
        .filter(publication::Column::PublishedAt.is_null())
        .filter(publication::Column::PublishAt.lte(now))
        .all(db)
        .await?;
    let mut changed = 0;
    for publication in due {
        changed += publish_one(db, &publication, now).await?;
    }
    Ok(changed)
}

async fn publish_one(
    db: &DatabaseConnection,
    due: &publication::Model,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let txn = db.begin().await?;
    hold_list(&txn, due.school_id).await?;
    // Claim it: a second worker, or a second run, finds nothing to do; nor does one that
    // read it as due just before the bureau moved it later.
    let claimed = publication::Entity::update_many()
        .col_expr(publication::Column::PublishedAt, Expr::value(now))
        .filter(publication::Column::Id.eq(due.id))
        .filter(publication::Column::PublishedAt.is_null())
        .filter(publication::Column::PublishAt.lte(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(0);
    }
    let rows = registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(due.school_id))
        .filter(registration::Column::Subsystem.eq(due.subsystem))
        .filter(registration::Column::SchoolYear.eq(due.school_year))
        .filter(registration::Column::State.eq(RegistrationState::ReviewPassed))
        .all(&txn)
        .await?;
    let decisions: BTreeMap<i32, AdmissionOutcome> = admission_decision::Entity::find()
        .filter(admission_decision::Column::RegistrationId.is_in(rows.iter().map(|r| r.id)))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| (d.registration_id, d.outcome))
        .collect();
    let school = school::Entity::find_by_id(due.school_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // A school whose admissions a draw decided: its admitted are offered their places until
    // a deadline, its waiting list told their place on it.
    let drawn = crate::server::services::draws::ran_for(
        &txn,
        due.school_id,
        due.subsystem,
        due.school_year,
    )
    .await?;
    let offset = offset_of(&txn, school.id).await?;
    let mut changed = 0;
    for row in rows {
        let Some(outcome) = decisions.get(&row.id).copied() else {
            continue;
        };
        let (state, kind) = match outcome {
            AdmissionOutcome::Admitted => (RegistrationState::Admitted, TimelineKind::Admitted),
            AdmissionOutcome::NotAdmitted => {
                (RegistrationState::NotAdmitted, TimelineKind::NotAdmitted)
            }
        };
        let moved = registrations::change(row.id, None, now)
            .col_expr(registration::Column::State, Expr::value(state))
            .filter(registration::Column::State.eq(RegistrationState::ReviewPassed))
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            continue;
        }
        let event =
            registrations::Step::plain(row.id, kind, RegistrationState::ReviewPassed, state, now)
                .record(&txn)
                .await?;
        let parent = registrations::registrant_account(&txn, &row).await?;
        let in_draw = drawn.iter().find(|d| d.entrants.contains(&row.id));
        let (zh, en) = match (outcome, in_draw) {
            (AdmissionOutcome::Admitted, Some(drawn)) => {
                let deadline =
                    crate::server::services::offers::offer(&txn, &drawn.draw, row.id, now).await?;
                let until = registrations::local_time(deadline, offset);
                let (until_zh, until_en) = (
                    format_date_time(until, Locale::Zh),
                    format_date_time(until, Locale::En),
                );
                (
                    format!(
                        "录取结果已公布：经电脑派位，已被{}录取。请在 {until_zh} 前登录平台确认接受学位，逾期视为放弃。",
                        school.name_zh
                    ),
                    format!(
                        "Results are published: the draw admitted your child to {}. Accept the place on the platform before {until_en}; unanswered, it is given up.",
                        school.name_en
                    ),
                )
            }
            (AdmissionOutcome::NotAdmitted, Some(drawn)) => {
                let place = drawn.waiting_place(&row.reference);
                (
                    format!(
                        "录取结果已公布：{}电脑派位未派中，您在候补名单第 {place} 位。有学位空出时将按候补顺序递补，并以短信通知。",
                        school.name_zh
                    ),
                    format!(
                        "Results are published: the draw for {} did not give your child a place; you are number {place} on the waiting list. If a place frees up it is offered down the list, with an SMS.",
                        school.name_en
                    ),
                )
            }
            (AdmissionOutcome::Admitted, None) => (
                format!(
                    "录取结果已公布：已被{}录取。请按录取通知办理入学。",
                    school.name_zh
                ),
                format!(
                    "Results are published: admitted to {}. Follow the admission notice to enrol.",
                    school.name_en
                ),
            ),
            (AdmissionOutcome::NotAdmitted, None) => (
                format!(
                    "录取结果已公布：未被{}录取。请联系教体局了解统筹安排。",
                    school.name_zh
                ),
                format!(
                    "Results are published: not admitted to {}. Contact the bureau about the placement.",
                    school.name_en
                ),
            ),
        };
        let body = LocalizedText { zh: zh.clone(), en };
        let notice = Notice::review_event(&parent, &row, kind, event.id, body, &zh);
        notify::send(&txn, notice, now).await?;
        changed += 1;
    }
    audit::record_system(
        &txn,
        AuditAction::AdmissionsPublish,
        "school",
        Some(due.school_id),
        serde_json::json!({ "publication": due.id, "changed": changed }),
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(publication = due.id, changed, "admission results published");
    Ok(changed)
}

/// Applies due publications and expires unanswered offers every `interval` until the task
/// is dropped.
pub fn spawn_publisher(
    db: DatabaseConnection,
    clock: Clock,
    interval: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    crate::server::infra::background::spawn(async move {
        loop {
            if let Err(error) = publish_due(&db, clock.now()).await {
                tracing::error!(error = %error, "publishing due results failed");
            }
            if let Err(error) = crate::server::services::offers::settle_due(&db, clock.now()).await
            {
                tracing::error!(error = %error, "settling offers past their deadline failed");
            }
            tokio::time::sleep(interval).await;
        }
    })
}
