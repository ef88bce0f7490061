//! What every registration service reads: a registration's state, window, sections and rules.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    QueryFilter, QueryResult,
    sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement},
};

use crate::domain::sections::field;
use crate::{
    domain::{
        RegistrationState, ResidentId, SectionData, SectionKind, Subsystem,
        provenance::{Origin, Provenance},
        review::ChangeRequest,
    },
    i18n::LocalizedText,
    server::{
        entities::{
            bureau, collection_window, entry, parent_account, registration, registration_section,
            registry_consent, school,
        },
        failure::ServiceError,
        infra::auth::Actor,
        infra::batch::{each_its_own, padded},
        infra::crypto,
        services::review,
    },
};

/// The parent's own, not deleted, registration; anything else is not found.
/// The account a registration belongs to (its registrant).
pub(crate) async fn registrant_account(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<parent_account::Model, ServiceError> {
    parent_account::Entity::find_by_id(row.account_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Unexpected("registration without account".into()))
}

pub(crate) async fn load_own(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<registration::Model, ServiceError> {
    let account_id = actor.require_parent()?;
    registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.account_id == account_id && r.state != RegistrationState::Deleted)
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
        .filter(collection_window::Column::Subsystem.eq(subsystem))
        .filter(collection_window::Column::SchoolYear.eq(school_year))
        .one(db)
        .await?
        .is_some_and(|w| w.opens_at <= now && now < w.closes_at))
}

