//! Review: the school's queue and registration page, decisions at both stages, the
//! parent's resubmission and the timeline both sides read.
//!
//! Reviewers reach their own school's submitted registrations only, bureau administrators
//! their bureau's; drafts are nobody's business but the parent's. Every view by staff and
//! every decision is written to the audit log in the same transaction as the change it
//! records, with the parent's notice.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};

use crate::domain::follower::FollowerSource;
use crate::domain::sections::field;
use crate::server::infra::search::like_text;
use crate::{
    api::{
        review::{
            BulkOutcome, EarlierRegistration, QUEUE_PAGE_SIZE, QueuePage, QueueQuery, QueueRow,
            QueueSort, RequestedItem, ReviewDetail, ReviewField, ReviewSection, SiblingLink,
            TimelineEntry,
        },
        staff::PlaceOption,
    },
    domain::{
        RegistrationState, ResidentId, SectionKind, StaffRole,
        provenance::correction_reason,
        review::QueueFilter,
        review::{
            self, ChangeItem, ChangeRequest, MAX_BULK, MAX_MESSAGE_CHARS, REJECT_REASONS,
            ReviewDecision, ReviewStage, TimelineKind, TransitionError,
        },
        sections::{self, SectionContext},
    },
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        entities::{entry, follower, registration, review_event, school, staff_account},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        infra::auth::{Actor, StaffActor},
        services::admission::{Years, years_of},
        services::documents,
        services::notify::{self, Notice},
        services::registrations::{
            self, StoredSections, load_own, masked_child, offset_of, required_sections, sections_of,
        },
    },
};

/// The stage a member of staff decides: schools the first, the bureau the second.
pub(crate) fn stage_of(staff: &StaffActor) -> Result<ReviewStage, ServiceError> {
    match staff.role {
        StaffRole::Reviewer => Ok(ReviewStage::First),
        StaffRole::BureauAdmin => Ok(ReviewStage::Second),
        StaffRole::PointStaff => Err(ServiceError::Forbidden),
    }
}

/// The schools a member of staff reviews: a reviewer's own, an administrator's bureau's.
pub(crate) async fn schools_of(
    db: &impl ConnectionTrait,
    staff: &StaffActor,
) -> Result<Vec<school::Model>, ServiceError> {
    let mut query = school::Entity::find().order_by_asc(school::Column::Position);
    match staff.role {
        StaffRole::Reviewer => {
            query = query.filter(school::Column::Id.eq(staff.school_id.unwrap_or(-1)));
        }
        StaffRole::BureauAdmin => {
            if let Some(bureau) = staff.bureau_id {
                query = query.filter(school::Column::BureauId.eq(bureau));
            }
        }
        StaffRole::PointStaff => return Err(ServiceError::Forbidden),
    }
    Ok(query.all(db).await?)
}

/// A submitted registration the caller may review; drafts (set aside or not), deletions and
/// other schools' registrations are refused before anything about them is read.
async fn load_for_review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<(StaffActor, registration::Model), ServiceError> {
    let staff = actor
        .require_role(&[StaffRole::Reviewer, StaffRole::BureauAdmin])?
        .clone();
    let row = registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(registration::Model::sent_to_school)
        .ok_or(ServiceError::NotFound)?;
    actor.require_school(db, row.school_id).await?;
    Ok((staff, row))
}

/// Whether the parent of `row` can no longer make changes the school asks for.
async fn changes_closed_for(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let window = registrations::window_of(db, row).await?;
    Ok(registrations::changes_closed(
        window
            .as_ref()
            .map(registrations::WindowTimes::from)
            .as_ref(),
        now,
    ))
}

/// The lists among `schools` (a bureau's schools, a subsystem, a school year) whose time
/// for changes is over: a change request the parent never answered there waits for the
/// first review again (`ReviewStage::waits`), so the first review's queue and its "next"
/// show it instead of leaving it in no one's list while it holds up the school's draw.
pub(crate) async fn lapsed_requests(
    db: &impl ConnectionTrait,
    schools: &[school::Model],
    now: DateTime<Utc>,
) -> Result<Option<Condition>, ServiceError> {
    use crate::server::entities::collection_window;
    let windows = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.is_in(schools.iter().map(|s| s.bureau_id)))
        .all(db)
        .await?;
    let mut lapsed = None;
    for window in windows
        .iter()
        .filter(|w| registrations::changes_closed(Some(&registrations::WindowTimes::from(*w)), now))
    {
        let school_ids: Vec<i32> = schools
            .iter()
            .filter(|s| s.bureau_id == window.bureau_id)
            .map(|s| s.id)
            .collect();
        let list = Condition::all()
            .add(registration::Column::State.eq(RegistrationState::ChangesRequested))
            .add(registration::Column::SchoolId.is_in(school_ids))
            .add(registration::Column::Subsystem.eq(window.subsystem))
            .add(registration::Column::SchoolYear.eq(window.school_year));
        lapsed = Some(lapsed.unwrap_or_else(Condition::any).add(list));
    }
    Ok(lapsed)
}

