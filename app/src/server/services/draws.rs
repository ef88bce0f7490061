//! Draws (电脑随机派位), as `docs/lottery.md` describes them. The bureau commits a school's
//! draw once review is over: the registrations that passed review, in the tiers it orders
//! from entries, siblings of one account drawn together, are frozen with their fingerprint
//! and the commitment to a secret sealed under the data key. At the draw it enters the public
//! value; the draw runs once, its admissions and waiting list become the school's admission
//! decisions (published the usual way), and the secret is revealed on the public record.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, SqlErr, TransactionTrait, sea_query::Expr,
};

use crate::{
    api::draws::{DrawResultView, DrawTierInput, DrawTierView, DrawView},
    domain::{RegistrationState, StaffRole, Subsystem, admission::AdmissionOutcome},
    i18n::LocalizedText,
    server::{
        entities::{admission_decision, draw, draw_entrant, registration, school, school_capacity},
        failure::ServiceError,
        infra::{
            audit::{self, AuditAction, Request},
            crypto,
        },
        services::{
            bureau::own_school,
            offers, prefill,
            registrations::{local_time, offset_of},
        },
    },
};

/// First grade: the grade of every enrollment draw.
const FIRST_GRADE: i32 = 1;
/// The last grade a transfer can ask for (nine years of compulsory education).
const LAST_GRADE: i32 = 9;

/// Registrations of a school still somewhere in review: the list is not final while any is.
pub(crate) const IN_REVIEW: [RegistrationState; 4] = [
    RegistrationState::Submitted,
    RegistrationState::FirstReviewPassed,
    RegistrationState::ChangesRequested,
    RegistrationState::Resubmitted,
];

/// Whose draw: a school's subsystem, grade (first grade for enrollment) and school year
/// (the current one when none is named).
pub struct DrawTarget {
    pub school_id: i32,
    pub subsystem: Subsystem,
    pub grade: Option<i32>,
    pub school_year: Option<i32>,
}

