//! The parent's registrations: create, read, save sections, check, submit, delete.
//! Every function takes the actor first: a parent reaches only their own registrations
//! (anyone else's is "not found"), and every write is refused outside the collection window.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult, Iterable, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use crate::{
    api::{
        registrations::{
            EntryOption, MyRegistrations, RegistrationSummary, RegistrationView, SaveOutcome,
            SubsystemOption,
        },
        staff::PlaceOption,
    },
    domain::{
        RegistrationState, ResidentId, SectionData, SectionKind, SectionStatus, Subsystem,
        merge::{changed_fields, merge_answers},
        provenance::{Origin, Provenance, clean_corrections, correction_reason, derive_provenance},
        registration::{MAX_REGISTRATIONS_PER_ACCOUNT, section_statuses},
        review::ChangeRequest,
        sections::{self, SectionContext},
    },
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        auth::Actor,
        crypto, documents,
        entities::{
            bureau, collection_window, entry, entry_school, parent_account, registration,
            registration_section, registry_consent, school,
        },
        failure::ServiceError,
        group_commit::SaveQueue,
        prefill,
        registry::Registries,
        review,
    },
};

/// A section's answers as a page sends them: the values, and the prefilled values the
/// parent said were wrong, with why.
#[derive(Clone, Debug, Default)]
pub struct SectionAnswers {
    pub data: SectionData,
    pub corrections: BTreeMap<String, String>,
    /// The section's answers as the page read them, to merge its changes into answers
    /// saved meanwhile by another page; without it a stale save is refused outright.
    pub base: Option<SectionData>,
}

/// What the new-registration form sends, as typed.
#[derive(Clone, Debug)]
pub struct NewRegistration {
    pub subsystem: String,
    pub entry_id: String,
    pub school_id: String,
    pub child_id_number: String,
}

pub(crate) fn state_of(row: &registration::Model) -> Result<RegistrationState, ServiceError> {
    RegistrationState::from_code(&row.state).ok_or_else(|| {
        ServiceError::Unexpected(format!("unknown registration state {}", row.state))
    })
}

pub(crate) fn subsystem_of(row: &registration::Model) -> Result<Subsystem, ServiceError> {
    Subsystem::from_code(&row.subsystem)
        .ok_or_else(|| ServiceError::Unexpected(format!("unknown subsystem {}", row.subsystem)))
}

/// The parent's own, not deleted, registration; anything else is not found.
pub(crate) async fn load_own(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<registration::Model, ServiceError> {
    let account_id = actor.require_parent()?;
    registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.account_id == account_id && r.state != RegistrationState::Deleted.code())
        .ok_or(ServiceError::NotFound)
}

/// The collection window of a bureau's subsystem and year, and the bureau's clock offset.
pub(crate) async fn window_open(
    db: &impl ConnectionTrait,
    school_id: i32,
    subsystem: Subsystem,
    school_year: i32,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let Some(school) = school::Entity::find_by_id(school_id).one(db).await? else {
        return Ok(false);
    };
    Ok(collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(school.bureau_id))
        .filter(collection_window::Column::Subsystem.eq(subsystem.code()))
        .filter(collection_window::Column::SchoolYear.eq(school_year))
        .one(db)
        .await?
        .is_some_and(|w| w.opens_at <= now && now < w.closes_at))
}

pub(crate) async fn offset_of(
    db: &impl ConnectionTrait,
    school_id: i32,
) -> Result<FixedOffset, ServiceError> {
    let minutes = match school::Entity::find_by_id(school_id).one(db).await? {
        Some(school) => bureau::Entity::find_by_id(school.bureau_id)
            .one(db)
            .await?
            .map_or(480, |b| b.utc_offset_minutes),
        None => 480,
    };
    FixedOffset::east_opt(minutes * 60)
        .ok_or_else(|| ServiceError::Unexpected("bureau offset out of range".into()))
}

/// What the parent may change now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Editing {
    /// A draft while the collection window is open: everything.
    Draft,
    /// While the school's requested changes are open (until the review deadline): only
    /// what the school named.
    Requested(ChangeRequest),
}

/// Whether and what the parent may change in `row` at `now`: refused as closed outside
/// the windows, as locked in any other state.
pub(crate) async fn editing(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<Editing, ServiceError> {
    let window = window_of(db, row).await?;
    editing_in(row, window.as_ref().map(WindowTimes::from).as_ref(), now)
}

/// [`editing`], with the registration's window read already.
fn editing_in(
    row: &registration::Model,
    window: Option<&WindowTimes>,
    now: DateTime<Utc>,
) -> Result<Editing, ServiceError> {
    let state = state_of(row)?;
    let collection_open = window.is_some_and(|w| w.opens_at <= now && now < w.closes_at);
    let review_open = window
        .is_some_and(|w| w.opens_at <= now && now < w.review_closes_at.unwrap_or(w.closes_at));
    match state {
        RegistrationState::Draft if collection_open => Ok(Editing::Draft),
        RegistrationState::ChangesRequested if collection_open || review_open => {
            Ok(Editing::Requested(
                review::request_of(row.change_request.as_deref()).unwrap_or_default(),
            ))
        }
        RegistrationState::Draft | RegistrationState::ChangesRequested => Err(ServiceError::Closed),
        _ if !collection_open => Err(ServiceError::Closed),
        _ => Err(ServiceError::Locked),
    }
}

/// The collection window a registration belongs to.
async fn window_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Option<collection_window::Model>, ServiceError> {
    let Some(school) = school::Entity::find_by_id(row.school_id).one(db).await? else {
        return Ok(None);
    };
    Ok(collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(school.bureau_id))
        .filter(collection_window::Column::Subsystem.eq(row.subsystem.as_str()))
        .filter(collection_window::Column::SchoolYear.eq(row.school_year))
        .one(db)
        .await?)
}

/// What the reviewer's queue searches and filters on, read from the answers being
/// submitted: the child's name, and whether any answer was typed by hand.
pub(crate) fn review_facts(stored: &StoredSections) -> (Option<String>, bool) {
    let name = stored
        .answers
        .get(&SectionKind::Child)
        .and_then(|d| d.get("name"))
        .map(|n| n.trim().chars().take(100).collect::<String>())
        .filter(|n| !n.is_empty());
    let hand = stored
        .provenance
        .values()
        .flat_map(|fields| fields.values())
        .any(|p| p.origin == Origin::Hand);
    (name, hand)
}

