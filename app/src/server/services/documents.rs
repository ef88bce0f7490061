//! Documents: the materials table, what each registration needs, and the photos parents
//! upload for it. Photos are served only to the registrant and to staff of the
//! registration's school (and its bureau's administrators); anyone else finds nothing.

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition as Where, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, Query},
};

use crate::{
    domain::{
        RegistrationState, SectionData, SectionKind, StaffRole,
        materials::{self, MaterialItem, MaterialRule, PhotoView},
        photo::PhotoSize,
        provenance::{Document, Provenance},
    },
    error::FieldProblem,
    i18n::LocalizedText,
    server::{
        Clock,
        entities::{document_photo, entry, material_rule, registration, school, upload_attempt},
        failure::ServiceError,
        infra::auth::Actor,
        infra::photos::{PhotoError, PhotoProcessor, Processed, UploadPolicy},
        infra::storage::DocumentStore,
        services::registrations::{self, Editing, editing, load_own},
    },
};

fn text(zh: &str, en: &str) -> LocalizedText {
    LocalizedText {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

fn rule_of(row: &material_rule::Model, entry: Option<&entry::Model>) -> MaterialRule {
    MaterialRule {
        document: row.document,
        condition: row.condition,
        required: row.required,
        explanation: text(&row.explanation_zh, &row.explanation_en),
        example: text(&row.example_zh, &row.example_en),
        entry: entry.map(|e| text(&e.name_zh, &e.name_en)),
    }
}

/// The whole materials table, for the public page: rules for every entry first, then each
/// entry's own.
pub async fn table(db: &impl ConnectionTrait) -> Result<Vec<MaterialRule>, ServiceError> {
    let entries = entry::Entity::find()
        .filter(entry::Column::Active.eq(true))
        .order_by_asc(entry::Column::Position)
        .all(db)
        .await?;
    let rows = material_rule::Entity::find()
        .order_by_asc(material_rule::Column::Position)
        .order_by_asc(material_rule::Column::Id)
        .all(db)
        .await?;
    let mut rules: Vec<MaterialRule> = rows
        .iter()
        .filter(|r| r.entry_id.is_none())
        .map(|r| rule_of(r, None))
        .collect();
    for e in &entries {
        rules.extend(
            rows.iter()
                .filter(|r| r.entry_id == Some(e.id))
                .map(|r| rule_of(r, Some(e))),
        );
    }
    Ok(rules)
}

/// The documents a registration needs, each with its current photos.
pub async fn materials_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    answers: &BTreeMap<SectionKind, SectionData>,
    provenance: &BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
) -> Result<Vec<MaterialItem>, ServiceError> {
    let Some(school) = school::Entity::find_by_id(row.school_id).one(db).await? else {
        return Ok(Vec::new());
    };
    materials_in(db, school.bureau_id, row, answers, provenance).await
}

/// [`materials_of`], with the bureau of the registration's school known.
pub async fn materials_in(
    db: &impl ConnectionTrait,
    bureau_id: i32,
    row: &registration::Model,
    answers: &BTreeMap<SectionKind, SectionData>,
    provenance: &BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
) -> Result<Vec<MaterialItem>, ServiceError> {
    let rules: Vec<MaterialRule> = material_rule::Entity::find()
        .filter(material_rule::Column::BureauId.eq(bureau_id))
        .filter(
            Where::any()
                .add(material_rule::Column::EntryId.is_null())
                .add(material_rule::Column::EntryId.eq(row.entry_id)),
        )
        .order_by_asc(material_rule::Column::Position)
        .order_by_asc(material_rule::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|r| rule_of(r, None))
        .collect();
    let mut items = materials::needed(&rules, answers, provenance);
    let photos = document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(row.id))
        .filter(document_photo::Column::RemovedAt.is_null())
        .order_by_asc(document_photo::Column::Id)
        .all(db)
        .await?;
    for item in &mut items {
        item.photos = photos
            .iter()
            .filter(|p| p.document == item.document)
            .map(|p| PhotoView {
                id: p.id,
                width: p.width,
                height: p.height,
                bytes: p.bytes,
            })
            .collect();
    }
    Ok(items)
}

