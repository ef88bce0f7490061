//! Checking, submitting and deleting a registration.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::Expr,
};

use super::queries::{
    StoredSections, answers_of, child_id_of, load_own, required_sections, review_facts,
    sections_of, window_open,
};
use crate::{
    domain::{
        RegistrationState, SectionData, SectionKind, Subsystem,
        sections::{self, SectionContext},
    },
    error::FieldProblem,
    server::{
        entities::registration,
        failure::ServiceError,
        infra::{auth::Actor, crypto},
        services::{appointments, documents},
    },
};

/// What a registration sent to the school keeps beside its sealed answers.
pub(crate) struct Facts {
    pub child_name: Option<String>,
    pub hand_entered: bool,
    /// 1 for enrollment, the grade a transfer asks for.
    pub grade: Option<i32>,
    /// The keyed hash of both guardians' ID numbers (`guardian_pair`).
    pub family_key: Option<String>,
}

impl Facts {
    /// `update` also writing these facts.
    pub(crate) fn kept_by(
        self,
        update: sea_orm::UpdateMany<registration::Entity>,
    ) -> sea_orm::UpdateMany<registration::Entity> {
        update
            .col_expr(
                registration::Column::ChildName,
                Expr::value(self.child_name),
            )
            .col_expr(
                registration::Column::HandEntered,
                Expr::value(self.hand_entered),
            )
            .col_expr(registration::Column::Grade, Expr::value(self.grade))
            .col_expr(
                registration::Column::FamilyKey,
                Expr::value(self.family_key),
            )
    }
}

/// Whether a registration can go to the school — submitted the first time or sent back
/// after changes: every required section answered without a problem and every required
/// document uploaded; else every problem at once. Gives what the reviewers' queue shows of
/// it: the child's name, whether any answer was typed by hand, the grade and the family key.
pub(crate) async fn ready_to_send(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<Facts, ServiceError> {
    let stored = sections_of(db, row.id).await?;
    let problems = problems_of(db, row, &stored.answers, now).await?;
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(
            problems.into_iter().map(|(_, p)| p).collect(),
        ));
    }
    let missing = documents_missing(db, row, &stored).await?;
    if !missing.is_empty() {
        return Err(ServiceError::Invalid(missing));
    }
    let (child_name, hand_entered) = review_facts(&stored);
    let grade = match row.subsystem {
        Subsystem::Enrollment => Some(1),
        Subsystem::Transfer => stored
            .answers
            .get(&SectionKind::Child)
            .and_then(|d| d.get(sections::field::child::TARGET_GRADE))
            .and_then(|g| g.trim().parse::<i32>().ok()),
    };
    let family_key = guardian_pair(&stored.answers)
        .map(|pair| crypto::blind(&pair))
        .transpose()?;
    Ok(Facts {
        child_name,
        hand_entered,
        grade,
        family_key,
    })
}

/// Checks the required documents again inside the transaction that sends, after its
/// UPDATE of the registration: photos do not move the version, so one removed from another
/// device after `ready_to_send` looked is seen only now, under the registration's row (a
/// removal holds it first).
pub(crate) async fn documents_still_there(
    txn: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<(), ServiceError> {
    let stored = sections_of(txn, row.id).await?;
    let missing = documents_missing(txn, row, &stored).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(missing))
    }
}

/// The required documents without a photo, as `ready_to_send` finds them.
async fn documents_missing(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    stored: &StoredSections,
) -> Result<Vec<crate::error::FieldProblem>, ServiceError> {
    let items = documents::materials_of(db, row, &stored.answers, &stored.provenance).await?;
    Ok(documents::missing_problems(&items))
}