/// A registration's stored sections: the answers, which sections are completed, and where
/// each answer came from.
pub(crate) struct StoredSections {
    pub answers: BTreeMap<SectionKind, SectionData>,
    pub completed: BTreeSet<SectionKind>,
    pub provenance: BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
    /// Each stored section's version (a section never saved has none: 0).
    pub versions: BTreeMap<SectionKind, i64>,
}

/// Reads a registration's sections once.
pub(crate) async fn sections_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<StoredSections, ServiceError> {
    let rows = registration_section::Entity::find()
        .filter(registration_section::Column::RegistrationId.eq(registration_id))
        .all(db)
        .await?;
    let mut stored = StoredSections {
        answers: BTreeMap::new(),
        completed: BTreeSet::new(),
        provenance: BTreeMap::new(),
        versions: BTreeMap::new(),
    };
    for row in rows {
        let Some(kind) = SectionKind::from_code(&row.section) else {
            continue;
        };
        let data: SectionData = serde_json::from_str(&crypto::open(&row.data)?)
            .map_err(|e| ServiceError::Unexpected(format!("section data: {e}")))?;
        if row.completed {
            stored.completed.insert(kind);
        }
        stored.answers.insert(kind, data);
        stored.versions.insert(kind, row.version);
        // An unreadable record counts as no record: every value is then shown as typed.
        let provenance = crypto::open(&row.provenance)
            .ok()
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        stored.provenance.insert(kind, provenance);
    }
    Ok(stored)
}

/// A registration's answers and which sections are completed.
pub(crate) async fn answers_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<(BTreeMap<SectionKind, SectionData>, BTreeSet<SectionKind>), ServiceError> {
    let stored = sections_of(db, registration_id).await?;
    Ok((stored.answers, stored.completed))
}

pub(crate) async fn required_sections(
    db: &impl ConnectionTrait,
    entry_id: i32,
) -> Result<(entry::Model, Vec<SectionKind>), ServiceError> {
    let entry = entry::Entity::find_by_id(entry_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Unexpected("registration without entry".into()))?;
    let sections = SectionKind::parse_list(&entry.sections);
    Ok((entry, sections))
}

/// The child's ID number of a registration (stored sealed, see [`crypto`]).
pub(crate) fn child_id_of(row: &registration::Model) -> Result<String, ServiceError> {
    crypto::open(&row.child_id_number)
}

pub(crate) fn masked_child(row: &registration::Model, now: DateTime<Utc>) -> String {
    child_id_of(row)
        .ok()
        .and_then(|id| ResidentId::parse(&id, now.date_naive()).ok())
        .map_or_else(|| "******".into(), |id| id.masked())
}

/// The parent's registrations, newest first, deleted ones left out.
pub async fn list_mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<MyRegistrations, ServiceError> {
    let account_id = actor.require_parent()?;
    let account = parent_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let rows = registration::Entity::find()
        .filter(registration::Column::AccountId.eq(account_id))
        .filter(registration::Column::State.ne(RegistrationState::Deleted.code()))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    // Messages in the bureau's time (China's when there is no registration yet).
    let offset = match rows.first() {
        Some(r) => offset_of(db, r.school_id).await?,
        None => FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Offset::fix(&Utc)),
    };
    let mut registrations = Vec::with_capacity(rows.len());
    for row in rows {
        let (entry, required) = required_sections(db, row.entry_id).await?;
        let school = school::Entity::find_by_id(row.school_id)
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::Unexpected("registration without school".into()))?;
        let (answers, completed) = answers_of(db, row.id).await?;
        let subsystem = subsystem_of(&row)?;
        let child_id = child_id_of(&row)?;
        let ctx = SectionContext {
            subsystem,
            child_id_number: &child_id,
            answers: &answers,
            today: now.date_naive(),
        };
        let statuses = section_statuses(&required, &answers, &completed, &ctx);
        registrations.push(RegistrationSummary {
            id: row.id,
            reference: row.reference.clone(),
            subsystem,
            school_year: row.school_year,
            state: state_of(&row)?,
            child_name: answers
                .get(&SectionKind::Child)
                .and_then(|d| d.get("name"))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            child_masked_id: masked_child(&row, now),
            school: LocalizedText::new(&school.name_zh, &school.name_en),
            entry: LocalizedText::new(&entry.name_zh, &entry.name_en),
            completed_sections: statuses
                .iter()
                .filter(|(_, s)| *s == SectionStatus::Completed)
                .count(),
            required_sections: required.len(),
        });
    }
    Ok(MyRegistrations {
        messages: crate::server::notify::messages_of(db, account_id, offset).await?,
        registrations,
        limit: MAX_REGISTRATIONS_PER_ACCOUNT,
        identity_confirmed: account.identity_confirmed_at.is_some(),
    })
}

