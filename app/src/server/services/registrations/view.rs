//! A parent's registrations as the pages show them: the list and one registration.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::queries::{
    Basis, Editing, StoredSections, answers_of, basis_and_sections_for, basis_and_sections_of,
    child_id_of, editing, editing_in, masked_child, offset_of, required_sections,
};
use crate::domain::sections::field;
use crate::{
    api::registrations::{MyRegistrations, RegistrationSummary, RegistrationView},
    domain::{
        RegistrationState, ResidentId, SectionKind, SectionStatus,
        provenance::Provenance,
        registration::{MAX_REGISTRATIONS_PER_ACCOUNT, section_statuses},
        sections::SectionContext,
    },
    i18n::LocalizedText,
    server::{
        entities::{parent_account, registration, school},
        failure::ServiceError,
        infra::auth::Actor,
        infra::registry::Registries,
        services::documents,
        services::followers,
        services::prefill,
        services::review,
    },
};

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
        .filter(registration::Column::State.ne(RegistrationState::Deleted))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    // The three places are a school year's: the fewest the account holds in a year parents
    // can register for now (each subsystem's window open now; with none open, the newest
    // opened). Where one of those years has room, another registration is offered (last
    // year's transfers, still open, filling theirs does not hide this year's enrollment).
    let windows = crate::server::entities::collection_window::Entity::find()
        .order_by_desc(crate::server::entities::collection_window::Column::SchoolYear)
        .all(db)
        .await?;
    let mut years: Vec<i32> = windows
        .iter()
        .filter(|w| w.opens_at <= now && now < w.closes_at)
        .map(|w| w.school_year)
        .collect();
    if years.is_empty() {
        years.extend(
            windows
                .iter()
                .find(|w| w.opens_at <= now)
                .map(|w| w.school_year),
        );
    }
    let held = years
        .into_iter()
        .map(|year| rows_held(&rows, year))
        .min()
        .unwrap_or(0);
    // Messages in the bureau's time (China's when there is no registration yet).
    let offset = match rows.first() {
        Some(r) => offset_of(db, r.school_id).await?,
        None => FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Offset::fix(&Utc)),
    };
    let mut registrations = Vec::with_capacity(rows.len());
    for row in rows {
        registrations.push(summary_of(db, &row, now).await?);
    }
    let mut following = Vec::new();
    for row in followers::followed_by(db, account_id).await? {
        following.push(summary_of(db, &row, now).await?);
    }
    Ok(MyRegistrations {
        messages: crate::server::services::notify::messages_of(db, account_id, offset).await?,
        registrations,
        held,
        limit: MAX_REGISTRATIONS_PER_ACCOUNT,
        identity_confirmed: account.identity_confirmed_at.is_some(),
        invitations: followers::invitations_for(db, &account).await?,
        following,
    })
}

/// The account's registrations holding one of its places in `year`.
fn rows_held(rows: &[registration::Model], year: i32) -> usize {
    rows.iter()
        .filter(|r| r.active_slot.is_some() && r.school_year == year)
        .count()
}

/// One registration as "my registrations" lists it.
async fn summary_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<RegistrationSummary, ServiceError> {
    let (entry, required) = required_sections(db, row.entry_id).await?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Unexpected("registration without school".into()))?;
    let (answers, completed) = answers_of(db, row.id).await?;
    let subsystem = row.subsystem;
    let child_id = child_id_of(row)?;
    let ctx = SectionContext {
        subsystem,
        child_id_number: &child_id,
        answers: &answers,
        today: now.date_naive(),
    };
    let statuses = section_statuses(&required, &answers, &completed, &ctx);
    Ok(RegistrationSummary {
        id: row.id,
        reference: row.reference.clone(),
        subsystem,
        school_year: row.school_year,
        state: row.state,
        child_name: answers
            .get(&SectionKind::Child)
            .and_then(|d| d.get(field::child::NAME))
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            // The name kept at submission, where the answers do not say it.
            .or_else(|| row.child_name.clone()),
        child_masked_id: masked_child(row, now),
        school: LocalizedText::new(&school.name_zh, &school.name_en),
        entry: LocalizedText::new(&entry.name_zh, &entry.name_en),
        completed_sections: statuses
            .iter()
            .filter(|(_, s)| *s == SectionStatus::Completed)
            .count(),
        required_sections: required.len(),
        editable: match editing(db, row, now).await {
            Ok(_) => true,
            Err(ServiceError::Closed | ServiceError::Locked) => false,
            Err(error) => return Err(error),
        },
    })
}

/// A registration with its answers and the state of each section.
pub async fn view(
    db: &impl ConnectionTrait,
    registries: &Registries,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<RegistrationView, ServiceError> {
    match basis_and_sections_of(db, actor, id).await {
        Ok((basis, stored)) => {
            let mut view = view_of(db, registries, basis, stored, now).await?;
            // The contact phone starts as the phone the parent signed in with (as Jinan's
            // system does): one number less to type, changed freely.
            let unsaved = view
                .section_versions
                .get(&SectionKind::Child)
                .is_none_or(|v| *v == 0);
            if view.editable && unsaved {
                view.sign_in_phone = parent_account::Entity::find_by_id(actor.require_parent()?)
                    .one(db)
                    .await?
                    .map(|a| a.phone)
                    .filter(|p| crate::domain::PhoneNumber::parse(p).is_ok());
            }
            Ok(view)
        }
        // Not the registrant's: another guardian who follows it reads it, read-only.
        Err(ServiceError::NotFound) if followers::follows(db, actor, id).await? => {
            let (basis, stored) = basis_and_sections_for(db, id, None).await?;
            Ok(view_of(db, registries, basis, stored, now)
                .await?
                .for_follower())
        }
        Err(error) => Err(error),
    }
}

async fn view_of(
    db: &impl ConnectionTrait,
    registries: &Registries,
    basis: Basis,
    stored: StoredSections,
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
    } = stored;
    let subsystem = row.subsystem;
    let state = row.state;
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
    // Only a draw's admitted (or its given-up places) have offers.
    let offer = match state {
        RegistrationState::Admitted | RegistrationState::PlaceDeclined => {
            crate::server::services::offers::view_of(db, &row, now).await?
        }
        _ => None,
    };
    // Only registrations that passed review enter a draw.
    let draw = match state {
        RegistrationState::ReviewPassed
        | RegistrationState::Admitted
        | RegistrationState::NotAdmitted
        | RegistrationState::PlaceDeclined => {
            crate::server::services::draws::link_of(db, row.id).await?
        }
        _ => None,
    };
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
        window_closes_at: window
            .as_ref()
            .map(|w| super::local_time(w.closes_at, offset)),
        editable: editing.is_some(),
        resubmittable: matches!(editing, Some(Editing::Requested(_))),
        requested_items,
        change_request,
        timeline,
        deletable: open && state.is_deletable(),
        submitted_at: row.submitted_at.map(|at| super::local_time(at, offset)),
        registry: registry.info,
        prefill: registry.prefill,
        provenance,
        materials,
        offer,
        following: false,
        draw,
        sign_in_phone: None,
    })
}