/// Both guardians' ID numbers as the guardian section gives them, in order: what two
/// registrations of one household share. None unless both are given.
fn guardian_pair(answers: &BTreeMap<SectionKind, SectionData>) -> Option<String> {
    use crate::domain::sections::field::guardian::{G1_ID_NUMBER, G2_ID_NUMBER, HAS_GUARDIAN2};
    let guardian = answers.get(&SectionKind::Guardian)?;
    if guardian.get(HAS_GUARDIAN2).map(String::as_str) != Some("yes") {
        return None;
    }
    let id = |field: &str| {
        guardian
            .get(field)
            .map(|v| v.trim().to_ascii_uppercase())
            .filter(|v| !v.is_empty())
    };
    let mut pair = [id(G1_ID_NUMBER)?, id(G2_ID_NUMBER)?];
    pair.sort();
    (pair[0] != pair[1]).then(|| pair.join("+"))
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
        subsystem: row.subsystem,
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
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i32,
    base_version: i64,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let row = load_own(db, actor, id).await?;
    let state = row.state;
    if state == RegistrationState::Submitted && Some(row.version) == base_version.checked_add(1) {
        return Ok(row.reference);
    }
    if !window_open(db, row.school_id, row.subsystem, row.school_year, now).await? {
        return Err(ServiceError::Closed);
    }
    if state != RegistrationState::Draft {
        return Err(ServiceError::Locked);
    }
    if row.version != base_version {
        return Err(ServiceError::Conflict);
    }
    let facts = ready_to_send(db, &row, now).await?;
    // A school whose draw list is committed takes no one more: sent now, it could never be
    // reviewed or drawn. Asked under the school's list, so a draw committed meanwhile is seen.
    let txn = db.begin().await?;
    crate::server::services::admission::hold_list(&txn, row.school_id).await?;
    if let Some(grade) = facts.grade
        && crate::server::services::draws::has_draw(
            &txn,
            row.school_id,
            row.subsystem,
            grade,
            row.school_year,
        )
        .await?
    {
        return Err(ServiceError::invalid(
            "school_id",
            "该校本年级的派位名单已经确定，不能再提交报名。请联系教体局咨询。",
            "This school's draw list for the grade is committed: no more registrations can be sent. Contact the bureau.",
        ));
    }
    let done = facts
        .kept_by(super::change(row.id, Some(base_version), now))
        .col_expr(
            registration::Column::State,
            Expr::value(RegistrationState::Submitted),
        )
        .col_expr(registration::Column::SubmittedAt, Expr::value(now))
        .filter(registration::Column::State.eq(RegistrationState::Draft))
        .exec(&txn)
        .await?;
    if done.rows_affected == 1 {
        documents_still_there(&txn, &row).await?;
    }
    txn.commit().await?;
    if done.rows_affected == 1 {
        tracing::info!(registration = row.id, "registration submitted");
        // The other parent the household register names may follow it. The submission
        // stands whatever happens here.
        if let Err(error) =
            crate::server::services::followers::name_from_register(db, &row, now).await
        {
            tracing::warn!(registration = row.id, error = %error, "naming the register's other parent failed");
        }
        return Ok(row.reference);
    }
    // Someone else moved it: a concurrent retry of this same submit is success.
    let fresh = registration::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if fresh.state == RegistrationState::Submitted
        && Some(fresh.version) == base_version.checked_add(1)
    {
        Ok(fresh.reference)
    } else {
        Err(ServiceError::Conflict)
    }
}

/// Deletes a registration while the window is open, before any review has started or once
/// the school did not pass it (`RegistrationState::is_deletable`); frees the
/// child's ID number, the account's slot and the place of its on-site appointment (unless
/// the family has been seen there). The row is kept for audit.
pub async fn delete(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i32,
    base_version: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let row = load_own(db, actor, id).await?;
    let state = row.state;
    if !window_open(db, row.school_id, row.subsystem, row.school_year, now).await? {
        return Err(ServiceError::Closed);
    }
    if !state.is_deletable() {
        return Err(ServiceError::Locked);
    }
    let txn = db.begin().await?;
    let done = super::change(row.id, Some(base_version), now)
        .col_expr(
            registration::Column::State,
            Expr::value(RegistrationState::Deleted),
        )
        .col_expr(
            registration::Column::ActiveChildKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::ActiveSlot,
            Expr::value(Option::<String>::None),
        )
        .col_expr(registration::Column::DeletedAt, Expr::value(now))
        .filter(registration::Column::State.is_in([
            RegistrationState::Draft,
            RegistrationState::Submitted,
            RegistrationState::Rejected,
        ]))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    appointments::release_for(&txn, row.id).await?;
    txn.commit().await?;
    tracing::info!(registration = row.id, "registration deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::guardian_pair;
    use crate::domain::{SectionData, SectionKind};

    fn guardians(pairs: &[(&str, &str)]) -> BTreeMap<SectionKind, SectionData> {
        let data: SectionData = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        BTreeMap::from([(SectionKind::Guardian, data)])
    }

    #[test]
    fn two_registrations_naming_the_same_two_guardians_in_any_order_share_a_pair() {
        let father = "370202198805120311";
        let mother = "370202199008230424";
        let one = guardians(&[
            ("g1_id_number", father),
            ("has_guardian2", "yes"),
            ("g2_id_number", mother),
        ]);
        let other = guardians(&[
            ("g1_id_number", mother),
            ("has_guardian2", "yes"),
            ("g2_id_number", &father.to_lowercase()),
        ]);
        assert!(guardian_pair(&one).is_some());
        assert_eq!(guardian_pair(&one), guardian_pair(&other));
        // One guardian alone, or the same number twice, ties nobody.
        let alone = guardians(&[("g1_id_number", father), ("has_guardian2", "no")]);
        assert_eq!(guardian_pair(&alone), None);
        let twice = guardians(&[
            ("g1_id_number", father),
            ("has_guardian2", "yes"),
            ("g2_id_number", father),
        ]);
        assert_eq!(guardian_pair(&twice), None);
    }
}