/// What a queue's filters select, for its pages and its export alike.
pub(crate) struct Listed {
    pub select: sea_orm::Select<registration::Entity>,
    /// The state filter in force (the caller's waiting list when none was asked).
    pub filter: QueueFilter,
    /// The one school listed, when the filters name one (or the caller has only one).
    pub school: Option<i32>,
}

/// The school years the caller's schools can be listed for: the current one is the newest
/// year of either subsystem that has opened (before any has, the earliest to come).
pub(crate) async fn queue_years(
    db: &impl ConnectionTrait,
    schools: &[school::Model],
    now: DateTime<Utc>,
) -> Result<Years, ServiceError> {
    let mut to_come = None::<i32>;
    let mut opened = Vec::new();
    let bureaus: std::collections::BTreeSet<i32> = schools.iter().map(|s| s.bureau_id).collect();
    for bureau in bureaus {
        for subsystem in crate::domain::Subsystem::ALL {
            let years = years_of(db, bureau, subsystem, now).await?;
            to_come = Some(to_come.map_or(years.current, |c| c.min(years.current)));
            opened.extend(years.opened);
        }
    }
    opened.sort_unstable_by(|a, b| b.cmp(a));
    opened.dedup();
    Ok(Years {
        current: opened
            .first()
            .copied()
            .or(to_come)
            .unwrap_or_else(|| chrono::Datelike::year(&now)),
        opened,
    })
}

/// The registrations `query` selects among `schools` (the caller's) in `school_year`, in
/// its order. A school outside them is refused.
pub(crate) fn queue_select(
    schools: &[school::Model],
    stage: ReviewStage,
    query: &QueueQuery,
    school_year: i32,
    lapsed: Option<Condition>,
) -> Result<Listed, ServiceError> {
    let school_ids: Vec<i32> = match query.school_id {
        Some(id) if schools.iter().any(|s| s.id == id) => vec![id],
        Some(_) => return Err(ServiceError::Forbidden),
        None => schools.iter().map(|s| s.id).collect(),
    };
    // The audit row names the school when the page is of one school only.
    let queue_school = match school_ids.as_slice() {
        [only] => Some(*only),
        _ => None,
    };
    let filter = query.filter.unwrap_or(match stage {
        ReviewStage::First => QueueFilter::WaitingFirst,
        ReviewStage::Second => QueueFilter::WaitingSecond,
    });
    let states: Vec<RegistrationState> = if query.resubmitted {
        vec![RegistrationState::Resubmitted]
    } else {
        filter.states().to_vec()
    };
    let mut waiting = Condition::any().add(registration::Column::State.is_in(states));
    if filter == QueueFilter::WaitingFirst
        && !query.resubmitted
        && let Some(lapsed) = lapsed
    {
        waiting = waiting.add(lapsed);
    }
    let mut select = registration::Entity::find()
        .filter(registration::Column::SchoolId.is_in(school_ids))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(waiting);
    if let Some(entry_id) = query.entry_id {
        select = select.filter(registration::Column::EntryId.eq(entry_id));
    }
    if query.hand_entered {
        select = select.filter(registration::Column::HandEntered.eq(true));
    }
    let search = like_text(&query.search);
    if !search.is_empty() {
        select = select.filter(
            Condition::any()
                .add(registration::Column::Reference.starts_with(search.to_uppercase()))
                .add(registration::Column::ChildName.contains(&search)),
        );
    }
    select = match query.sort {
        QueueSort::SubmittedFirst => select.order_by_asc(registration::Column::SubmittedAt),
        QueueSort::SubmittedLast => select.order_by_desc(registration::Column::SubmittedAt),
        QueueSort::Reference => select.order_by_asc(registration::Column::Reference),
        QueueSort::ChildName => select.order_by_asc(registration::Column::ChildName),
    }
    .order_by_asc(registration::Column::Id);
    Ok(Listed {
        select,
        filter,
        school: queue_school,
    })
}