/// Problems that stop a registration from being submitted: required documents missing.
pub fn missing_problems(items: &[MaterialItem]) -> Vec<FieldProblem> {
    items
        .iter()
        .filter(|i| i.missing())
        .map(|i| {
            let name = i.document.name();
            FieldProblem::new(
                "documents",
                format!("请上传{}", name.zh),
                format!("Upload: {}", name.en),
            )
        })
        .collect()
}

/// An upload as the route received it.
pub struct Upload {
    pub registration_id: i32,
    pub document: String,
    /// The photo this one replaces, if any.
    pub replaces: Option<i32>,
    pub bytes: Vec<u8>,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// What any service refuses: not found, locked, closed, a bad photo, a full document.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The account sent too many photos lately (HTTP 429): the problem says when to try
    /// again, `retry_after` says it to machines.
    #[error("too many uploads")]
    TooFrequent {
        retry_after: Duration,
        problem: FieldProblem,
    },
}

impl From<DbErr> for UploadError {
    fn from(error: DbErr) -> Self {
        Self::Service(ServiceError::Database(error))
    }
}

/// Where a new photo goes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    registration_id: i32,
    document: Document,
    /// The current photo it replaces, if any.
    replaces: Option<i32>,
}

/// The three object keys of one stored photo.
struct StoredKeys {
    full: String,
    review: String,
    thumb: String,
}

impl StoredKeys {
    fn all(&self) -> [&str; 3] {
        [&self.full, &self.review, &self.thumb]
    }
}

/// Checks, re-encodes and stores a photo of a document the registration needs.
///
/// Cheap refusals come first (ownership, state, the caps on kept photos), then the
/// account's upload rate, then the decode. The photo's row is written in a transaction
/// that checks again, under the registration's lock, that the registration may still be
/// changed and has room: a photo never lands on a registration submitted while it was
/// being decoded. Whatever is refused after storing has its files deleted again.
pub async fn upload(
    db: &(impl ConnectionTrait + TransactionTrait),
    store: &DocumentStore,
    processor: &PhotoProcessor,
    actor: &Actor,
    upload: Upload,
    now: DateTime<Utc>,
) -> Result<PhotoView, UploadError> {
    let policy = processor.policy();
    let row = load_own(db, actor, upload.registration_id).await?;
    let editing = editing(db, &row, now).await?;
    let document = Document::from_code(&upload.document).ok_or(ServiceError::NotFound)?;
    check_document_allowed(&editing, document)?;
    if let Some(id) = upload.replaces {
        live_photos(row.id, document)
            .filter(document_photo::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound)?;
    }
    check_room(db, row.id, document, upload.replaces.is_some(), policy).await?;
    count_upload(db, row.account_id, policy, now).await?;
    let processed = processor
        .process(upload.bytes)
        .await
        .map_err(|e| ServiceError::Invalid(vec![e.problem()]))?;
    let name = uuid::Uuid::new_v4().simple().to_string();
    let key = |size: &str| format!("registrations/{}/{name}-{size}.jpg", row.id);
    let keys = StoredKeys {
        full: key("full"),
        review: key("review"),
        thumb: key("thumb"),
    };
    let bytes = i64::try_from(processed.full.len()).unwrap_or(i64::MAX);
    let width = i32::try_from(processed.width).unwrap_or(i32::MAX);
    let height = i32::try_from(processed.height).unwrap_or(i32::MAX);
    if let Err(error) = put_all(store, &keys, processed).await {
        delete_files(store, keys.all()).await;
        return Err(error.into());
    }
    let photo = document_photo::ActiveModel {
        registration_id: Set(row.id),
        document: Set(document),
        full_key: Set(keys.full.clone()),
        review_key: Set(keys.review.clone()),
        thumb_key: Set(keys.thumb.clone()),
        width: Set(width),
        height: Set(height),
        bytes: Set(bytes),
        uploaded_at: Set(now),
        removed_at: Set(None),
        sweep_claimed_until: Set(None),
        ..Default::default()
    };
    let slot = Slot {
        registration_id: row.id,
        document,
        replaces: upload.replaces,
    };
    let saved = match save_photo(db, actor, slot, photo, policy, now).await {
        Ok(saved) => saved,
        Err(error) => {
            delete_files(store, keys.all()).await;
            return Err(error.into());
        }
    };
    Ok(PhotoView {
        id: saved.id,
        width,
        height,
        bytes,
    })
}