/// A moment on the bureau's clock, which the pages and messages write out in the reader's
/// language (`dates::format_date_time`).
pub(crate) fn local_time(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
    at.with_timezone(&offset).naive_local()
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
pub(super) fn editing_in(
    row: &registration::Model,
    window: Option<&WindowTimes>,
    now: DateTime<Utc>,
) -> Result<Editing, ServiceError> {
    let state = row.state;
    let collection_open = window.is_some_and(|w| w.opens_at <= now && now < w.closes_at);
    match state {
        RegistrationState::Draft if collection_open => Ok(Editing::Draft),
        RegistrationState::ChangesRequested if !changes_closed(window, now) => {
            Ok(Editing::Requested(
                review::request_of(row.change_request.as_deref()).unwrap_or_default(),
            ))
        }
        RegistrationState::Draft | RegistrationState::ChangesRequested => Err(ServiceError::Closed),
        _ if !collection_open => Err(ServiceError::Closed),
        _ => Err(ServiceError::Locked),
    }
}

/// Whether the parent's time for the school's requested changes is over: outside both the
/// collection window and its review (the later of the two closes it).
pub(crate) fn changes_closed(window: Option<&WindowTimes>, now: DateTime<Utc>) -> bool {
    !window.is_some_and(|w| {
        w.opens_at <= now && now < Ord::max(w.closes_at, w.review_closes_at.unwrap_or(w.closes_at))
    })
}

/// The collection window a registration belongs to.
pub(crate) async fn window_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Option<collection_window::Model>, ServiceError> {
    let Some(school) = school::Entity::find_by_id(row.school_id).one(db).await? else {
        return Ok(None);
    };
    Ok(collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(school.bureau_id))
        .filter(collection_window::Column::Subsystem.eq(row.subsystem))
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
        .and_then(|d| d.get(field::child::NAME))
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
#[derive(Clone, Default)]
pub(crate) struct StoredSections {
    pub answers: BTreeMap<SectionKind, SectionData>,
    pub completed: BTreeSet<SectionKind>,
    pub provenance: BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
    /// Each stored section's version (a section never saved has none: 0).
    pub versions: BTreeMap<SectionKind, i64>,
}

impl StoredSections {
    /// Adds a stored section, its answers and provenance as sealed.
    fn add(
        &mut self,
        kind: SectionKind,
        data: &str,
        completed: bool,
        provenance: &str,
        version: i64,
    ) -> Result<(), ServiceError> {
        let data: SectionData = serde_json::from_str(&crypto::open(data)?)
            .map_err(|e| ServiceError::Unexpected(format!("section data: {e}")))?;
        if completed {
            self.completed.insert(kind);
        }
        self.answers.insert(kind, data);
        self.versions.insert(kind, version);
        // An unreadable record counts as no record: every value is then shown as typed.
        let provenance = crypto::open(provenance)
            .ok()
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        self.provenance.insert(kind, provenance);
        Ok(())
    }
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
    let mut stored = StoredSections::default();
    for row in rows {
        stored.add(
            row.section,
            &row.data,
            row.completed,
            &row.provenance,
            row.version,
        )?;
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

/// A parent's registration with what its pages and saves are decided by, read in one
/// query.
#[derive(Clone)]
pub(crate) struct Basis {
    pub(super) row: registration::Model,
    pub(super) window: Option<WindowTimes>,
    /// The clock offset of the school's bureau.
    pub(super) offset: FixedOffset,
    pub(super) bureau_id: i32,
    pub(super) required: Vec<SectionKind>,
    pub(super) entry_name: LocalizedText,
    pub(super) school_name: LocalizedText,
    pub(super) consent: Option<bool>,
    /// The registrant's ID number, sealed.
    pub(super) registrant: String,
}

impl Basis {
    /// The registrant's ID number, opened only when the registries may be consulted.
    pub(super) fn registrant_if_consented(&self) -> Result<Option<String>, ServiceError> {
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
/// consent and the registrant's ID number, and with its stored sections: one query (one
/// row per stored section, the rest repeated; one row when none is stored).
pub(super) async fn basis_and_sections_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<(Basis, StoredSections), ServiceError> {
    basis_and_sections_for(db, id, Some(actor.require_parent()?)).await
}

/// The same read for a registration whoever holds it (`owner` none), for a caller the
/// service has already let see it (another guardian following it).
pub(super) async fn basis_and_sections_for(
    db: &impl ConnectionTrait,
    id: i32,
    owner: Option<i32>,
) -> Result<(Basis, StoredSections), ServiceError> {
    let mut select =
        basis_select(Condition::all().add(registration_col(registration::Column::Id).eq(id)));
    if let Some(account_id) = owner {
        select.and_where(registration_col(registration::Column::AccountId).eq(account_id));
    }
    let rows = db.query_all(&with_sections(select)).await?;
    read_bases(&rows)?.remove(&id).ok_or(ServiceError::NotFound)
}

/// [`basis_and_sections_of`] for many registrations at once, each `(id, owner)` its
/// parent's, in one query: each item's outcome in their order (not found when the
/// registration is not that parent's, or deleted).
pub(crate) async fn basis_and_sections_of_all(
    db: &impl ConnectionTrait,
    items: &[(i32, i32)],
) -> Result<Vec<Result<(Basis, StoredSections), ServiceError>>, ServiceError> {
    let wanted = padded(items).fold(Condition::any(), |any, (id, owner)| {
        any.add(
            Condition::all()
                .add(registration_col(registration::Column::Id).eq(*id))
                .add(registration_col(registration::Column::AccountId).eq(*owner)),
        )
    });
    let rows = db.query_all(&with_sections(basis_select(wanted))).await?;
    let found = read_bases(&rows)?;
    Ok(each_its_own(items, |(id, _)| *id, found)
        .into_iter()
        .zip(items)
        .map(|(read, (_, owner))| {
            read.filter(|(basis, _)| basis.row.account_id == *owner)
                .ok_or(ServiceError::NotFound)
        })
        .collect())
}

fn registration_col(c: registration::Column) -> Expr {
    Expr::col((registration::Entity, c))
}

/// `select` with each registration's stored sections: one row per stored section, the
/// rest repeated; one row when none is stored.
fn with_sections(mut select: SelectStatement) -> SelectStatement {
    let section = |c: registration_section::Column| Expr::col((registration_section::Entity, c));
    select
        .expr_as(
            section(registration_section::Column::Section),
            Alias::new("s_section"),
        )
        .expr_as(
            section(registration_section::Column::Data),
            Alias::new("s_data"),
        )
        .expr_as(
            section(registration_section::Column::Completed),
            Alias::new("s_completed"),
        )
        .expr_as(
            section(registration_section::Column::Provenance),
            Alias::new("s_provenance"),
        )
        .expr_as(
            section(registration_section::Column::Version),
            Alias::new("s_version"),
        )
        .left_join(
            registration_section::Entity,
            section(registration_section::Column::RegistrationId)
                .equals((registration::Entity, registration::Column::Id)),
        );
    select
}

/// The registrations of rows of [`with_sections`], by id.
fn read_bases(
    rows: &[QueryResult],
) -> Result<BTreeMap<i32, (Basis, StoredSections)>, ServiceError> {
    let mut read: BTreeMap<i32, (Basis, StoredSections)> = BTreeMap::new();
    for row in rows {
        let id: i32 = row.try_get("", registration::Column::Id.as_str())?;
        let (_, stored) = match read.entry(id) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert((basis_from(row)?, StoredSections::default()))
            }
        };
        let Some(code) = row.try_get::<Option<String>>("", "s_section")? else {
            continue;
        };
        let kind = SectionKind::from_code(&code)
            .ok_or_else(|| ServiceError::Unexpected(format!("stored section {code:?}")))?;
        stored.add(
            kind,
            &row.try_get::<String>("", "s_data")?,
            row.try_get("", "s_completed")?,
            &row.try_get::<String>("", "s_provenance")?,
            row.try_get("", "s_version")?,
        )?;
    }
    Ok(read)
}

/// The query of [`basis_and_sections_for`] without the sections, for the registrations
/// `wanted` that are not deleted.
fn basis_select(wanted: Condition) -> SelectStatement {
    let col = registration_col;
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
        .cond_where(wanted)
        .and_where(col(registration::Column::State).ne(RegistrationState::Deleted));
    select
}

/// A row of [`basis_select`] read.
fn basis_from(found: &QueryResult) -> Result<Basis, ServiceError> {
    let row = registration::Model::from_query_result(found, "")?;
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