/// A page of the caller's queue. The registrations it lists are recorded in the audit log
/// (by id) before the page is returned.
pub async fn queue(
    db: &impl ConnectionTrait,
    request: &Request,
    query: QueueQuery,
) -> Result<QueuePage, ServiceError> {
    let now = request.now;
    let staff = request
        .actor
        .require_role(&[StaffRole::Reviewer, StaffRole::BureauAdmin])?;
    let stage = stage_of(staff)?;
    let schools = schools_of(db, staff).await?;
    let years = queue_years(db, &schools, now).await?;
    let school_year = years.chosen(query.school_year)?;
    let lapsed = lapsed_requests(db, &schools, now).await?;
    let Listed {
        select,
        filter,
        school: queue_school,
    } = queue_select(&schools, stage, &query, school_year, lapsed.clone())?;
    // What waits for this stage in the other years (lapsed change requests included).
    let mut waiting_in_other_years = Vec::new();
    for &year in years.opened.iter().filter(|&&y| y != school_year) {
        let waiting = QueueQuery {
            school_year: Some(year),
            ..QueueQuery::default()
        };
        let count = queue_select(&schools, stage, &waiting, year, lapsed.clone())?
            .select
            .count(db)
            .await?;
        if count > 0 {
            waiting_in_other_years.push((year, count));
        }
    }
    let paginator = select.paginate(db, QUEUE_PAGE_SIZE);
    let total = paginator.num_items().await?;
    let pages = Ord::max(total.div_ceil(QUEUE_PAGE_SIZE), 1);
    let page = query.page.clamp(1, pages);
    let rows = paginator.fetch_page(page - 1).await?;
    let shown: Vec<i32> = rows.iter().map(|r| r.id).collect();

    let entries = entry::Entity::find()
        .order_by_asc(entry::Column::Position)
        .all(db)
        .await?;
    let offset = match schools.first() {
        Some(school) => offset_of(db, school.id).await?,
        None => chrono::Offset::fix(&Utc),
    };
    let name_of_entry = |id: i32| {
        entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| LocalizedText::new(&e.name_zh, &e.name_en))
            .unwrap_or_default()
    };
    let name_of_school = |id: i32| {
        schools
            .iter()
            .find(|s| s.id == id)
            .map(|s| LocalizedText::new(&s.name_zh, &s.name_en))
            .unwrap_or_default()
    };
    let rows = rows
        .into_iter()
        .map(|row| {
            Ok(QueueRow {
                id: row.id,
                version: row.version,
                reference: row.reference.clone(),
                child_name: row.child_name.clone().unwrap_or_default(),
                child_masked_id: masked_child(&row, now),
                entry: name_of_entry(row.entry_id),
                school: name_of_school(row.school_id),
                state: row.state,
                submitted_at: row
                    .submitted_at
                    .map(|at| registrations::local_time(at, offset)),
                hand_entered: row.hand_entered,
                mine: row.reviewer_id == Some(staff.account_id),
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    audit::record_list(
        db,
        request,
        AuditAction::ListReviewQueue,
        "school",
        queue_school,
        &shown,
        serde_json::json!({
            "filter": filter.code(),
            "page": page,
            "total": total,
        }),
    )
    .await?;
    let bureau_ids: Vec<i32> = schools.iter().map(|s| s.bureau_id).collect();
    Ok(QueuePage {
        rows,
        total,
        page,
        pages,
        filter,
        stage,
        school_year,
        school_years: years.opened,
        waiting_in_other_years,
        entries: entries
            .iter()
            .filter(|e| bureau_ids.contains(&e.bureau_id))
            .map(|e| PlaceOption {
                id: e.id,
                name: LocalizedText::new(&e.name_zh, &e.name_en),
            })
            .collect(),
        schools: schools
            .iter()
            .map(|s| PlaceOption {
                id: s.id,
                name: LocalizedText::new(&s.name_zh, &s.name_en),
            })
            .collect(),
    })
}

/// Reads a stored change request; an unreadable one asks for nothing.
pub(crate) fn request_of(json: Option<&str>) -> Option<ChangeRequest> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

/// A registration's timeline, oldest first. Staff see who decided; parents the school.
pub(crate) async fn timeline_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    for_staff: bool,
) -> Result<Vec<TimelineEntry>, ServiceError> {
    let offset = offset_of(db, row.school_id).await?;
    timeline_at(db, row, offset, for_staff).await
}

/// [`timeline_of`], with the bureau's clock offset known.
pub(crate) async fn timeline_at(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    offset: FixedOffset,
    for_staff: bool,
) -> Result<Vec<TimelineEntry>, ServiceError> {
    let local = |at: DateTime<Utc>| registrations::local_time(at, offset);
    let events = review_event::Entity::find()
        .filter(review_event::Column::RegistrationId.eq(row.id))
        .order_by_asc(review_event::Column::Id)
        .all(db)
        .await?;
    let staff_names: BTreeMap<i32, String> = if for_staff {
        let ids: Vec<i32> = events.iter().filter_map(|e| e.staff_id).collect();
        staff_account::Entity::find()
            .filter(staff_account::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.display_name))
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut timeline = Vec::with_capacity(events.len() + 1);
    if let Some(at) = row.submitted_at {
        timeline.push(TimelineEntry {
            kind: TimelineKind::Submitted,
            at: local(at),
            stage: None,
            reason: None,
            message: String::new(),
            request: None,
            by: None,
        });
    }
    for event in events {
        let kind = event.kind;
        timeline.push(TimelineEntry {
            kind,
            at: local(event.created_at),
            stage: event.stage,
            reason: event
                .reason
                .as_deref()
                .and_then(review::reject_reason)
                .map(|t| LocalizedText::new(t.zh, t.en)),
            message: event.message,
            request: request_of(event.request.as_deref()),
            by: event.staff_id.and_then(|id| staff_names.get(&id).cloned()),
        });
    }
    Ok(timeline)
}

/// The items of a change request, named as the parent reads them.
pub(crate) fn describe_request(
    request: &ChangeRequest,
    answers: &BTreeMap<SectionKind, crate::domain::SectionData>,
    ctx: &SectionContext<'_>,
) -> Vec<RequestedItem> {
    request
        .items
        .iter()
        .map(|item| match item {
            ChangeItem::Section(kind) => RequestedItem {
                section: Some(*kind),
                label: LocalizedText::new(kind.title().zh, kind.title().en),
            },
            ChangeItem::Field { section, field } => {
                let data = answers.get(section).cloned().unwrap_or_default();
                let title = section.title();
                // A field the form no longer shows (another answer hid it) is named by its
                // section: never by its code.
                let label = match sections::fields(*section, &data, ctx)
                    .into_iter()
                    .find(|spec| spec.name == field)
                {
                    Some(spec) => LocalizedText {
                        zh: format!("{}：{}", title.zh, spec.label.zh),
                        en: format!("{}: {}", title.en, spec.label.en),
                    },
                    None => LocalizedText::new(title.zh, title.en),
                };
                RequestedItem {
                    section: Some(*section),
                    label,
                }
            }
            ChangeItem::Document(document) => RequestedItem {
                section: None,
                label: LocalizedText::new(document.name().zh, document.name().en),
            },
        })
        .collect()
}

/// The last change request on a registration (open, or answered by a resubmission).
async fn last_request(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Option<ChangeRequest>, ServiceError> {
    if let Some(open) = request_of(row.change_request.as_deref()) {
        return Ok(Some(open));
    }
    Ok(review_event::Entity::find()
        .filter(review_event::Column::RegistrationId.eq(row.id))
        .filter(review_event::Column::Kind.eq(TimelineKind::ChangesRequested))
        .order_by_desc(review_event::Column::Id)
        .one(db)
        .await?
        .and_then(|e| request_of(e.request.as_deref())))
}

/// A registration for its reviewer: every answer with where it came from, the documents,
/// the earlier rounds. The view is audited.
pub async fn detail(
    db: &DatabaseConnection,
    request: &Request,
    id: i32,
    queue: Option<QueueQuery>,
) -> Result<ReviewDetail, ServiceError> {
    let (staff, row) = load_for_review(db, &request.actor, id).await?;
    let now = request.now;
    let state = row.state;
    let subsystem = row.subsystem;
    let (entry, required) = required_sections(db, row.entry_id).await?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let StoredSections {
        answers,
        provenance,
        ..
    } = sections_of(db, row.id).await?;
    // What the entry requires now, and whatever else the parent answered: a section the
    // bureau took off the entry after submission still shows what was sent.
    let shown: Vec<SectionKind> = SectionKind::ALL
        .into_iter()
        .filter(|kind| required.contains(kind) || answers.contains_key(kind))
        .collect();
    let provenance: BTreeMap<_, _> = provenance
        .into_iter()
        .filter(|(kind, _)| shown.contains(kind))
        .collect();
    let last_request = last_request(db, &row).await?;
    let child_id = registrations::child_id_of(&row)?;
    let ctx = SectionContext {
        subsystem,
        child_id_number: &child_id,
        answers: &answers,
        today: now.date_naive(),
    };
    let sections = shown
        .iter()
        .map(|&kind| {
            let data = answers.get(&kind).cloned().unwrap_or_default();
            let origins = provenance.get(&kind);
            let fields = sections::fields(kind, &data, &ctx)
                .into_iter()
                .filter_map(|spec| {
                    let value = data.get(spec.name)?.trim().to_owned();
                    if value.is_empty() {
                        return None;
                    }
                    let origin = origins.and_then(|o| o.get(spec.name));
                    Some(ReviewField {
                        name: spec.name.to_owned(),
                        label: LocalizedText::new(spec.label.zh, spec.label.en),
                        value: LocalizedText {
                            zh: sections::display_value_in_full(&spec, &value, Locale::Zh),
                            en: sections::display_value_in_full(&spec, &value, Locale::En),
                        },
                        as_written: sections::value_is_data(&spec),
                        origin: origin.map(|o| o.origin),
                        source: origin
                            .and_then(|o| o.source)
                            .map(|s| LocalizedText::new(s.authority().zh, s.authority().en)),
                        registry_value: origin.and_then(|o| o.registry_value.clone()),
                        correction: origin
                            .and_then(|o| o.correction.as_deref())
                            .and_then(correction_reason)
                            .map(|t| LocalizedText::new(t.zh, t.en)),
                        requested: last_request
                            .as_ref()
                            .is_some_and(|r| r.allows_field(kind, spec.name)),
                    })
                })
                .collect();
            ReviewSection {
                kind,
                fields,
                current: required.contains(&kind),
            }
        })
        .collect();
    // What the entry requires now decides the documents, as for the parent.
    let provenance: BTreeMap<_, _> = provenance
        .into_iter()
        .filter(|(kind, _)| required.contains(kind))
        .collect();
    let materials = documents::materials_of(db, &row, &answers, &provenance).await?;
    let timeline = timeline_of(db, &row, true).await?;
    let stage = stage_of(&staff)?;
    let changes_closed = changes_closed_for(db, &row, now).await?;
    let can_decide = stage.waits(state, changes_closed).then_some(stage);
    let next_waiting = next_waiting(db, &staff, stage, &row, now, queue).await?;
    let offset = offset_of(db, row.school_id).await?;
    let child = ResidentId::parse(&child_id, now.date_naive()).ok();
    let child_name = answers
        .get(&SectionKind::Child)
        .and_then(|d| d.get(field::child::NAME))
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    audit::record(
        db,
        request,
        AuditAction::RegistrationView,
        "registration",
        Some(row.id),
        serde_json::json!({ "state": state.code() }),
    )
    .await?;
    Ok(ReviewDetail {
        id: row.id,
        version: row.version,
        reference: row.reference.clone(),
        state,
        subsystem,
        school_year: row.school_year,
        entry: LocalizedText::new(&entry.name_zh, &entry.name_en),
        school: LocalizedText::new(&school.name_zh, &school.name_en),
        child_name,
        child_masked_id: masked_child(&row, now),
        child_birth_date: child.as_ref().map(|c| c.birth_date()),
        child_is_male: child.is_some_and(|c| c.sex() == crate::domain::Sex::Male),
        submitted_at: row
            .submitted_at
            .map(|at| registrations::local_time(at, offset)),
        sections,
        materials,
        timeline,
        last_request,
        can_decide,
        changes_closed,
        guardian_unconfirmed: crate::server::services::prefill::guardian_unconfirmed(db, row.id)
            .await?,
        siblings: siblings_of(db, &row).await?,
        earlier_years: earlier_years_of(db, &row, school.bureau_id).await?,
        on_site: crate::server::services::appointments::on_site_of(db, &row, offset).await?,
        next_waiting,
    })
}

/// The registration the caller would take up after this one: the first of the queue it
/// was opened from (its filters and order; the caller's waiting list when none) that
/// waits for the caller's stage, this one aside; in the queue's school year, else this
/// one's (last year's leftovers, opened from a link, lead to last year's next).
async fn next_waiting(
    db: &impl ConnectionTrait,
    staff: &StaffActor,
    stage: ReviewStage,
    this: &registration::Model,
    now: DateTime<Utc>,
    queue: Option<QueueQuery>,
) -> Result<Option<i32>, ServiceError> {
    let schools = schools_of(db, staff).await?;
    let lapsed = match stage {
        ReviewStage::First => lapsed_requests(db, &schools, now).await?,
        ReviewStage::Second => None,
    };
    let mut waiting =
        Condition::any().add(registration::Column::State.is_in(stage.waiting_states().to_vec()));
    if let Some(lapsed) = lapsed.clone() {
        waiting = waiting.add(lapsed);
    }
    // A queue naming a school the caller does not review, or a year not open, leads nowhere.
    let queue = queue.unwrap_or_default();
    let Ok(school_year) = queue_years(db, &schools, now)
        .await?
        .chosen(queue.school_year.or(Some(this.school_year)))
    else {
        return Ok(None);
    };
    let listed = match queue_select(&schools, stage, &queue, school_year, lapsed) {
        Ok(listed) => listed,
        Err(ServiceError::Forbidden) => return Ok(None),
        Err(error) => return Err(error),
    };
    let next = listed
        .select
        .select_only()
        .column(registration::Column::Id)
        .filter(waiting)
        .filter(registration::Column::Id.ne(this.id))
        .into_tuple::<i32>()
        .one(db)
        .await?;
    Ok(next)
}

/// The child's siblings at the same school, subsystem and school year, once sent to the
/// school, linked for the reviewer: the same account's other registrations, those the
/// household register ties to the same parents (twins registered by each parent from their
/// own account: each submission records the register's other parent, see `followers`), and
/// those whose answers name the same two guardians (the family key kept at submission).
async fn siblings_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Vec<SiblingLink>, ServiceError> {
    let mut keys = Vec::new();
    for parent in crate::server::services::prefill::register_parents(db, row).await? {
        keys.push(crate::server::infra::crypto::blind(&parent)?);
    }
    let tied: Vec<i32> = if keys.is_empty() {
        Vec::new()
    } else {
        follower::Entity::find()
            .filter(follower::Column::IdKey.is_in(keys))
            .filter(follower::Column::Source.eq(FollowerSource::HouseholdRegister))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.registration_id)
            .collect()
    };
    Ok(registration::Entity::find()
        .filter(
            Condition::any()
                .add(registration::Column::AccountId.eq(row.account_id))
                .add(registration::Column::Id.is_in(tied))
                .add_option(
                    row.family_key
                        .as_ref()
                        .map(|key| registration::Column::FamilyKey.eq(key.clone())),
                ),
        )
        .filter(registration::Column::SchoolId.eq(row.school_id))
        .filter(registration::Column::Subsystem.eq(row.subsystem))
        .filter(registration::Column::SchoolYear.eq(row.school_year))
        .filter(registration::Column::Id.ne(row.id))
        .filter(
            registration::Column::State
                .is_not_in([RegistrationState::Draft, RegistrationState::Deleted]),
        )
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| SiblingLink {
            id: r.id,
            reference: r.reference,
            child_name: r.child_name.unwrap_or_default(),
            state: r.state,
        })
        .collect())
}

/// How many school years back a child's earlier registrations are looked for (nine years
/// of compulsory education, and the year before).
const YEARS_BACK: i32 = 10;

/// The child's registrations of earlier school years sent to the schools of the same
/// bureau and not deleted (their child key, which names the year, is kept), newest first:
/// another bureau's, and drafts no school received, are none of the reviewer's business.
async fn earlier_years_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    bureau_id: i32,
) -> Result<Vec<EarlierRegistration>, ServiceError> {
    let child = registrations::child_id_of(row)?;
    let keys = (row.school_year - YEARS_BACK..row.school_year)
        .map(|year| registrations::child_key(&child, year))
        .collect::<Result<Vec<_>, _>>()?;
    let schools: BTreeMap<i32, school::Model> = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let rows = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.is_in(keys))
        .filter(registration::Column::SchoolId.is_in(schools.keys().copied()))
        .filter(registration::Column::State.ne(RegistrationState::Draft))
        .order_by_desc(registration::Column::SchoolYear)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| EarlierRegistration {
            school_year: r.school_year,
            school: schools
                .get(&r.school_id)
                .map(|s| LocalizedText::new(&s.name_zh, &s.name_en))
                .unwrap_or_default(),
            reference: r.reference,
            subsystem: r.subsystem,
            state: r.state,
        })
        .collect())
}