/// Subsystems with their windows, entries and schools: for each subsystem the bureau runs
/// (it has a window or an entry), whether its collection window is open, not yet open or
/// closed, with the window's times in the bureau's clock.
pub async fn options(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<SubsystemOption>, ServiceError> {
    use crate::{api::registrations::OptionWindow, domain::WindowState};
    actor.require_parent()?;
    let windows = collection_window::Entity::find().all(db).await?;
    let bureaus = bureau::Entity::find().all(db).await?;
    let entries = entry::Entity::find()
        .filter(entry::Column::Active.eq(true))
        .order_by_asc(entry::Column::Position)
        .all(db)
        .await?;
    let links = entry_school::Entity::find().all(db).await?;
    let schools = school::Entity::find()
        .order_by_asc(school::Column::Position)
        .all(db)
        .await?;
    // Each window in its own bureau's clock (China's when the bureau is missing), as
    // `offset_of` reads it for a school.
    let china = FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Offset::fix(&Utc));
    let offset_of_bureau = |bureau_id: i32| {
        bureaus
            .iter()
            .find(|b| b.id == bureau_id)
            .map_or(china, crate::server::bureau::offset_of)
    };
    let mut result = Vec::new();
    for subsystem in Subsystem::ALL {
        let own: Vec<&collection_window::Model> = windows
            .iter()
            .filter(|w| w.subsystem == subsystem.code())
            .collect();
        let window = window_to_show(own.as_slice(), |w| (w.opens_at, w.closes_at), now).map(|w| {
            let offset = offset_of_bureau(w.bureau_id);
            OptionWindow {
                state: WindowState::at(w.opens_at, w.closes_at, now),
                opens_at: w.opens_at.with_timezone(&offset).naive_local(),
                closes_at: w.closes_at.with_timezone(&offset).naive_local(),
            }
        });
        let entries: Vec<EntryOption> = entries
            .iter()
            .filter(|e| e.subsystem == subsystem.code())
            .map(|e| EntryOption {
                id: e.id,
                name: LocalizedText::new(&e.name_zh, &e.name_en),
                explanation: LocalizedText::new(&e.explanation_zh, &e.explanation_en),
                sections: SectionKind::parse_list(&e.sections),
                schools: schools
                    .iter()
                    .filter(|s| {
                        links
                            .iter()
                            .any(|l| l.entry_id == e.id && l.school_id == s.id)
                    })
                    .map(|s| PlaceOption {
                        id: s.id,
                        name: LocalizedText::new(&s.name_zh, &s.name_en),
                    })
                    .collect(),
            })
            .collect();
        // A subsystem the bureau does not run is not offered at all.
        if window.is_none() && entries.is_empty() {
            continue;
        }
        result.push(SubsystemOption {
            subsystem,
            window,
            entries,
        });
    }
    Ok(result)
}

