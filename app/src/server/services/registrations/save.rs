//! Saving one section: one read, one plan, one write (the version claim with the answers).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, IdenStatic,
    QueryFilter, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};

use super::{
    SectionAnswers,
    queries::{Basis, Editing, StoredSections, child_id_of, editing_in},
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
/// A save reads once (the registration with what decides the rules and its sections, in
/// one query with the other saves reading at the same moment, and the registries' answers
/// when the parent consented), outside any transaction, and writes
/// once: the registration's version claim (which fails when anything changed since the
/// read, and then the save is planned again) and the section, in one transaction that the
/// saves waiting at the same moment share ([`SaveQueue`]: one commit for all), on both
/// databases.
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
        // Reads before any lock; the write with every other save waiting.
        match plan_save(db, saves, request).await? {
            SavePlan::Answer(outcome) => return Ok(outcome),
            SavePlan::Write(write) => {
                let outcome = write.outcome.clone();
                if saves.write(db, write, request.now).await? {
                    return Ok(outcome);
                }
            }
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
    db: &DatabaseConnection,
    saves: &SaveQueue,
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
    let (basis, stored) = saves.read(db, id, actor.require_parent()?).await?;
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
    } = stored;
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

/// Writes planned saves in `txn`, in two statements whatever their number: the version
/// claims of their registrations, then their sections. A save whose registration moved
/// since it was read (or whose registration another save of the same batch claimed first)
/// is answered `false` and nothing of it is written. Every save of a section claims its
/// registration's version first, so a section that moved while its registration did not
/// is an error, and the transaction must not be committed.
pub(crate) async fn write_saves(
    txn: &DatabaseTransaction,
    writes: &[(&SaveWrite, DateTime<Utc>)],
) -> Result<Vec<bool>, ServiceError> {
    let Some(latest) = writes.iter().map(|(_, now)| *now).max() else {
        return Ok(Vec::new());
    };
    // The first statement writes: it takes SQLite's write lock and PostgreSQL's row locks,
    // so that saves of one registration queue here; a later one finds the version moved.
    let claims = writes.iter().fold(Condition::any(), |any, (write, _)| {
        any.add(
            Condition::all()
                .add(registration::Column::Id.eq(write.registration_id))
                .add(registration::Column::Version.eq(write.registration_version))
                .add(registration::Column::State.eq(write.state)),
        )
    });
    let mut claim = super::change_all(latest).filter(claims).into_query();
    claim.returning(
        Query::returning().columns([registration::Column::Id, registration::Column::Version]),
    );
    let mut claimed = BTreeSet::new();
    for row in txn.query_all(&claim).await? {
        let id: i32 = row.try_get("", registration::Column::Id.as_str())?;
        let version: i64 = row.try_get("", registration::Column::Version.as_str())?;
        claimed.insert((id, version - 1));
    }
    // Each claim is won once: by the first save of the batch that read that version.
    let won: Vec<bool> = writes
        .iter()
        .map(|(write, _)| claimed.remove(&(write.registration_id, write.registration_version)))
        .collect();

    let mut sections = Query::insert();
    sections
        .into_table(registration_section::Entity)
        .columns([
            registration_section::Column::RegistrationId,
            registration_section::Column::Section,
            registration_section::Column::Data,
            registration_section::Column::Provenance,
            registration_section::Column::Completed,
            registration_section::Column::UpdatedAt,
            registration_section::Column::Version,
        ])
        .on_conflict(
            OnConflict::columns([
                registration_section::Column::RegistrationId,
                registration_section::Column::Section,
            ])
            .update_columns([
                registration_section::Column::Data,
                registration_section::Column::Provenance,
                registration_section::Column::Completed,
                registration_section::Column::UpdatedAt,
                registration_section::Column::Version,
            ])
            // Only over the version the save read (none stored: 0, nothing to update).
            .action_and_where(
                Expr::col((
                    registration_section::Entity,
                    registration_section::Column::Version,
                ))
                .eq(Expr::col((
                    Alias::new("excluded"),
                    registration_section::Column::Version,
                ))
                .sub(1)),
            )
            .to_owned(),
        );
    let mut winners = 0;
    for ((write, now), _) in writes.iter().zip(&won).filter(|(_, won)| **won) {
        sections
            .values([
                write.registration_id.into(),
                write.kind.code().into(),
                write.data.clone().into(),
                write.provenance.clone().into(),
                write.completed.into(),
                (*now).into(),
                (write.section_version + 1).into(),
            ])
            .map_err(|e| ServiceError::Unexpected(format!("section write: {e}")))?;
        winners += 1;
    }
    if winners > 0 {
        let written = txn.execute(&sections).await?;
        if written.rows_affected() != winners {
            return Err(ServiceError::Unexpected(
                "a section moved without its registration".into(),
            ));
        }
    }
    Ok(won)
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
