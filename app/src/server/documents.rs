//! Documents: the materials table, what each registration needs, and the photos parents
//! upload for it. Photos are served only to the registrant and to staff of the
//! registration's school (and its bureau's administrators); anyone else finds nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition as Where, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::{
    domain::{
        RegistrationState, SectionData, SectionKind, StaffRole,
        materials::{self, Condition, MaterialItem, MaterialRule, PhotoView},
        provenance::{Document, Provenance},
    },
    error::FieldProblem,
    i18n::LocalizedText,
    server::{
        auth::Actor,
        entities::{document_photo, entry, material_rule, registration, school},
        failure::ServiceError,
        photos::PhotoProcessor,
        registrations::{Editing, editing, load_own, state_of},
        storage::DocumentStore,
    },
};

/// Most photos kept for one document (a household register has several pages).
pub const MAX_PHOTOS_PER_DOCUMENT: u64 = 6;

fn text(zh: &str, en: &str) -> LocalizedText {
    LocalizedText {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

fn rule_of(row: &material_rule::Model, entry: Option<&entry::Model>) -> Option<MaterialRule> {
    Some(MaterialRule {
        document: Document::from_code(&row.document)?,
        condition: Condition::from_code(&row.condition)?,
        required: row.required,
        explanation: text(&row.explanation_zh, &row.explanation_en),
        example: text(&row.example_zh, &row.example_en),
        entry: entry.map(|e| text(&e.name_zh, &e.name_en)),
    })
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
        .filter_map(|r| rule_of(r, None))
        .collect();
    for e in &entries {
        rules.extend(
            rows.iter()
                .filter(|r| r.entry_id == Some(e.id))
                .filter_map(|r| rule_of(r, Some(e))),
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
    let rules: Vec<MaterialRule> = material_rule::Entity::find()
        .filter(material_rule::Column::BureauId.eq(school.bureau_id))
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
        .filter_map(|r| rule_of(r, None))
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
            .filter(|p| p.document == item.document.code())
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

/// Checks, re-encodes and stores a photo of a document the registration needs.
pub async fn upload(
    db: &impl ConnectionTrait,
    store: &DocumentStore,
    processor: &PhotoProcessor,
    actor: &Actor,
    upload: Upload,
    now: DateTime<Utc>,
) -> Result<PhotoView, ServiceError> {
    let row = load_own(db, actor, upload.registration_id).await?;
    let editing = editing(db, &row, now).await?;
    let document = Document::from_code(&upload.document).ok_or(ServiceError::NotFound)?;
    check_document_allowed(&editing, document)?;
    let current = document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(row.id))
        .filter(document_photo::Column::Document.eq(document.code()))
        .filter(document_photo::Column::RemovedAt.is_null());
    let replaced = match upload.replaces {
        Some(id) => Some(
            current
                .clone()
                .filter(document_photo::Column::Id.eq(id))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?,
        ),
        None => None,
    };
    if replaced.is_none() && current.count(db).await? >= MAX_PHOTOS_PER_DOCUMENT {
        return Err(ServiceError::Invalid(vec![FieldProblem::new(
            "photo",
            format!("每份材料最多 {MAX_PHOTOS_PER_DOCUMENT} 张照片，请替换或删除已有照片。"),
            format!(
                "At most {MAX_PHOTOS_PER_DOCUMENT} photos a document: replace or remove one first."
            ),
        )]));
    }
    let processed = processor
        .process(upload.bytes)
        .await
        .map_err(|e| ServiceError::Invalid(vec![e.problem()]))?;
    let name = uuid::Uuid::new_v4().simple().to_string();
    let key = |size: &str| format!("registrations/{}/{name}-{size}.jpg", row.id);
    let (full_key, review_key, thumb_key) = (key("full"), key("review"), key("thumb"));
    let bytes = i64::try_from(processed.full.len()).unwrap_or(i64::MAX);
    store.put(&full_key, processed.full).await?;
    store.put(&review_key, processed.review).await?;
    store.put(&thumb_key, processed.thumb).await?;
    let width = i32::try_from(processed.width).unwrap_or(i32::MAX);
    let height = i32::try_from(processed.height).unwrap_or(i32::MAX);
    let saved = document_photo::ActiveModel {
        registration_id: Set(row.id),
        document: Set(document.code().to_owned()),
        full_key: Set(full_key),
        review_key: Set(review_key),
        thumb_key: Set(thumb_key),
        width: Set(width),
        height: Set(height),
        bytes: Set(bytes),
        uploaded_at: Set(now),
        removed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if let Some(old) = replaced {
        let mut old: document_photo::ActiveModel = old.into();
        old.removed_at = Set(Some(now));
        old.update(db).await?;
    }
    Ok(PhotoView {
        id: saved.id,
        width,
        height,
        bytes,
    })
}

/// Removes a photo (kept for the audit trail, no longer counted or shown).
pub async fn remove(
    db: &impl ConnectionTrait,
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
    if let Some(document) = Document::from_code(&photo.document) {
        check_document_allowed(&editing, document)?;
    }
    let mut photo: document_photo::ActiveModel = photo.into();
    photo.removed_at = Set(Some(now));
    photo.update(db).await?;
    Ok(())
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoSize {
    Full,
    Review,
    Thumb,
}

impl PhotoSize {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "full" => Some(Self::Full),
            "review" => Some(Self::Review),
            "thumb" => Some(Self::Thumb),
            _ => None,
        }
    }
}

/// A photo's bytes, for its registrant, staff of its school once submitted, and the
/// bureau's administrators; anyone else finds nothing.
pub async fn photo(
    db: &impl ConnectionTrait,
    store: &DocumentStore,
    actor: &Actor,
    photo_id: i32,
    size: PhotoSize,
) -> Result<Vec<u8>, ServiceError> {
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
    let state = state_of(&row)?;
    let allowed = match actor {
        Actor::Parent { account_id } => {
            *account_id == row.account_id
                && state != RegistrationState::Deleted
                && photo.removed_at.is_none()
        }
        Actor::Staff(staff) => {
            let submitted = !matches!(state, RegistrationState::Draft | RegistrationState::Deleted);
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
    let key = match size {
        PhotoSize::Full => &photo.full_key,
        PhotoSize::Review => &photo.review_key,
        PhotoSize::Thumb => &photo.thumb_key,
    };
    store.get(key).await
}