/// Of one subsystem's windows (several years or bureaus), the one to tell a parent about
/// at `now`: an open one; else the next to open; else the last to close.
fn window_to_show<'a, T>(
    windows: &[&'a T],
    span: impl Fn(&T) -> (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Option<&'a T> {
    let open = windows.iter().copied().find(|w| {
        let (opens, closes) = span(*w);
        opens <= now && now < closes
    });
    let next = || {
        windows
            .iter()
            .copied()
            .filter(|w| now < span(*w).0)
            .min_by_key(|w| span(*w).0)
    };
    let last = || windows.iter().copied().max_by_key(|w| span(*w).1);
    open.or_else(next).or_else(last)
}

/// The guidance when a child's ID number is already in an active registration
/// (Qingdao Q2/Q13).
fn child_taken() -> ServiceError {
    let mut problems = vec![FieldProblem::new(
        "child_id_number",
        "该儿童的身份证号已有一条报名记录（身份证号已存在或已被占用）。常见原因：1. 孩子的另一位家长已经用自己的爱山东账号报过名——每个孩子只能报名一次，请与家人商定；如需由您报名，请对方先在“我的报名”中删除该记录。2. 您以前用另一个账号（例如更换过手机号）报过名——请用原账号登录查看或删除。删除后即可在此重新报名。如仍有问题，请联系教体局。",
        "This child's ID number is already in a registration. Usually: 1. the child's other parent registered from their own account — a child can be registered once only; agree who registers, and ask them to delete theirs under “My registrations” first; 2. you registered before from another account (for example after changing your phone number) — sign in with that account to see or delete it. Then you can register here. If this does not help, contact the bureau.",
    )];
    // The page offers the way forward for a parent the household register names.
    problems.push(FieldProblem::new(
        crate::domain::registration::CHILD_CLAIMABLE,
        "如果您是孩子的父亲或母亲，而报名不是家人所填，可以经户籍登记核验后继续报名；原报名将交教体局处理。",
        "If you are the child's father or mother and the registration was not made by your family, you can go on once the household register confirms you; the other registration is passed to the bureau.",
    ));
    ServiceError::Invalid(problems)
}

/// Starts a registration. The child's ID number and the account's three slots are
/// claimed by unique indexes, so that concurrent attempts cannot both succeed.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewRegistration,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    let account_id = actor.require_parent()?;
    let account = parent_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if account.identity_confirmed_at.is_none() {
        return Err(ServiceError::invalid(
            "identity",
            "请先核对您的用户信息，再开始报名。",
            "Check your details first, then start the registration.",
        ));
    }
    let mut problems = Vec::new();
    let subsystem = Subsystem::from_code(input.subsystem.trim());
    if subsystem.is_none() {
        problems.push(FieldProblem::new(
            "subsystem",
            "请选择报名类型",
            "Choose what you are registering for",
        ));
    }
    let entry = match input.entry_id.trim().parse::<i32>() {
        Ok(id) => entry::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|e| e.active && Some(e.subsystem.as_str()) == subsystem.map(Subsystem::code)),
        Err(_) => None,
    };
    if entry.is_none() && subsystem.is_some() {
        problems.push(FieldProblem::new(
            "entry_id",
            "请选择报名入口",
            "Choose an entry",
        ));
    }
    let school = match (&entry, input.school_id.trim().parse::<i32>()) {
        (Some(entry), Ok(id)) => {
            let linked = entry_school::Entity::find_by_id((entry.id, id))
                .one(db)
                .await?;
            match linked {
                Some(_) => school::Entity::find_by_id(id).one(db).await?,
                None => None,
            }
        }
        _ => None,
    };
    if school.is_none() && entry.is_some() {
        problems.push(FieldProblem::new(
            "school_id",
            "请选择学校",
            "Choose a school",
        ));
    }
    let child = match ResidentId::parse(&input.child_id_number, now.date_naive()) {
        Ok(id) => Some(id),
        Err(error) => {
            problems.push(FieldProblem::new(
                "child_id_number",
                format!("儿童身份证号：{}", error.message(Locale::Zh)),
                format!("Child's ID number: {}", error.message(Locale::En)),
            ));
            None
        }
    };
    let (Some(subsystem), Some(entry), Some(school), Some(child)) =
        (subsystem, entry, school, child)
    else {
        return Err(ServiceError::Invalid(problems));
    };
    let window = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(school.bureau_id))
        .filter(collection_window::Column::Subsystem.eq(subsystem.code()))
        .filter(collection_window::Column::OpensAt.lte(now))
        .filter(collection_window::Column::ClosesAt.gt(now))
        .one(db)
        .await?
        .ok_or(ServiceError::Closed)?;
    if subsystem == Subsystem::Enrollment
        && let Some(year) = crate::domain::SchoolYear::new(window.school_year)
        && let Some(cutoff) = year.first_grade_birth_cutoff()
        && child.birth_date() > cutoff
    {
        use crate::domain::format_date;
        let born = child.birth_date();
        return Err(ServiceError::invalid(
            "child_id_number",
            &format!(
                "按身份证号，儿童出生于{}。今年一年级入学需在{}前（含）出生，请明年再报名；如有特殊情况，请联系教体局。",
                format_date(born, Locale::Zh),
                format_date(cutoff, Locale::Zh)
            ),
            &format!(
                "By the ID number the child was born on {}. First grade this year is for children born on or before {}: register next year, or contact the bureau about special cases.",
                format_date(born, Locale::En),
                format_date(cutoff, Locale::En)
            ),
        ));
    }
    if child.as_str() == crypto::open(&account.resident_id)? {
        return Err(ServiceError::invalid(
            "child_id_number",
            "这是您本人的身份证号，请填写孩子的身份证号。",
            "This is your own ID number: enter the child's.",
        ));
    }

    // The one-registration-per-child index holds a keyed hash, never the number.
    let child_key = crypto::blind(child.as_str())?;
    let reference = || {
        let random = uuid::Uuid::new_v4().as_u128() % 100_000_000;
        let letter = match subsystem {
            Subsystem::Enrollment => 'E',
            Subsystem::Transfer => 'T',
        };
        format!("{}{letter}{random:08}", window.school_year)
    };
    for slot in 1..=MAX_REGISTRATIONS_PER_ACCOUNT {
        for _attempt in 0..3 {
            let row = registration::ActiveModel {
                reference: Set(reference()),
                account_id: Set(account_id),
                subsystem: Set(subsystem.code().to_owned()),
                school_year: Set(window.school_year),
                entry_id: Set(entry.id),
                school_id: Set(school.id),
                child_id_number: Set(crypto::seal(child.as_str())?),
                active_child_key: Set(Some(child_key.clone())),
                active_slot: Set(Some(slot_key(account_id, slot))),
                state: Set(RegistrationState::Draft.code().to_owned()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                deleted_at: Set(None),
                ..Default::default()
            };
            match row.insert(db).await {
                Ok(row) => {
                    tracing::info!(registration = row.id, "registration started");
                    return Ok(row.id);
                }
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    // Which claim failed: the child's number, the slot, or (rarely) the reference.
                    let child_held = registration::Entity::find()
                        .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
                        .one(db)
                        .await?;
                    if let Some(held) = child_held {
                        if held.account_id == account_id {
                            return Err(ServiceError::invalid(
                                "child_id_number",
                                "您已经为这个孩子报过名，请在“我的报名”中继续填写。",
                                "You have already registered this child: continue under “My registrations”.",
                            ));
                        }
                        return Err(child_taken());
                    }
                    let slot_held = registration::Entity::find()
                        .filter(registration::Column::ActiveSlot.eq(slot_key(account_id, slot)))
                        .one(db)
                        .await?
                        .is_some();
                    if slot_held {
                        break;
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    Err(account_full())
}

/// How `active_slot` names place `slot` (1 to 3) of an account: unique, so that concurrent
/// registrations cannot take more than three.
pub(crate) fn slot_key(account_id: i32, slot: usize) -> String {
    format!("{account_id}:{slot}")
}

/// Refused when the account already holds its three registrations.
pub(crate) async fn check_room(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<(), ServiceError> {
    let held = registration::Entity::find()
        .filter(registration::Column::AccountId.eq(account_id))
        .filter(registration::Column::ActiveSlot.is_not_null())
        .count(db)
        .await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_REGISTRATIONS_PER_ACCOUNT {
        Err(account_full())
    } else {
        Ok(())
    }
}

fn account_full() -> ServiceError {
    ServiceError::invalid(
        "limit",
        "一个账号最多为 3 个孩子报名。如需为更多孩子报名，请联系教体局。",
        "One account can register at most 3 children. To register more, contact the bureau.",
    )
}

/// A registration with its answers and the state of each section.
pub async fn view(
    db: &impl ConnectionTrait,
    registries: &Registries,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<RegistrationView, ServiceError> {
    let basis = basis_of(db, actor, id).await?;
    view_of(db, registries, basis, now).await
}

async fn view_of(
    db: &impl ConnectionTrait,
    registries: &Registries,
    basis: Basis,
    now: DateTime<Utc>,
) -> Result<RegistrationView, ServiceError> {
    let registrant = basis.registrant_if_consented()?;
    let Basis {
        row,
        window,
        offset,
        bureau_id,
        required,
        entry_name,
        school_name,
        consent,
        ..
    } = basis;
    let StoredSections {
        answers,
        completed,
        provenance,
        versions: section_versions,
    } = sections_of(db, row.id).await?;
    let subsystem = subsystem_of(&row)?;
    let state = state_of(&row)?;
    let child_id = child_id_of(&row)?;
    let ctx = SectionContext {
        subsystem,
        child_id_number: &child_id,
        answers: &answers,
        today: now.date_naive(),
    };
    let statuses = section_statuses(&required, &answers, &completed, &ctx);
    let open = window.is_some_and(|w| w.opens_at <= now && now < w.closes_at);
    let child = ResidentId::parse(&child_id, now.date_naive()).ok();
    let known = prefill::Known {
        consent,
        registrant: registrant.as_deref(),
        required: &required,
    };
    let registry = prefill::context_with(db, registries, &row, &answers, known).await?;
    // Only what the entry requires counts (a section left from another entry does not).
    let provenance: BTreeMap<SectionKind, BTreeMap<String, Provenance>> = provenance
        .into_iter()
        .filter(|(kind, _)| required.contains(kind))
        .collect();
    let materials = documents::materials_in(db, bureau_id, &row, &answers, &provenance).await?;
    let editing = editing_in(&row, window.as_ref(), now).ok();
    let timeline = review::timeline_at(db, &row, offset, false).await?;
    let change_request = review::request_of(row.change_request.as_deref());
    let requested_items = change_request
        .as_ref()
        .map(|r| review::describe_request(r, &answers, &ctx))
        .unwrap_or_default();
    Ok(RegistrationView {
        id: row.id,
        reference: row.reference.clone(),
        subsystem,
        school_year: row.school_year,
        state,
        version: row.version,
        section_versions,
        entry: entry_name,
        school: school_name,
        child_masked_id: masked_child(&row, now),
        child_birth_date: child
            .as_ref()
            .map(|c| c.birth_date().to_string())
            .unwrap_or_default(),
        child_is_male: child.is_some_and(|c| c.sex() == crate::domain::Sex::Male),
        sections: statuses,
        answers,
        window_open: open,
        editable: editing.is_some(),
        resubmittable: matches!(editing, Some(Editing::Requested(_))),
        requested_items,
        change_request,
        timeline,
        deletable: open && state.is_deletable(),
        submitted_at: row.submitted_at.map(|at| {
            at.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        }),
        registry: registry.info,
        prefill: registry.prefill,
        provenance,
        materials,
    })
}

/// A save lost to another save of the same registration between its read and its write
/// is planned again from a fresh read, at most this many times in all.
const SAVE_ATTEMPTS: usize = 4;

/// Saves a section, in one transaction. Refused when the registration is locked, the
/// window closed, or an earlier section is not completed. `base_version` is the section's
/// version the page read: when another page saved the section since, the page's changes
/// are merged into the newer answers (`answers.base` says what the page read), and the save
/// is refused only when the same answer was changed on both sides; nothing is written then
/// and the newer answers come back.
///
/// A save reads once (the registration with what decides the rules, its sections, and the
/// registries' answers when the parent consented) and writes once: the registration's
/// version claim (which fails when anything changed since the read, and then the save is
/// planned again) and the section, in one transaction. On SQLite the reads run before the
/// transaction, so that the database's single write lock is held for the two writes and
/// the commit only, and the write goes with the other saves waiting in one transaction
/// ([`SaveQueue`]: one flush of the disk for all); on PostgreSQL they run inside it (one
/// transaction per save).
#[allow(clippy::too_many_arguments)]
pub async fn save_section(
    db: &DatabaseConnection,
    saves: &SaveQueue,
    registries: &Registries,
    actor: &Actor,
    id: i32,
    kind: SectionKind,
    base_version: i64,
    answers: SectionAnswers,
    complete: bool,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, ServiceError> {
    let request = SaveRequest {
        registries,
        actor,
        id,
        kind,
        base_version,
        answers: &answers,
        complete,
        now,
    };
    for _ in 0..SAVE_ATTEMPTS {
        if db.get_database_backend() == DbBackend::Sqlite {
            // Reads before the write lock; the write with every other save waiting.
            match plan_save(db, &request).await? {
                SavePlan::Answer(outcome) => return Ok(outcome),
                SavePlan::Write(write) => {
                    let outcome = write.outcome.clone();
                    if saves.write(db, write, now).await? {
                        return Ok(outcome);
                    }
                }
            }
        } else {
            let txn = db.begin().await?;
            let write = match plan_save(&txn, &request).await? {
                SavePlan::Answer(outcome) => {
                    txn.rollback().await?;
                    return Ok(outcome);
                }
                SavePlan::Write(write) => write,
            };
            if write_save(&txn, &write, now).await? {
                txn.commit().await?;
                return Ok(write.outcome);
            }
            txn.rollback().await?;
        }
    }
    Err(ServiceError::Conflict)
}

/// One save as asked.
struct SaveRequest<'a> {
    registries: &'a Registries,
    actor: &'a Actor,
    id: i32,
    kind: SectionKind,
    base_version: i64,
    answers: &'a SectionAnswers,
    complete: bool,
    now: DateTime<Utc>,
}

/// What a save does, decided from one read.
enum SavePlan {
    /// Nothing to write (the answers conflict with newer ones): the answer to the page.
    Answer(SaveOutcome),
    Write(Box<SaveWrite>),
}

/// The writes of a save, valid while the registration is still at the version read.
pub(crate) struct SaveWrite {
    registration_id: i32,
    registration_version: i64,
    state: String,
    kind: SectionKind,
    section_version: i64,
    data: String,
    provenance: String,
    completed: bool,
    outcome: SaveOutcome,
}

/// A parent's registration with what its pages and saves are decided by, read in one
/// query.
struct Basis {
    row: registration::Model,
    window: Option<WindowTimes>,
    /// The clock offset of the school's bureau.
    offset: FixedOffset,
    bureau_id: i32,
    required: Vec<SectionKind>,
    entry_name: LocalizedText,
    school_name: LocalizedText,
    consent: Option<bool>,
    /// The registrant's ID number, sealed.
    registrant: String,
}

impl Basis {
    /// The registrant's ID number, opened only when the registries may be consulted.
    fn registrant_if_consented(&self) -> Result<Option<String>, ServiceError> {
        match self.consent {
            Some(true) => crypto::open(&self.registrant).map(Some),
            _ => Ok(None),
        }
    }
}

/// When a collection window opens and closes, and when its review closes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WindowTimes {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub review_closes_at: Option<DateTime<Utc>>,
}

impl From<&collection_window::Model> for WindowTimes {
    fn from(window: &collection_window::Model) -> Self {
        Self {
            opens_at: window.opens_at,
            closes_at: window.closes_at,
            review_closes_at: window.review_closes_at,
        }
    }
}

/// The parent's own, not deleted, registration, joined with its school's bureau (the
/// clock offset), its entry (the required sections), its collection window, the registry
/// consent and the registrant's ID number.
async fn basis_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<Basis, ServiceError> {
    let account_id = actor.require_parent()?;
    let col = |c: registration::Column| Expr::col((registration::Entity, c));
    let mut select = Query::select();
    select
        .columns(registration::Column::iter().map(|c| (registration::Entity, c)))
        .expr_as(
            Expr::col((bureau::Entity, bureau::Column::UtcOffsetMinutes)),
            Alias::new("basis_offset"),
        )
        .expr_as(
            Expr::col((school::Entity, school::Column::BureauId)),
            Alias::new("basis_bureau"),
        )
        .expr_as(
            Expr::col((school::Entity, school::Column::NameZh)),
            Alias::new("basis_school_zh"),
        )
        .expr_as(
            Expr::col((school::Entity, school::Column::NameEn)),
            Alias::new("basis_school_en"),
        )
        .expr_as(
            Expr::col((entry::Entity, entry::Column::NameZh)),
            Alias::new("basis_entry_zh"),
        )
        .expr_as(
            Expr::col((entry::Entity, entry::Column::NameEn)),
            Alias::new("basis_entry_en"),
        )
        .expr_as(
            Expr::col((entry::Entity, entry::Column::Sections)),
            Alias::new("basis_sections"),
        )
        .expr_as(
            Expr::col((
                collection_window::Entity,
                collection_window::Column::OpensAt,
            )),
            Alias::new("basis_opens_at"),
        )
        .expr_as(
            Expr::col((
                collection_window::Entity,
                collection_window::Column::ClosesAt,
            )),
            Alias::new("basis_closes_at"),
        )
        .expr_as(
            Expr::col((
                collection_window::Entity,
                collection_window::Column::ReviewClosesAt,
            )),
            Alias::new("basis_review_closes_at"),
        )
        .expr_as(
            Expr::col((registry_consent::Entity, registry_consent::Column::Granted)),
            Alias::new("basis_consent"),
        )
        .expr_as(
            Expr::col((parent_account::Entity, parent_account::Column::ResidentId)),
            Alias::new("basis_registrant"),
        )
        .from(registration::Entity)
        .inner_join(
            school::Entity,
            Expr::col((school::Entity, school::Column::Id))
                .equals((registration::Entity, registration::Column::SchoolId)),
        )
        .inner_join(
            bureau::Entity,
            Expr::col((bureau::Entity, bureau::Column::Id))
                .equals((school::Entity, school::Column::BureauId)),
        )
        .inner_join(
            entry::Entity,
            Expr::col((entry::Entity, entry::Column::Id))
                .equals((registration::Entity, registration::Column::EntryId)),
        )
        .inner_join(
            parent_account::Entity,
            Expr::col((parent_account::Entity, parent_account::Column::Id))
                .equals((registration::Entity, registration::Column::AccountId)),
        )
        .left_join(
            collection_window::Entity,
            Condition::all()
                .add(
                    Expr::col((
                        collection_window::Entity,
                        collection_window::Column::BureauId,
                    ))
                    .equals((school::Entity, school::Column::BureauId)),
                )
                .add(
                    Expr::col((
                        collection_window::Entity,
                        collection_window::Column::Subsystem,
                    ))
                    .equals((registration::Entity, registration::Column::Subsystem)),
                )
                .add(
                    Expr::col((
                        collection_window::Entity,
                        collection_window::Column::SchoolYear,
                    ))
                    .equals((registration::Entity, registration::Column::SchoolYear)),
                ),
        )
        .left_join(
            registry_consent::Entity,
            Expr::col((
                registry_consent::Entity,
                registry_consent::Column::RegistrationId,
            ))
            .equals((registration::Entity, registration::Column::Id)),
        )
        .and_where(col(registration::Column::Id).eq(id))
        .and_where(col(registration::Column::AccountId).eq(account_id))
        .and_where(col(registration::Column::State).ne(RegistrationState::Deleted.code()));
    let found = db.query_one(&select).await?.ok_or(ServiceError::NotFound)?;
    let row = registration::Model::from_query_result(&found, "")?;
    let opens_at: Option<DateTime<Utc>> = found.try_get("", "basis_opens_at")?;
    let closes_at: Option<DateTime<Utc>> = found.try_get("", "basis_closes_at")?;
    let window = opens_at.zip(closes_at).map(|(opens_at, closes_at)| {
        Ok::<_, ServiceError>(WindowTimes {
            opens_at,
            closes_at,
            review_closes_at: found.try_get("", "basis_review_closes_at")?,
        })
    });
    let minutes: i32 = found.try_get("", "basis_offset")?;
    let sections: String = found.try_get("", "basis_sections")?;
    Ok(Basis {
        window: window.transpose()?,
        offset: FixedOffset::east_opt(minutes * 60)
            .ok_or_else(|| ServiceError::Unexpected("bureau offset out of range".into()))?,
        bureau_id: found.try_get("", "basis_bureau")?,
        required: SectionKind::parse_list(&sections),
        entry_name: LocalizedText::new(
            &found.try_get::<String>("", "basis_entry_zh")?,
            &found.try_get::<String>("", "basis_entry_en")?,
        ),
        school_name: LocalizedText::new(
            &found.try_get::<String>("", "basis_school_zh")?,
            &found.try_get::<String>("", "basis_school_en")?,
        ),
        consent: found.try_get("", "basis_consent")?,
        registrant: found.try_get("", "basis_registrant")?,
        row,
    })
}

/// Reads what the save needs and decides what it writes.
async fn plan_save(
    db: &impl ConnectionTrait,
    request: &SaveRequest<'_>,
) -> Result<SavePlan, ServiceError> {
    let SaveRequest {
        registries,
        actor,
        id,
        kind,
        base_version,
        answers:
            SectionAnswers {
                data,
                corrections,
                base,
            },
        complete,
        now,
    } = *request;
    let basis = basis_of(db, actor, id).await?;
    let registrant = basis.registrant_if_consented()?;
    let Basis {
        row,
        window,
        offset,
        required,
        consent,
        ..
    } = basis;
    let subsystem = subsystem_of(&row)?;
    let may_edit = editing_in(&row, window.as_ref(), now)?;
    if !required.contains(&kind) {
        return Err(ServiceError::NotFound);
    }
    let StoredSections {
        answers: mut stored_answers,
        mut completed,
        provenance: stored_provenance,
        versions,
    } = sections_of(db, row.id).await?;
    let current_version = versions.get(&kind).copied().unwrap_or(0);
    let theirs = stored_answers.get(&kind).cloned().unwrap_or_default();
    let mine = sections::clean(data);
    let (data, merged) = if current_version == base_version {
        (mine, false)
    } else {
        let outcome = match base {
            Some(base) => merge_answers(&sections::clean(base), &mine, &theirs),
            // Without what the page read, only a save of the answers already held passes.
            None => match changed_fields(&mine, &theirs) {
                fields if fields.is_empty() => Ok(theirs.clone()),
                fields => Err(fields),
            },
        };
        match outcome {
            Ok(merged) => (merged, true),
            Err(fields) => {
                return Ok(SavePlan::Answer(SaveOutcome::Conflict {
                    version: current_version,
                    data: theirs,
                    fields,
                }));
            }
        }
    };
    if let Editing::Requested(request) = &may_edit {
        let before_provenance = stored_provenance.get(&kind);
        check_requested_only(
            request,
            kind,
            &theirs,
            &data,
            before_provenance,
            corrections,
        )?;
    }
    stored_answers.insert(kind, data.clone());
    let answers = stored_answers;
    let child_id = child_id_of(&row)?;
    let ctx = SectionContext {
        subsystem,
        child_id_number: &child_id,
        answers: &answers,
        today: now.date_naive(),
    };
    // Earlier sections must be completed first.
    let before: Vec<SectionKind> = required
        .iter()
        .copied()
        .take_while(|k| *k != kind)
        .collect();
    let statuses_before = section_statuses(&before, &answers, &completed, &ctx);
    if statuses_before
        .iter()
        .any(|(_, s)| *s != SectionStatus::Completed)
    {
        return Err(ServiceError::Invalid(vec![FieldProblem::new(
            "section",
            "请先完成前面的信息项目，再填写此项。",
            "Complete the earlier sections first.",
        )]));
    }
    let corrections = clean_corrections(corrections);
    let problems = if complete {
        let mut problems = sections::validate(kind, &data, &ctx);
        for (field, reason) in &corrections {
            if correction_reason(reason).is_none() && !problems.iter().any(|p| p.field == *field) {
                problems.push(FieldProblem::new(
                    field,
                    "请选择更正系统信息的原因",
                    "Choose why the register's value is wrong",
                ));
            }
        }
        problems
    } else {
        Vec::new()
    };
    let now_completed = complete && problems.is_empty();
    // Any edit re-opens a section until "save and continue" checks it again.
    let was_completed = completed.contains(&kind);
    let mark_completed = now_completed
        || (was_completed && !complete && sections::validate(kind, &data, &ctx).is_empty());
    if mark_completed {
        completed.insert(kind);
    } else {
        completed.remove(&kind);
    }

    let json = crypto::seal(
        &serde_json::to_string(&data)
            .map_err(|e| ServiceError::Unexpected(format!("encoding answers: {e}")))?,
    )?;
    // Provenance is decided here, from what the registries said: a page cannot claim it.
    let registry = prefill::context_with(
        db,
        registries,
        &row,
        &answers,
        prefill::Known {
            consent,
            registrant: registrant.as_deref(),
            required: &required,
        },
    )
    .await?;
    let provenance = derive_provenance(kind, &data, &registry.answer_for(kind), &corrections);
    let provenance = crypto::seal(
        &serde_json::to_string(&provenance)
            .map_err(|e| ServiceError::Unexpected(format!("encoding provenance: {e}")))?,
    )?;
    let statuses = section_statuses(&required, &answers, &completed, &ctx);
    let status = statuses
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(SectionStatus::InProgress, |(_, s)| *s);
    Ok(SavePlan::Write(Box::new(SaveWrite {
        registration_id: row.id,
        registration_version: row.version,
        state: row.state.clone(),
        kind,
        section_version: current_version,
        data: json,
        provenance,
        completed: mark_completed,
        outcome: SaveOutcome::Saved {
            version: current_version + 1,
            saved_at: now.with_timezone(&offset).format("%H:%M").to_string(),
            status,
            problems,
            merged: merged.then_some(data),
            registration_version: row.version + 1,
        },
    })))
}

/// Writes a planned save in `txn`: false when the registration moved since it was read
/// (nothing is written then). Every save of a section claims its registration's version
/// first, so a section that moved while its registration did not is an error, and the
/// transaction must not be committed.
pub(crate) async fn write_save(
    txn: &DatabaseTransaction,
    write: &SaveWrite,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    // The first statement writes: it takes SQLite's write lock and PostgreSQL's row lock, so
    // that two saves of one registration queue here; the second finds the version moved.
    let claimed = registration::Entity::update_many()
        .col_expr(
            registration::Column::Version,
            Expr::col(registration::Column::Version).add(1),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(write.registration_id))
        .filter(registration::Column::Version.eq(write.registration_version))
        .filter(registration::Column::State.eq(write.state.as_str()))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(false);
    }
    let section_version = write.section_version + 1;
    if write.section_version == 0 {
        registration_section::ActiveModel {
            registration_id: Set(write.registration_id),
            section: Set(write.kind.code().to_owned()),
            data: Set(write.data.clone()),
            provenance: Set(write.provenance.clone()),
            completed: Set(write.completed),
            updated_at: Set(now),
            version: Set(section_version),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    } else {
        let written = registration_section::Entity::update_many()
            .col_expr(
                registration_section::Column::Data,
                Expr::value(write.data.clone()),
            )
            .col_expr(
                registration_section::Column::Provenance,
                Expr::value(write.provenance.clone()),
            )
            .col_expr(
                registration_section::Column::Completed,
                Expr::value(write.completed),
            )
            .col_expr(registration_section::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                registration_section::Column::Version,
                Expr::value(section_version),
            )
            .filter(registration_section::Column::RegistrationId.eq(write.registration_id))
            .filter(registration_section::Column::Section.eq(write.kind.code()))
            .filter(registration_section::Column::Version.eq(write.section_version))
            .exec(txn)
            .await?;
        if written.rows_affected != 1 {
            return Err(ServiceError::Unexpected(
                "a section moved without its registration".into(),
            ));
        }
    }
    Ok(true)
}

/// While the school's requested changes are open, refuses any change to an answer (or to
/// the "this is wrong" mark of a prefilled one) the school did not name.
fn check_requested_only(
    request: &ChangeRequest,
    kind: SectionKind,
    before: &SectionData,
    after: &SectionData,
    before_provenance: Option<&BTreeMap<String, Provenance>>,
    corrections: &BTreeMap<String, String>,
) -> Result<(), ServiceError> {
    let value = |data: &SectionData, field: &str| {
        data.get(field)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut changed: BTreeSet<String> = before
        .keys()
        .chain(after.keys())
        .filter(|field| value(before, field) != value(after, field))
        .cloned()
        .collect();
    let stored_correction = |field: &str| {
        before_provenance
            .and_then(|p| p.get(field))
            .and_then(|p| p.correction.clone())
    };
    for (field, reason) in corrections {
        if stored_correction(field).as_deref() != Some(reason.trim()) {
            changed.insert(field.clone());
        }
    }
    let refused: Vec<FieldProblem> = changed
        .iter()
        .filter(|field| !request.allows_field(kind, field))
        .map(|field| {
            FieldProblem::new(
                field,
                "学校没有要求修改这一项，请保持原样；只需修改学校列出的项目。",
                "The school did not ask to change this: leave it as it was and change only what the school listed.",
            )
        })
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(refused))
    }
}

/// Checks every required section (信息确认): each problem with its section.
pub async fn check(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<(SectionKind, FieldProblem)>, ServiceError> {
    let row = load_own(db, actor, id).await?;
    let (answers, _) = answers_of(db, row.id).await?;
    problems_of(db, &row, &answers, now).await
}

pub(crate) async fn problems_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    answers: &BTreeMap<SectionKind, SectionData>,
    now: DateTime<Utc>,
) -> Result<Vec<(SectionKind, FieldProblem)>, ServiceError> {
    let (_, required) = required_sections(db, row.entry_id).await?;
    let child_id = child_id_of(row)?;
    let ctx = SectionContext {
        subsystem: subsystem_of(row)?,
        child_id_number: &child_id,
        answers,
        today: now.date_naive(),
    };
    Ok(required
        .iter()
        .flat_map(|&kind| {
            let data = answers.get(&kind).cloned().unwrap_or_default();
            sections::validate(kind, &data, &ctx)
                .into_iter()
                .map(move |p| (kind, p))
        })
        .collect())
}

/// Submits: checks everything, then locks. A retried or concurrent submit of the same
/// version finds it already submitted and succeeds without doing anything twice.
pub async fn submit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    base_version: i64,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let row = load_own(db, actor, id).await?;
    let state = state_of(&row)?;
    if state == RegistrationState::Submitted && row.version == base_version + 1 {
        return Ok(row.reference);
    }
    if !window_open(db, row.school_id, subsystem_of(&row)?, row.school_year, now).await? {
        return Err(ServiceError::Closed);
    }
    if state != RegistrationState::Draft {
        return Err(ServiceError::Locked);
    }
    if row.version != base_version {
        return Err(ServiceError::Conflict);
    }
    let stored = sections_of(db, row.id).await?;
    let problems = problems_of(db, &row, &stored.answers, now).await?;
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(
            problems.into_iter().map(|(_, p)| p).collect(),
        ));
    }
    // Every required document is uploaded.
    let items = documents::materials_of(db, &row, &stored.answers, &stored.provenance).await?;
    let missing = documents::missing_problems(&items);
    if !missing.is_empty() {
        return Err(ServiceError::Invalid(missing));
    }
    let (child_name, hand_entered) = review_facts(&stored);
    let done = registration::Entity::update_many()
        .col_expr(
            registration::Column::State,
            Expr::value(RegistrationState::Submitted.code()),
        )
        .col_expr(
            registration::Column::Version,
            Expr::col(registration::Column::Version).add(1),
        )
        .col_expr(registration::Column::SubmittedAt, Expr::value(now))
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .col_expr(registration::Column::ChildName, Expr::value(child_name))
        .col_expr(registration::Column::HandEntered, Expr::value(hand_entered))
        .filter(registration::Column::Id.eq(row.id))
        .filter(registration::Column::Version.eq(base_version))
        .filter(registration::Column::State.eq(RegistrationState::Draft.code()))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        tracing::info!(registration = row.id, "registration submitted");
        return Ok(row.reference);
    }
    // Someone else moved it: a concurrent retry of this same submit is success.
    let fresh = registration::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if fresh.state == RegistrationState::Submitted.code() && fresh.version == base_version + 1 {
        Ok(fresh.reference)
    } else {
        Err(ServiceError::Conflict)
    }
}