/// A decision as the reviewer's form sends it.
#[derive(Clone, Debug, Default)]
pub struct DecisionInput {
    pub stage: String,
    pub decision: String,
    pub reason: String,
    pub message: String,
    pub items: Vec<String>,
}

/// A decision checked against the rules of its kind.
struct Decision {
    stage: ReviewStage,
    decision: ReviewDecision,
    reason: Option<&'static str>,
    message: String,
    request: Option<ChangeRequest>,
}

fn parse_decision(input: DecisionInput) -> Result<Decision, ServiceError> {
    let stage = ReviewStage::from_code(input.stage.trim()).ok_or(ServiceError::NotFound)?;
    let decision = ReviewDecision::from_code(input.decision.trim()).ok_or_else(|| {
        ServiceError::invalid("decision", "请选择审核结果。", "Choose a decision.")
    })?;
    let message = input.message.trim().to_owned();
    let mut problems = Vec::new();
    if message.chars().count() > MAX_MESSAGE_CHARS {
        problems.push(FieldProblem::new(
            "message",
            format!("说明最多 {MAX_MESSAGE_CHARS} 个字。"),
            format!("The message can be at most {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    let mut reason = None;
    let mut request = None;
    match decision {
        ReviewDecision::Pass => {}
        ReviewDecision::Reject => {
            match REJECT_REASONS
                .iter()
                .find(|(code, _)| *code == input.reason.trim())
            {
                Some((code, _)) => reason = Some(*code),
                None => problems.push(FieldProblem::new(
                    "reason",
                    "请选择不通过的原因。",
                    "Choose why it does not pass.",
                )),
            }
            if reason == Some("other") && message.is_empty() {
                problems.push(FieldProblem::new(
                    "message",
                    "选择“其他原因”时，请写明原因。",
                    "With “another reason”, write the reason.",
                ));
            }
        }
        ReviewDecision::RequestChanges => {
            match ChangeRequest::parse_items(&input.items) {
                Ok(items) if !items.is_empty() => {
                    request = Some(ChangeRequest {
                        items,
                        message: message.clone(),
                    });
                }
                Ok(_) => problems.push(FieldProblem::new(
                    "items",
                    "请勾选需要家长修改的信息或材料。",
                    "Tick the answers or documents the parent must change.",
                )),
                Err(_) => problems.push(FieldProblem::new(
                    "items",
                    "要求修改的项目无法识别，请刷新页面后重新勾选。",
                    "An item to change was not recognised: reload the page and tick again.",
                )),
            }
            if message.is_empty() {
                problems.push(FieldProblem::new(
                    "message",
                    "请写明需要家长如何修改，家长会看到这段说明。",
                    "Write what the parent should change: they will read this.",
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(Decision {
            stage,
            decision,
            reason,
            message,
            request,
        })
    } else {
        Err(ServiceError::Invalid(problems))
    }
}

fn not_waiting() -> ServiceError {
    ServiceError::invalid(
        "state",
        "这条报名已不在待审核状态（可能已由其他人处理），请刷新后查看。",
        "This registration is no longer waiting for this review (someone may have decided already): reload to see it.",
    )
}

/// What the parent reads about a decision: the message title and the SMS.
fn notice_text(kind: TimelineKind) -> LocalizedText {
    let text = match kind {
        TimelineKind::FirstPassed => crate::i18n::t(
            "初审已通过。审核通过不等于录取，录取结果以教体局公布为准。",
            "The first review passed. This is not an admission: the bureau publishes admissions.",
        ),
        TimelineKind::SecondPassed => crate::i18n::t(
            "复审已通过。审核通过不等于录取，录取结果以教体局公布为准。",
            "The second review passed. This is not an admission: the bureau publishes admissions.",
        ),
        TimelineKind::Rejected => crate::i18n::t(
            "审核未通过，请在报名主页查看原因。",
            "The review did not pass: see the reason on the registration's page.",
        ),
        TimelineKind::ChangesRequested => crate::i18n::t(
            "学校要求修改报名信息。请在报名主页按要求修改后点击“提交修改”。",
            "The school asked for changes. Make them on the registration's page, then press “Send changes”.",
        ),
        _ => kind.label(),
    };
    LocalizedText::new(text.zh, text.en)
}

/// Decides at a review stage. The registration moves only from a state waiting for that
/// stage and only if nobody changed it since `base_version`; the event, the audit row and
/// the parent's notice are written in the same transaction.
pub async fn decide(
    db: &DatabaseConnection,
    request: &Request,
    id: i32,
    base_version: i64,
    input: DecisionInput,
) -> Result<RegistrationState, ServiceError> {
    let (staff, row) = load_for_review(db, &request.actor, id).await?;
    let decision = parse_decision(input)?;
    if stage_of(&staff)? != decision.stage {
        return Err(ServiceError::Forbidden);
    }
    let state = row.state;
    let changes_closed = changes_closed_for(db, &row, request.now).await?;
    let next = review::decide(state, decision.stage, decision.decision, changes_closed).map_err(
        |e| match e {
            TransitionError::NotWaiting | TransitionError::NoChangesRequested => not_waiting(),
            TransitionError::ChangesClosed => ServiceError::invalid(
                "decision",
                "家长修改的期限已过，不能再退回修改；请作出通过或不通过的决定。",
                "The parent can no longer make changes: pass or reject instead of asking for changes.",
            ),
        },
    )?;
    if row.version != base_version {
        return Err(ServiceError::Conflict);
    }
    if crate::server::services::draws::closes_list_of(db, &row).await? {
        return Err(ServiceError::invalid(
            "decision",
            "本校的派位名单已经确定，审核结果不能再改变。",
            "This school's draw list is committed: review results can no longer change.",
        ));
    }
    // Items must name this registration's sections and fields.
    if let Some(change) = &decision.request {
        let (_, required) = required_sections(db, row.entry_id).await?;
        let stored = sections_of(db, row.id).await?;
        let child_id = registrations::child_id_of(&row)?;
        let ctx = SectionContext {
            subsystem: row.subsystem,
            child_id_number: &child_id,
            answers: &stored.answers,
            today: request.now.date_naive(),
        };
        let known = change.items.iter().all(|item| match item {
            ChangeItem::Section(kind) => required.contains(kind),
            ChangeItem::Field { section, field } => {
                required.contains(section)
                    && sections::fields(
                        *section,
                        &stored.answers.get(section).cloned().unwrap_or_default(),
                        &ctx,
                    )
                    .iter()
                    .any(|spec| spec.name == field)
            }
            ChangeItem::Document(_) => true,
        });
        if !known {
            return Err(ServiceError::invalid(
                "items",
                "要求修改的项目不属于这条报名，请刷新页面后重新勾选。",
                "An item to change is not part of this registration: reload and tick again.",
            ));
        }
    }
    let request_json = decision
        .request
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ServiceError::Unexpected(format!("encoding request: {e}")))?;
    let kind = TimelineKind::of_decision(decision.stage, decision.decision);
    let parent = registrations::registrant_account(db, &row).await?;

    let txn = db.begin().await?;
    let moved = registrations::change(row.id, Some(base_version), request.now)
        .col_expr(registration::Column::State, Expr::value(next))
        .col_expr(
            registration::Column::ReviewerId,
            Expr::value(staff.account_id),
        )
        .col_expr(registration::Column::ReviewedAt, Expr::value(request.now))
        .col_expr(
            registration::Column::ChangeRequest,
            Expr::value(request_json.clone()),
        )
        .filter(registration::Column::State.eq(state))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    // Not passed: the family's on-site time goes back to the point (for another family).
    if next == RegistrationState::Rejected {
        crate::server::services::appointments::release_for(&txn, row.id).await?;
    }
    let event = registrations::Step {
        staff_id: Some(staff.account_id),
        stage: Some(decision.stage),
        reason: decision.reason.map(str::to_owned),
        message: decision.message.clone(),
        request: request_json,
        ..registrations::Step::plain(row.id, kind, state, next, request.now)
    }
    .record(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::RegistrationDecide,
        "registration",
        Some(row.id),
        serde_json::json!({
            "stage": decision.stage.code(),
            "decision": decision.decision.code(),
            "reason": decision.reason,
            "from": state.code(),
            "to": next.code(),
            "event": event.id,
        }),
    )
    .await?;
    let title = notice_text(kind);
    let mut body = title.clone();
    if !decision.message.is_empty() {
        body.zh = format!("{}\n学校说明：{}", body.zh, decision.message);
        body.en = format!("{}\nThe school's message: {}", body.en, decision.message);
    }
    let notice = Notice::review_event(&parent, &row, kind, event.id, body, &title.zh);
    notify::send(&txn, notice, request.now).await?;
    txn.commit().await?;
    tracing::info!(
        registration = row.id,
        stage = decision.stage.code(),
        decision = decision.decision.code(),
        "review decision"
    );
    Ok(next)
}

/// Passes each listed registration at `stage`, one transaction each; those that moved
/// meanwhile or are not waiting are skipped and listed. An id the caller may not review
/// (another school's, a draft, none at all) is listed as sent, with the same words
/// whichever it is: nothing tells whether such a registration exists.
pub async fn bulk_pass(
    db: &DatabaseConnection,
    request: &Request,
    stage: &str,
    registrations: Vec<(i32, i64)>,
) -> Result<BulkOutcome, ServiceError> {
    let staff = request
        .actor
        .require_role(&[StaffRole::Reviewer, StaffRole::BureauAdmin])?;
    if ReviewStage::from_code(stage) != Some(stage_of(staff)?) {
        return Err(ServiceError::Forbidden);
    }
    if registrations.len() > MAX_BULK {
        return Err(ServiceError::invalid(
            "registrations",
            &format!("一次最多批量处理 {MAX_BULK} 条。"),
            &format!("At most {MAX_BULK} at a time."),
        ));
    }
    let mut outcome = BulkOutcome::default();
    for (id, version) in registrations {
        let input = DecisionInput {
            stage: stage.to_owned(),
            decision: ReviewDecision::Pass.code().to_owned(),
            ..DecisionInput::default()
        };
        let reference = match load_for_review(db, &request.actor, id).await {
            Ok((_, row)) => row.reference,
            Err(ServiceError::NotFound | ServiceError::Forbidden) => {
                outcome.skipped.push((
                    id.to_string(),
                    LocalizedText::new("未找到或无权处理", "Not found, or not yours to decide"),
                ));
                continue;
            }
            Err(error) => return Err(error),
        };
        // A problem the registration point found in the originals is read, not passed in a
        // batch.
        if crate::server::services::appointments::originals_problem(db, id).await? {
            outcome.skipped.push((
                reference,
                LocalizedText::new(
                    "登记点发现原件有问题，请打开逐条审核",
                    "The registration point found a problem in the originals: open it and decide it alone",
                ),
            ));
            continue;
        }
        match decide(db, request, id, version, input).await {
            Ok(_) => outcome.done.push(reference),
            Err(ServiceError::Database(e)) => return Err(ServiceError::Database(e)),
            Err(ServiceError::Unexpected(e)) => return Err(ServiceError::Unexpected(e)),
            Err(ServiceError::Conflict | ServiceError::Invalid(_)) => outcome.skipped.push((
                reference,
                LocalizedText::new(
                    "已由他人处理或内容已变化，未改动",
                    "Changed meanwhile or already decided: left as it was",
                ),
            )),
            Err(_) => outcome.skipped.push((
                reference,
                LocalizedText::new("无权处理", "Not yours to decide"),
            )),
        }
    }
    Ok(outcome)
}

/// The parent sends the changes the school asked for (提交修改): every section is checked
/// again and every required document must be there; the registration is locked again and
/// goes back to the school's queue, marked resubmitted. Retrying a resubmission that went
/// through succeeds without doing anything twice.
pub async fn resubmit(
    db: &DatabaseConnection,
    request: &Request,
    id: i32,
    base_version: i64,
) -> Result<String, ServiceError> {
    let now = request.now;
    let row = load_own(db, &request.actor, id).await?;
    let state = row.state;
    if state == RegistrationState::Resubmitted && Some(row.version) == base_version.checked_add(1) {
        return Ok(row.reference);
    }
    let editing = registrations::editing(db, &row, now).await?;
    if !matches!(editing, registrations::Editing::Requested(_)) {
        return Err(ServiceError::Locked);
    }
    let next = review::resubmit(state).map_err(|_| ServiceError::Locked)?;
    if row.version != base_version {
        return Err(ServiceError::Conflict);
    }
    let facts = registrations::ready_to_send(db, &row, now).await?;
    let txn = db.begin().await?;
    let moved = facts
        .kept_by(registrations::change(row.id, Some(base_version), now))
        .col_expr(registration::Column::State, Expr::value(next))
        .col_expr(
            registration::Column::ChangeRequest,
            Expr::value(Option::<String>::None),
        )
        .filter(registration::Column::State.eq(state))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    registrations::documents_still_there(&txn, &row).await?;
    registrations::Step {
        request: row.change_request.clone(),
        ..registrations::Step::plain(row.id, TimelineKind::Resubmitted, state, next, now)
    }
    .record(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::RegistrationResubmit,
        "registration",
        Some(row.id),
        serde_json::json!({ "from": state.code(), "to": next.code() }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(registration = row.id, "registration resubmitted");
    Ok(row.reference)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::describe_request;
    use crate::domain::{
        SectionKind, Subsystem,
        review::{ChangeItem, ChangeRequest},
        sections::{SectionContext, field},
    };

    #[test]
    fn a_requested_answer_is_named_by_its_label_or_else_its_section_never_its_code() {
        let answers = BTreeMap::new();
        let ctx = SectionContext {
            subsystem: Subsystem::Enrollment,
            child_id_number: "370202201905120518",
            answers: &answers,
            today: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
        };
        let request = ChangeRequest {
            items: BTreeSet::from([
                ChangeItem::Field {
                    section: SectionKind::Child,
                    field: field::child::NAME.to_owned(),
                },
                ChangeItem::Field {
                    section: SectionKind::Residence,
                    field: "no_longer_asked".to_owned(),
                },
            ]),
            message: String::new(),
        };
        let labels: Vec<(String, String)> = describe_request(&request, &answers, &ctx)
            .into_iter()
            .map(|item| (item.label.zh, item.label.en))
            .collect();
        let child = SectionKind::Child.title();
        let residence = SectionKind::Residence.title();
        assert!(
            labels[0].0.starts_with(&format!("{}：", child.zh)),
            "{labels:?}"
        );
        assert!(labels[0].0.len() > child.zh.len() + 3, "{labels:?}");
        assert_eq!(
            labels[1],
            (residence.zh.to_owned(), residence.en.to_owned()),
            "{labels:?}"
        );
    }
}