/// Stores what an upload makes of a photo: the full size and the thumbnail (the reviewer's
/// copy is made on first view, see [`photo`]).
async fn put_all(
    store: &DocumentStore,
    keys: &StoredKeys,
    processed: Processed,
) -> Result<(), ServiceError> {
    store.put(&keys.full, processed.full).await?;
    store.put(&keys.thumb, processed.thumb).await
}

/// The current (not replaced or removed) photos of one document of a registration.
fn live_photos(
    registration_id: i32,
    document: Document,
) -> sea_orm::Select<document_photo::Entity> {
    document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(registration_id))
        .filter(document_photo::Column::Document.eq(document))
        .filter(document_photo::Column::RemovedAt.is_null())
}

/// Refuses a photo that would go over the caps: photos kept for the registration (replaced
/// and removed ones count until the sweep deletes them) and current photos of the document
/// (`replacing`: one of them is about to be replaced).
async fn check_room(
    db: &impl ConnectionTrait,
    registration_id: i32,
    document: Document,
    replacing: bool,
    policy: UploadPolicy,
) -> Result<(), ServiceError> {
    let kept = document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(registration_id))
        .count(db)
        .await?;
    if kept >= policy.per_registration {
        let limit = policy.per_registration;
        let grace = minutes(policy.removed_grace);
        return Err(ServiceError::invalid(
            "photo",
            &format!(
                "这份报名已保存 {limit} 张照片（含已替换、删除的），不能再上传。草稿中替换或删除的照片约 {grace} 分钟后释放名额；如仍需上传，请联系学校。"
            ),
            &format!(
                "This registration already keeps {limit} photos (replaced and removed ones included): no more can be uploaded. Photos replaced or removed in a draft free their place after about {grace} minutes; otherwise contact the school."
            ),
        ));
    }
    let live = live_photos(registration_id, document).count(db).await?;
    let after = if replacing {
        live.saturating_sub(1)
    } else {
        live
    };
    if after >= policy.per_document {
        let limit = policy.per_document;
        return Err(ServiceError::invalid(
            "photo",
            &format!("每份材料最多 {limit} 张照片，请替换或删除已有照片。"),
            &format!("At most {limit} photos a document: replace or remove one first."),
        ));
    }
    Ok(())
}

/// Whole minutes of `duration`, rounded up, at least one: what a parent is told.
fn minutes(duration: Duration) -> u64 {
    duration.as_secs().div_ceil(60).max(1)
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or_else(|_| chrono::Duration::days(3650))
}

/// Counts an upload against its account's rate, or refuses it.
///
/// The count lives in the database, not in this process (see [`UploadPolicy`]): an attempt
/// first writes its row, then counts the rows of the window. Whichever attempt counts last
/// sees every row written before it, so that no more than the limit pass however many
/// arrive at once (a burst may see one or two more refused than strictly needed). A
/// refused attempt is forgotten, so that knocking again does not push the wait further.
async fn count_upload(
    db: &impl ConnectionTrait,
    account_id: i32,
    policy: UploadPolicy,
    now: DateTime<Utc>,
) -> Result<(), UploadError> {
    let window = chrono_duration(policy.window);
    let since = now - window;
    let attempt = upload_attempt::ActiveModel {
        account_id: Set(account_id),
        attempted_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let in_window = || {
        upload_attempt::Entity::find()
            .filter(upload_attempt::Column::AccountId.eq(account_id))
            .filter(upload_attempt::Column::AttemptedAt.gt(since))
    };
    if in_window().count(db).await? <= policy.per_window {
        return Ok(());
    }
    upload_attempt::Entity::delete_by_id(attempt.id)
        .exec(db)
        .await?;
    let oldest = in_window()
        .order_by_asc(upload_attempt::Column::AttemptedAt)
        .one(db)
        .await?;
    let free_at = oldest.map_or(now, |a| a.attempted_at + window);
    let retry_after = (free_at - now)
        .to_std()
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_secs(1));
    let (limit, per, wait) = (
        policy.per_window,
        minutes(policy.window),
        minutes(retry_after),
    );
    tracing::warn!(
        account = account_id,
        "upload refused: over the account's upload rate"
    );
    Err(UploadError::TooFrequent {
        retry_after,
        problem: FieldProblem::new(
            "photo",
            format!(
                "上传过于频繁：每个账号 {per} 分钟内最多上传 {limit} 张照片。请在约 {wait} 分钟后再试。"
            ),
            format!(
                "Too many uploads: at most {limit} photos every {per} minutes for one account. Try again in about {wait} minutes."
            ),
        ),
    })
}

