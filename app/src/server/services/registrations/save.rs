//! Saving one section: one read, one plan, one write (the version claim with the answers).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, Set, TransactionTrait, sea_query::Expr,
};

use super::{
    SectionAnswers,
    queries::{Basis, Editing, StoredSections, basis_of, child_id_of, editing_in, sections_of},
};
use crate::{
    api::registrations::SaveOutcome,
    domain::{
        RegistrationState, SectionData, SectionKind, SectionStatus,
        merge::{changed_fields, merge_answers},
        provenance::{Provenance, clean_corrections, correction_reason, derive_provenance},
        registration::section_statuses,
        review::ChangeRequest,
        sections::{self, SectionContext},
    },
    error::FieldProblem,
    server::{
        entities::{registration, registration_section},
        failure::ServiceError,
        infra::auth::Actor,
        infra::crypto,
        infra::registry::Registries,
        services::prefill,
        services::registrations::group_commit::SaveQueue,
    },
};

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
    let started = std::time::Instant::now();
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
    let result = save(db, saves, &request).await;
    let outcome = match &result {
        Ok(SaveOutcome::Saved { merged: None, .. }) => "saved",
        Ok(SaveOutcome::Saved { .. }) => "merged",
        Ok(SaveOutcome::Conflict { .. }) | Err(ServiceError::Conflict) => "conflict",
        Err(_) => "error",
    };
    crate::server::infra::measure::autosave(outcome, started.elapsed());
    result
}

/// [`save_section`]'s work: plans and writes, again when the version moved meanwhile.
async fn save(
    db: &DatabaseConnection,
    saves: &SaveQueue,
    request: &SaveRequest<'_>,
) -> Result<SaveOutcome, ServiceError> {
    for _ in 0..SAVE_ATTEMPTS {
        if db.get_database_backend() == DbBackend::Sqlite {
            // Reads before the write lock; the write with every other save waiting.
            match plan_save(db, request).await? {
                SavePlan::Answer(outcome) => return Ok(outcome),
                SavePlan::Write(write) => {
                    let outcome = write.outcome.clone();
                    if saves.write(db, write, request.now).await? {
                        return Ok(outcome);
                    }
                }
            }
        } else {
            let txn = db.begin().await?;
            let write = match plan_save(&txn, request).await? {
                SavePlan::Answer(outcome) => {
                    txn.rollback().await?;
                    return Ok(outcome);
                }
                SavePlan::Write(write) => write,
            };
            if write_save(&txn, &write, request.now).await? {
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
    state: RegistrationState,
    kind: SectionKind,
    section_version: i64,
    data: String,
    provenance: String,
    completed: bool,
    outcome: SaveOutcome,
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
    let subsystem = row.subsystem;
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
        state: row.state,
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
    let claimed = super::change(write.registration_id, Some(write.registration_version), now)
        .filter(registration::Column::State.eq(write.state))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(false);
    }
    let section_version = write.section_version + 1;
    if write.section_version == 0 {
        registration_section::ActiveModel {
            registration_id: Set(write.registration_id),
            section: Set(write.kind),
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
            .filter(registration_section::Column::Section.eq(write.kind))
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