/// Deletes a registration while the window is open and no review has started; frees the
/// child's ID number and the account's slot. The row is kept for audit.
pub async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    base_version: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let row = load_own(db, actor, id).await?;
    let state = state_of(&row)?;
    if !window_open(db, row.school_id, subsystem_of(&row)?, row.school_year, now).await? {
        return Err(ServiceError::Closed);
    }
    if !state.is_deletable() {
        return Err(ServiceError::Locked);
    }
    let done = registration::Entity::update_many()
        .col_expr(
            registration::Column::State,
            Expr::value(RegistrationState::Deleted.code()),
        )
        .col_expr(
            registration::Column::ActiveChildKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::ActiveSlot,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::Version,
            Expr::col(registration::Column::Version).add(1),
        )
        .col_expr(registration::Column::DeletedAt, Expr::value(now))
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(row.id))
        .filter(registration::Column::Version.eq(base_version))
        .filter(registration::Column::State.is_in([
            RegistrationState::Draft.code(),
            RegistrationState::Submitted.code(),
        ]))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        tracing::info!(registration = row.id, "registration deleted");
        Ok(())
    } else {
        Err(ServiceError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_parent_hears_of_the_open_window_else_the_next_else_the_last() {
        let day = |d| {
            Utc.with_ymd_and_hms(2026, 7, d, 0, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let last_year = (day(1), day(2));
        let this_year = (day(10), day(20));
        let next_year = (day(25), day(28));
        let windows = [&last_year, &this_year, &next_year];
        let span = |w: &(DateTime<Utc>, DateTime<Utc>)| *w;
        assert_eq!(window_to_show(&windows, span, day(15)), Some(&this_year));
        assert_eq!(window_to_show(&windows, span, day(5)), Some(&this_year));
        assert_eq!(window_to_show(&windows, span, day(22)), Some(&next_year));
        assert_eq!(window_to_show(&windows, span, day(30)), Some(&next_year));
        assert_eq!(
            window_to_show(&[&last_year], span, day(30)),
            Some(&last_year)
        );
        let none: [&(DateTime<Utc>, DateTime<Utc>); 0] = [];
        assert_eq!(window_to_show(&none, span, day(30)), None);
    }
}