/// Locks the registration and checks again, inside the transaction about to write, that
/// the parent may change it now; what they may change comes back.
///
/// The first statement writes (an UPDATE that changes nothing): it takes SQLite's write
/// lock and PostgreSQL's row lock on the registration. A submit, itself an UPDATE of that
/// row, has then either committed before (and is seen by the read that follows) or waits
/// until this transaction ends.
async fn hold_editable(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    registration_id: i32,
    now: DateTime<Utc>,
) -> Result<Editing, ServiceError> {
    registrations::hold(registration_id).exec(txn).await?;
    let row = load_own(txn, actor, registration_id).await?;
    editing(txn, &row, now).await
}

/// Writes a processed photo's row (and marks the photo it replaces), after checking again
/// under the registration's lock that it may be changed and has room.
async fn save_photo(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    slot: Slot,
    photo: document_photo::ActiveModel,
    policy: UploadPolicy,
    now: DateTime<Utc>,
) -> Result<document_photo::Model, ServiceError> {
    let Slot {
        registration_id,
        document,
        replaces,
    } = slot;
    let txn = db.begin().await?;
    let editing = hold_editable(&txn, actor, registration_id, now).await?;
    check_document_allowed(&editing, document)?;
    if let Some(old) = replaces {
        let replaced = document_photo::Entity::update_many()
            .col_expr(document_photo::Column::RemovedAt, Expr::value(now))
            .filter(document_photo::Column::Id.eq(old))
            .filter(document_photo::Column::RegistrationId.eq(registration_id))
            .filter(document_photo::Column::Document.eq(document))
            .filter(document_photo::Column::RemovedAt.is_null())
            .exec(&txn)
            .await?;
        if replaced.rows_affected != 1 {
            // Replaced or removed meanwhile, from another page.
            return Err(ServiceError::Conflict);
        }
    }
    check_room(&txn, registration_id, document, false, policy).await?;
    let saved = photo.insert(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes stored objects, logging (not failing on) what the store refuses: used where
/// the photo is refused anyway.
async fn delete_files(store: &DocumentStore, keys: [&str; 3]) {
    for key in keys {
        if let Err(error) = store.delete(key).await {
            tracing::warn!(error = %error, "deleting a refused photo's file failed");
        }
    }
}

/// Removes a photo: no longer counted or shown; its files are deleted after the grace
/// period by [`sweep_removed_photos`] (never for a registration once submitted). Checked
/// again inside the transaction that marks it, as an upload is.
pub async fn remove(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    photo_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    actor.require_parent()?;
    let photo = document_photo::Entity::find_by_id(photo_id)
        .one(db)
        .await?
        .filter(|p| p.removed_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let row = load_own(db, actor, photo.registration_id).await?;
    let editing = editing(db, &row, now).await?;
    check_document_allowed(&editing, photo.document)?;
    let txn = db.begin().await?;
    let editing = hold_editable(&txn, actor, photo.registration_id, now).await?;
    check_document_allowed(&editing, photo.document)?;
    let removed = document_photo::Entity::update_many()
        .col_expr(document_photo::Column::RemovedAt, Expr::value(now))
        .filter(document_photo::Column::Id.eq(photo.id))
        .filter(document_photo::Column::RemovedAt.is_null())
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

/// Photos one sweep round deletes at most.
const SWEEP_BATCH: u64 = 50;
/// How long a sweeper's claim on a photo holds: one that dies lets it go after this.
const SWEEP_LEASE: Duration = Duration::from_secs(120);

/// Ids of registrations never submitted: only their photos are ever swept. A registration
/// once submitted keeps every photo, replaced ones included, as the school saw them.
fn never_submitted() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::SubmittedAt.is_null())
        .to_owned()
}

/// Ids of drafts deleted before `cutoff`: nobody can open their photos any more.
fn deleted_drafts(cutoff: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::SubmittedAt.is_null())
        .and_where(registration::Column::State.eq(RegistrationState::Deleted))
        .and_where(registration::Column::DeletedAt.lte(cutoff))
        .to_owned()
}

/// Deletes from storage, then from the database, the photos replaced or removed (or left
/// in a deleted draft) longer than the grace period ago, of registrations never
/// submitted; and forgets upload attempts older than the rate's window. Each photo is
/// claimed first by a conditional update, so that several app servers sweeping at once
/// never work on the same photo; a claim left by a server that died expires after a
/// lease. Returns how many photos were deleted.
pub async fn sweep_removed_photos(
    db: &impl ConnectionTrait,
    store: &DocumentStore,
    policy: UploadPolicy,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let cutoff = now - chrono_duration(policy.removed_grace);
    let due = || {
        Where::all()
            .add(document_photo::Column::RegistrationId.in_subquery(never_submitted()))
            .add(
                Where::any()
                    .add(document_photo::Column::RemovedAt.lte(cutoff))
                    .add(
                        document_photo::Column::RegistrationId.in_subquery(deleted_drafts(cutoff)),
                    ),
            )
            .add(
                Where::any()
                    .add(document_photo::Column::SweepClaimedUntil.is_null())
                    .add(document_photo::Column::SweepClaimedUntil.lt(now)),
            )
    };
    let photos = document_photo::Entity::find()
        .filter(due())
        .order_by_asc(document_photo::Column::Id)
        .limit(SWEEP_BATCH)
        .all(db)
        .await?;
    let mut swept = 0;
    for photo in photos {
        let claimed = document_photo::Entity::update_many()
            .col_expr(
                document_photo::Column::SweepClaimedUntil,
                Expr::value(now + chrono_duration(SWEEP_LEASE)),
            )
            .filter(document_photo::Column::Id.eq(photo.id))
            .filter(due())
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let mut deleted = true;
        for key in [&photo.full_key, &photo.review_key, &photo.thumb_key] {
            if let Err(error) = store.delete(key).await {
                // The claim expires and a later round tries again.
                tracing::warn!(photo = photo.id, error = %error, "deleting a removed photo failed");
                deleted = false;
                break;
            }
        }
        if deleted {
            document_photo::Entity::delete_many()
                .filter(document_photo::Column::Id.eq(photo.id))
                .exec(db)
                .await?;
            swept += 1;
        }
    }
    upload_attempt::Entity::delete_many()
        .filter(upload_attempt::Column::AttemptedAt.lte(now - chrono_duration(policy.window)))
        .exec(db)
        .await?;
    Ok(swept)
}

/// Runs [`sweep_removed_photos`] until the task is dropped: again at once while full
/// batches keep coming, else after the policy's interval. Started once per app server, as
/// the outbox worker is.
pub fn spawn_photo_sweeper(
    db: DatabaseConnection,
    store: DocumentStore,
    policy: UploadPolicy,
    clock: Clock,
) -> tokio::task::JoinHandle<()> {
    crate::server::infra::background::spawn(async move {
        loop {
            let pause = match sweep_removed_photos(&db, &store, policy, clock.now()).await {
                Ok(swept) if swept >= SWEEP_BATCH => Duration::from_millis(50),
                Ok(swept) => {
                    if swept > 0 {
                        tracing::info!(swept, "deleted replaced and removed photos");
                    }
                    policy.sweep_interval
                }
                Err(error) => {
                    tracing::error!(error = %error, "photo sweep failed");
                    policy.sweep_interval
                }
            };
            tokio::time::sleep(pause).await;
        }
    })
}

/// Which copy of a photo.
/// While the school's requested changes are open, only the documents it named can change.
fn check_document_allowed(editing: &Editing, document: Document) -> Result<(), ServiceError> {
    match editing {
        Editing::Requested(request) if !request.allows_document(document) => {
            Err(ServiceError::Invalid(vec![FieldProblem::new(
                "photo",
                "学校没有要求更换这份材料的照片，无需改动。",
                "The school did not ask to change this document's photos: leave them as they are.",
            )]))
        }
        _ => Ok(()),
    }
}

/// A photo's bytes, for its registrant and the guardians who follow it, staff of its school once submitted, and the
/// bureau's administrators; anyone else finds nothing. Every view by staff is recorded in
/// the audit log (the photo, its document and the copy asked for) before the bytes are
/// returned; the registrant's own views are not.
pub async fn photo(
    db: &impl ConnectionTrait,
    store: &DocumentStore,
    request: &crate::server::infra::audit::Request,
    processor: &PhotoProcessor,
    photo_id: i32,
    size: PhotoSize,
) -> Result<Vec<u8>, ServiceError> {
    let actor = &request.actor;
    if *actor == Actor::Anonymous {
        return Err(ServiceError::Unauthenticated);
    }
    let photo = document_photo::Entity::find_by_id(photo_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let row = registration::Entity::find_by_id(photo.registration_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let state = row.state;
    let allowed = match actor {
        Actor::Parent { account_id } => {
            state != RegistrationState::Deleted
                && photo.removed_at.is_none()
                && (*account_id == row.account_id
                    || crate::server::services::followers::follows(db, actor, row.id).await?)
        }
        Actor::Staff(staff) => {
            let submitted = row.sent_to_school();
            let bureau = school::Entity::find_by_id(row.school_id)
                .one(db)
                .await?
                .map(|s| s.bureau_id);
            submitted
                && match staff.role {
                    StaffRole::Reviewer => staff.school_id == Some(row.school_id),
                    StaffRole::BureauAdmin => {
                        staff.bureau_id.is_none() || staff.bureau_id == bureau
                    }
                    StaffRole::PointStaff => false,
                }
        }
        Actor::Anonymous => false,
    };
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    let bytes = match size {
        PhotoSize::Full => store.get(&photo.full_key).await?,
        PhotoSize::Thumb => store.get(&photo.thumb_key).await?,
        PhotoSize::Review => review_copy(store, processor, &photo).await?,
    };
    if matches!(actor, Actor::Staff(_)) {
        crate::server::infra::audit::record(
            db,
            request,
            crate::server::infra::audit::AuditAction::PhotoView,
            "registration",
            Some(row.id),
            serde_json::json!({
                "photo": photo.id,
                "document": photo.document,
                "size": size.code(),
            }),
        )
        .await?;
    }
    Ok(bytes)
}

/// A photo's reviewer copy: stored, or made now from the full size and stored (the first
/// view, usually a reviewer's, days after the upload). Two servers making it at once
/// write the same bytes under the same key.
async fn review_copy(
    store: &DocumentStore,
    processor: &PhotoProcessor,
    photo: &document_photo::Model,
) -> Result<Vec<u8>, ServiceError> {
    if let Some(bytes) = store.get_if_present(&photo.review_key).await? {
        return Ok(bytes);
    }
    let full = store.get(&photo.full_key).await?;
    let review = processor.review_copy(full).await.map_err(|e| match e {
        PhotoError::Busy => ServiceError::Busy,
        other => {
            ServiceError::Unexpected(format!("the reviewer's copy of a stored photo: {other}"))
        }
    })?;
    store.put(&photo.review_key, review.clone()).await?;
    Ok(review)
}