/// Commits a school's draw. Refused while registrations of the school are still in review,
/// once admissions were decided by hand, without a capacity, when a registration's entry is
/// in no tier or in two, and when the school already has a draw.
pub async fn schedule(
    db: &DatabaseConnection,
    request: &Request,
    target: DrawTarget,
    tiers: Vec<DrawTierInput>,
    answer_hours: Option<u32>,
) -> Result<DrawView, ServiceError> {
    let DrawTarget {
        school_id,
        subsystem,
        grade,
        school_year,
    } = target;
    let staff = request
        .actor
        .require_role(&[StaffRole::BureauAdmin])?
        .clone();
    let school = own_school(db, &request.actor, school_id).await?;
    // First-grade enrollment draws grade 1; a transfer draw is for one grade.
    let grade = match (subsystem, grade) {
        (Subsystem::Enrollment, None | Some(FIRST_GRADE)) => FIRST_GRADE,
        (Subsystem::Transfer, Some(grade)) if (FIRST_GRADE..=LAST_GRADE).contains(&grade) => grade,
        _ => {
            return Err(ServiceError::invalid(
                "grade",
                "请选择派位的年级（新生入学为一年级，转学为转入年级）。",
                "Choose the grade to draw (first grade for enrollment, the grade asked for by transfers).",
            ));
        }
    };
    let answer_hours = answer_hours.unwrap_or(offers::DEFAULT_ANSWER_HOURS);
    if !(1..=offers::MAX_ANSWER_HOURS).contains(&answer_hours) {
        return Err(ServiceError::invalid(
            "answer_hours",
            &format!(
                "确认期限请填写 1 到 {} 小时之间的整数。",
                offers::MAX_ANSWER_HOURS
            ),
            &format!(
                "The time to answer must be a whole number of hours from 1 to {}.",
                offers::MAX_ANSWER_HOURS
            ),
        ));
    }
    // The school's registrations for this subsystem, grade (kept at submission) and year.
    let school_year =
        crate::server::services::admission::years_of(db, school.bureau_id, subsystem, request.now)
            .await?
            .chosen(school_year)?;
    let of_school = || {
        registration::Entity::find()
            .filter(registration::Column::SchoolId.eq(school_id))
            .filter(registration::Column::Subsystem.eq(subsystem))
            .filter(registration::Column::Grade.eq(grade))
            .filter(registration::Column::SchoolYear.eq(school_year))
    };
    // Read under the school's list: a hand decision, a registration sent or a claim pressed
    // at the same moment is either seen here or waits until the list is committed.
    let txn = db.begin().await?;
    crate::server::services::admission::hold_list(&txn, school_id).await?;
    let in_review = of_school()
        .filter(registration::Column::State.is_in(IN_REVIEW))
        .count(&txn)
        .await?;
    if in_review > 0 {
        return Err(ServiceError::invalid(
            "school_id",
            &format!("本校还有 {in_review} 个报名未完成审核；审核结束后名单才能确定。"),
            &format!(
                "{in_review} registrations of this school are still in review: the list is final only when review is over."
            ),
        ));
    }
    let capacity = school_capacity::Entity::find_by_id((school_id, subsystem, grade, school_year))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(
                "school_id",
                &format!("请先在教体局设置中填写本校 {school_year} 学年{grade}年级的计划人数。"),
                &format!(
                    "Set the school's places for grade {grade} of the {school_year} school year first (bureau settings)."
                ),
            )
        })?;
    let admitted = of_school()
        .filter(registration::Column::State.eq(RegistrationState::Admitted))
        .count(&txn)
        .await?;
    let places = u32::try_from(capacity.capacity)
        .unwrap_or(0)
        .saturating_sub(u32::try_from(admitted).unwrap_or(u32::MAX));
    let eligible = of_school()
        .filter(registration::Column::State.eq(RegistrationState::ReviewPassed))
        .all(&txn)
        .await?;
    if eligible.is_empty() {
        return Err(ServiceError::invalid(
            "school_id",
            "本校本年级没有审核通过的报名，无需派位。",
            "No registration of this school and grade passed review: there is nothing to draw.",
        ));
    }
    let ids: Vec<i32> = eligible.iter().map(|r| r.id).collect();
    let decided = admission_decision::Entity::find()
        .filter(admission_decision::Column::RegistrationId.is_in(ids))
        .count(&txn)
        .await?;
    if decided > 0 {
        return Err(ServiceError::invalid(
            "school_id",
            "本校已有手工作出的录取决定，不能再安排派位。",
            "Admissions of this school were already decided by hand: no draw can be scheduled.",
        ));
    }

    // Each registration's tier, from its entry.
    let mut tier_of_entry = HashMap::new();
    for (number, tier) in tiers.iter().enumerate() {
        for entry in &tier.entry_ids {
            if tier_of_entry.insert(*entry, number).is_some() {
                return Err(ServiceError::invalid(
                    "tiers",
                    "同一个入学类别只能排在一个顺位中。",
                    "An entry can be in one tier only.",
                ));
            }
        }
    }
    let unplaced = eligible
        .iter()
        .filter(|r| !tier_of_entry.contains_key(&r.entry_id))
        .count();
    if unplaced > 0 {
        return Err(ServiceError::invalid(
            "tiers",
            &format!("有 {unplaced} 个报名的入学类别不在任何顺位中，请把每个类别排入一个顺位。"),
            &format!(
                "{unplaced} registrations have an entry in no tier: put every entry in a tier."
            ),
        ));
    }
    // Siblings are drawn together: children registered from one account, children the
    // household register gives a parent in common (twins registered by each parent), and
    // children whose reviewed answers name the same two guardians (their family key).
    let mut ties = Vec::with_capacity(eligible.len());
    for row in &eligible {
        let mut keys = vec![format!("account {}", row.account_id)];
        keys.extend(
            prefill::register_parents(&txn, row)
                .await?
                .into_iter()
                .map(|parent| format!("parent {parent}")),
        );
        keys.extend(row.family_key.iter().map(|key| format!("guardians {key}")));
        ties.push(keys);
    }
    let family = families(&ties);
    let mut units: BTreeMap<(usize, usize), Vec<&registration::Model>> = BTreeMap::new();
    for (row, family) in eligible.iter().zip(family) {
        units
            .entry((tier_of_entry[&row.entry_id], family))
            .or_default()
            .push(row);
    }
    let mut list: Vec<::draw::Tier> = tiers
        .iter()
        .map(|t| ::draw::Tier {
            name: t.name.trim().to_owned(),
            name_en: t.name_en.trim().to_owned(),
            units: Vec::new(),
        })
        .collect();
    for ((tier, _), rows) in &units {
        list[*tier]
            .units
            .push(::draw::Unit::new(rows.iter().map(|r| r.reference.clone())));
    }
    ::draw::check_list(&list).map_err(|problem| ServiceError::Unexpected(problem.to_string()))?;
    let secret = crypto::random_secret();
    let commitment = ::draw::commitment(&secret)
        .map_err(|problem| ServiceError::Unexpected(problem.to_string()))?;
    let fingerprint = ::draw::fingerprint(places, &list);
    let tiers_json = serde_json::to_string(&list)
        .map_err(|e| ServiceError::Unexpected(format!("encoding a draw's list: {e}")))?;

    let inserted = draw::ActiveModel {
        school_id: Set(school_id),
        subsystem: Set(subsystem),
        grade: Set(grade),
        school_year: Set(school_year),
        places: Set(i32::try_from(places).unwrap_or(i32::MAX)),
        tiers: Set(tiers_json),
        fingerprint: Set(fingerprint.clone()),
        commitment: Set(commitment.clone()),
        secret: Set(crypto::seal(&secret)?),
        public_value: Set(None),
        seed: Set(None),
        result: Set(None),
        scheduled_at: Set(request.now),
        scheduled_by: Set(staff.account_id),
        ran_at: Set(None),
        ran_by: Set(None),
        answer_hours: Set(i32::try_from(answer_hours).unwrap_or(i32::MAX)),
        moves: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ServiceError::invalid(
                "school_id",
                "本校已经安排了派位。",
                "This school already has a draw.",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    for ((tier, _), rows) in &units {
        for entrant in rows {
            draw_entrant::ActiveModel {
                draw_id: Set(row.id),
                registration_id: Set(entrant.id),
                tier: Set(i32::try_from(tier + 1).unwrap_or(i32::MAX)),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        request,
        AuditAction::DrawSchedule,
        "draw",
        Some(row.id),
        serde_json::json!({
            "school": school_id,
            "grade": grade,
            "places": places,
            "entrants": eligible.len(),
            "fingerprint": fingerprint,
            "commitment": commitment,
            "answer_hours": answer_hours,
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(draw = row.id, school = school_id, "draw committed");
    view_of(db, &school, row).await
}

/// Runs a committed draw with the public value, once: its admissions and waiting list
/// become the school's admission decisions.
pub async fn run(
    db: &DatabaseConnection,
    request: &Request,
    draw_id: i32,
    public_value: &str,
) -> Result<DrawView, ServiceError> {
    let staff = request
        .actor
        .require_role(&[StaffRole::BureauAdmin])?
        .clone();
    let row = draw::Entity::find_by_id(draw_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let school = own_school(db, &request.actor, row.school_id).await?;
    if row.ran_at.is_some() {
        return Err(already_run());
    }
    if public_value.trim().is_empty() {
        return Err(ServiceError::invalid(
            "public_value",
            "请输入现场产生的公开数值（例如公证员抽取的号码）。",
            "Enter the public value drawn in the room (for example the notary's number).",
        ));
    }
    // Only what everyone in the room sees as typed: an invisible or full-width character
    // would give another seed while the page shows the same value, so one who knows the
    // secret could try variants until the result suits them.
    let public_value = public_value.trim();
    if public_value.chars().count() > 64
        || !public_value
            .chars()
            .all(|c| c.is_ascii_graphic() || c == ' ')
    {
        return Err(ServiceError::invalid(
            "public_value",
            "公开数值只能用半角数字、字母和符号（64 个以内，例如 4821），不能有全角或看不见的字符。",
            "The public value uses plain (half-width) digits, letters and signs only, at most 64 (for example 4821): no full-width or invisible characters.",
        ));
    }
    let tiers: Vec<::draw::Tier> = read_json(&row.tiers)?;
    let places = u32::try_from(row.places).unwrap_or(0);
    let secret = crypto::open(&row.secret)?;
    let record = ::draw::run(places, tiers, &secret, public_value)
        .map_err(|problem| ServiceError::Unexpected(problem.to_string()))?;
    if record.fingerprint != row.fingerprint || record.commitment != row.commitment {
        return Err(ServiceError::Unexpected(
            "a committed draw's list or secret changed".into(),
        ));
    }
    let entrants: Vec<i32> = draw_entrant::Entity::find()
        .filter(draw_entrant::Column::DrawId.eq(draw_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.registration_id)
        .collect();
    let by_reference: HashMap<String, i32> = registration::Entity::find()
        .filter(registration::Column::Id.is_in(entrants))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.reference, r.id))
        .collect();
    let result = serde_json::to_string(&record.allocation)
        .map_err(|e| ServiceError::Unexpected(format!("encoding a draw's result: {e}")))?;

    let txn = db.begin().await?;
    crate::server::services::admission::hold_list(&txn, row.school_id).await?;
    // Runs once, however many administrators press at once.
    let claimed = draw::Entity::update_many()
        .col_expr(
            draw::Column::PublicValue,
            Expr::value(record.public_value.clone()),
        )
        .col_expr(draw::Column::Seed, Expr::value(record.seed.clone()))
        .col_expr(draw::Column::Result, Expr::value(result))
        .col_expr(draw::Column::RanAt, Expr::value(request.now))
        .col_expr(draw::Column::RanBy, Expr::value(staff.account_id))
        .filter(draw::Column::Id.eq(draw_id))
        .filter(draw::Column::RanAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(already_run());
    }
    let decisions = record
        .allocation
        .admitted
        .iter()
        .map(|r| (r, AdmissionOutcome::Admitted))
        .chain(
            record
                .allocation
                .waiting
                .iter()
                .map(|r| (r, AdmissionOutcome::NotAdmitted)),
        );
    for (reference, outcome) in decisions {
        let id = by_reference.get(reference).copied().ok_or_else(|| {
            ServiceError::Unexpected("a draw names a registration it does not hold".into())
        })?;
        admission_decision::ActiveModel {
            registration_id: Set(id),
            outcome: Set(outcome),
            decided_by: Set(staff.account_id),
            decided_at: Set(request.now),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        request,
        AuditAction::DrawRun,
        "draw",
        Some(draw_id),
        serde_json::json!({
            "public_value": record.public_value,
            "seed": record.seed,
            "drawn_tier": record.allocation.drawn_tier,
            "admitted": record.allocation.admitted.len(),
            "waiting": record.allocation.waiting.len(),
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(draw = draw_id, "draw run");
    let row = draw::Entity::find_by_id(draw_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    view_of(db, &school, row).await
}

/// A draw's public record, for anyone.
pub async fn public_view(
    db: &impl ConnectionTrait,
    draw_id: i32,
) -> Result<DrawView, ServiceError> {
    let row = draw::Entity::find_by_id(draw_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    view_of(db, &school, row).await
}

/// A run draw's record, as `server verify-draw` and `docs/lottery.py` read it (not found
/// before the draw: the secret is not revealed yet).
pub async fn record(
    db: &impl ConnectionTrait,
    draw_id: i32,
) -> Result<::draw::Record, ServiceError> {
    let row = draw::Entity::find_by_id(draw_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    revealed(&row)?.ok_or(ServiceError::NotFound)
}

/// A stored draw as its record, once it ran (the secret opened); none before.
fn revealed(row: &draw::Model) -> Result<Option<::draw::Record>, ServiceError> {
    let (Some(result), Some(public_value), Some(seed)) =
        (&row.result, &row.public_value, &row.seed)
    else {
        return Ok(None);
    };
    Ok(Some(::draw::Record {
        version: ::draw::VERSION.to_owned(),
        places: u32::try_from(row.places).unwrap_or(0),
        tiers: read_json(&row.tiers)?,
        fingerprint: row.fingerprint.clone(),
        commitment: row.commitment.clone(),
        secret: crypto::open(&row.secret)?,
        public_value: public_value.clone(),
        seed: seed.clone(),
        allocation: read_json(result)?,
    }))
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text).map_err(|e| ServiceError::Unexpected(format!("reading a draw: {e}")))
}

/// Whether a registration is in a committed draw: its admission is the draw's, not a hand's.
pub(crate) async fn in_a_draw(
    db: &impl ConnectionTrait,
    registration_ids: &[i32],
) -> Result<bool, ServiceError> {
    Ok(draw_entrant::Entity::find()
        .filter(draw_entrant::Column::RegistrationId.is_in(registration_ids.iter().copied()))
        .count(db)
        .await?
        > 0)
}

/// The committed draw a registration is in, as its page links it.
pub(crate) async fn link_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Option<crate::api::registrations::DrawLink>, ServiceError> {
    let Some(entrant) = draw_entrant::Entity::find()
        .filter(draw_entrant::Column::RegistrationId.eq(registration_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(draw::Entity::find_by_id(entrant.draw_id)
        .one(db)
        .await?
        .map(|d| crate::api::registrations::DrawLink {
            id: d.id,
            fingerprint: d.fingerprint,
            commitment: d.commitment,
            ran: d.ran_at.is_some(),
        }))
}

/// Whether a school has a committed draw for a subsystem, grade and school year: its list
/// no longer changes.
pub(crate) async fn has_draw(
    db: &impl ConnectionTrait,
    school_id: i32,
    subsystem: Subsystem,
    grade: i32,
    school_year: i32,
) -> Result<bool, ServiceError> {
    Ok(draw::Entity::find()
        .filter(draw::Column::SchoolId.eq(school_id))
        .filter(draw::Column::Subsystem.eq(subsystem))
        .filter(draw::Column::Grade.eq(grade))
        .filter(draw::Column::SchoolYear.eq(school_year))
        .count(db)
        .await?
        > 0)
}

/// Whether a committed draw holds the list `row` belongs to (its school, subsystem, grade
/// and year; a draft's grade is the first).
pub(crate) async fn closes_list_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<bool, ServiceError> {
    has_draw(
        db,
        row.school_id,
        row.subsystem,
        row.grade.unwrap_or(1),
        row.school_year,
    )
    .await
}

/// A school's committed draws for a subsystem (one a grade), as the admissions page shows
/// them.
pub(crate) async fn summaries(
    db: &impl ConnectionTrait,
    school_id: i32,
    subsystem: Subsystem,
    school_year: i32,
) -> Result<Vec<crate::api::admissions::DrawSummary>, ServiceError> {
    let rows = draw::Entity::find()
        .filter(draw::Column::SchoolId.eq(school_id))
        .filter(draw::Column::Subsystem.eq(subsystem))
        .filter(draw::Column::SchoolYear.eq(school_year))
        .all(db)
        .await?;
    let mut summaries = Vec::with_capacity(rows.len());
    for row in rows {
        let entrants = draw_entrant::Entity::find()
            .filter(draw_entrant::Column::DrawId.eq(row.id))
            .count(db)
            .await?;
        summaries.push(crate::api::admissions::DrawSummary {
            id: row.id,
            grade: row.grade,
            places: row.places,
            entrants: usize::try_from(entrants).unwrap_or(usize::MAX),
            ran: row.ran_at.is_some(),
        });
    }
    summaries.sort_by_key(|d| d.grade);
    Ok(summaries)
}

/// A school's draw that ran, with the registrations in it: what its publication offers.
pub(crate) struct Drawn {
    pub draw: draw::Model,
    pub entrants: std::collections::HashSet<i32>,
    /// The waiting list's reference numbers, in order.
    waiting: Vec<String>,
}

impl Drawn {
    /// A waiting registration's place on the list (from 1), as the public page numbers it.
    pub fn waiting_place(&self, reference: &str) -> usize {
        self.waiting
            .iter()
            .position(|r| r == reference)
            .map_or(0, |p| p + 1)
    }
}

/// The school's draws for a subsystem and school year that ran (one a grade).
pub(crate) async fn ran_for(
    db: &impl ConnectionTrait,
    school_id: i32,
    subsystem: Subsystem,
    school_year: i32,
) -> Result<Vec<Drawn>, ServiceError> {
    let rows = draw::Entity::find()
        .filter(draw::Column::SchoolId.eq(school_id))
        .filter(draw::Column::Subsystem.eq(subsystem))
        .filter(draw::Column::SchoolYear.eq(school_year))
        .filter(draw::Column::RanAt.is_not_null())
        .all(db)
        .await?;
    let mut drawn = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(record) = revealed(&row)? else {
            continue;
        };
        let entrants = draw_entrant::Entity::find()
            .filter(draw_entrant::Column::DrawId.eq(row.id))
            .all(db)
            .await?
            .into_iter()
            .map(|e| e.registration_id)
            .collect();
        drawn.push(Drawn {
            draw: row,
            entrants,
            waiting: record.allocation.waiting,
        });
    }
    Ok(drawn)
}

/// Which family each item is in: items sharing a key (an account, a parent) are one family,
/// and so are items tied through others. Each family is named by its first item's index.
fn families(keys: &[Vec<String>]) -> Vec<usize> {
    let mut family: Vec<usize> = (0..keys.len()).collect();
    fn root(family: &mut [usize], mut i: usize) -> usize {
        while family[i] != i {
            family[i] = family[family[i]];
            i = family[i];
        }
        i
    }
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, item) in keys.iter().enumerate() {
        for key in item {
            match first_with.get(key.as_str()) {
                Some(&other) => {
                    let (a, b) = (root(&mut family, i), root(&mut family, other));
                    family[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    (0..keys.len()).map(|i| root(&mut family, i)).collect()
}

fn already_run() -> ServiceError {
    ServiceError::invalid(
        "draw_id",
        "这次派位已经进行，结果不能重新派位。",
        "This draw has already been run: it cannot be run again.",
    )
}

async fn view_of(
    db: &impl ConnectionTrait,
    school: &school::Model,
    row: draw::Model,
) -> Result<DrawView, ServiceError> {
    let offset = offset_of(db, school.id).await?;
    let (tiers, result) = match (revealed(&row)?, row.ran_at) {
        (Some(record), Some(ran_at)) => {
            let allocation = record.allocation;
            let result = DrawResultView {
                secret: record.secret,
                public_value: record.public_value,
                seed: record.seed,
                drawn_tier: allocation.drawn_tier,
                order: allocation
                    .order
                    .iter()
                    .map(|u| u.references().to_vec())
                    .collect(),
                admitted: allocation.admitted,
                waiting: allocation.waiting,
                ran_at: local_time(ran_at, offset),
            };
            (record.tiers, Some(result))
        }
        _ => (read_json::<Vec<::draw::Tier>>(&row.tiers)?, None),
    };
    Ok(DrawView {
        id: row.id,
        version: ::draw::VERSION.to_owned(),
        school: LocalizedText::new(&school.name_zh, &school.name_en),
        subsystem: row.subsystem,
        school_year: row.school_year,
        grade: row.grade,
        places: row.places,
        tiers: tiers
            .into_iter()
            .map(|t| DrawTierView {
                name: t.name,
                name_en: t.name_en,
                units: t.units.iter().map(|u| u.references().to_vec()).collect(),
            })
            .collect(),
        fingerprint: row.fingerprint,
        commitment: row.commitment,
        scheduled_at: local_time(row.scheduled_at, offset),
        answer_hours: row.answer_hours,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::families;

    fn keys(items: &[&[&str]]) -> Vec<Vec<String>> {
        items
            .iter()
            .map(|i| i.iter().map(|k| (*k).to_owned()).collect())
            .collect()
    }

    #[test]
    fn children_sharing_an_account_or_a_parent_are_one_family() {
        // Twins registered by each parent (accounts 1 and 2, the register names both), a
        // child of account 1 the register does not know, and an unrelated child.
        let families = families(&keys(&[
            &["account 1", "parent F", "parent M"],
            &["account 2", "parent F", "parent M"],
            &["account 1"],
            &["account 3", "parent X"],
        ]));
        assert_eq!(families, vec![0, 0, 0, 3]);
    }

    #[test]
    fn a_family_is_tied_through_others() {
        // 0 and 2 share nothing, but each shares a parent with 1.
        let families = families(&keys(&[
            &["account 1", "parent A"],
            &["account 2", "parent A", "parent B"],
            &["account 3", "parent B"],
            &["account 4"],
        ]));
        assert_eq!(families, vec![0, 0, 0, 3]);
    }
}
