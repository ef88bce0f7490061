//! Prefill from government registries for a parent's registration: the consent asked before
//! the first lookup, lookups started once and answered in the background (a parent waits at
//! most the policy's timeout, then types by hand while a late answer is still kept), the
//! prefill each section gets, and what a save needs to decide each value's provenance.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
    sea_query::{Expr, Query},
};

use crate::domain::sections::field;
use crate::{
    api::registrations::{LookupState, RegistryInfo, RegistryStatus, SourceCheck},
    domain::{
        SectionData, SectionKind,
        provenance::{CONSENT_WORDING_VERSION, RegistryAnswer, RegistrySource},
    },
    server::{
        entities::{
            parent_account, registration, registry_consent,
            registry_lookup::{self, LookupStatus},
        },
        failure::ServiceError,
        infra::auth::Actor,
        infra::crypto,
        infra::registry::{HouseholdRecord, Question, Record, Registries},
        services::registrations::{
            answers_of, child_id_of, load_own, required_sections, window_open,
        },
    },
};

/// Whether the household register names `registrant` as the child's father or mother: the
/// only case in which its answer, and lookups about other people it names, are used.
pub(crate) fn is_guardian(household: &HouseholdRecord, registrant: Option<&str>) -> bool {
    let Some(registrant) = registrant.map(str::trim).filter(|r| !r.is_empty()) else {
        return false;
    };
    [&household.father_id, &household.mother_id]
        .into_iter()
        .flatten()
        .any(|parent| parent.trim().eq_ignore_ascii_case(registrant))
}

/// The child's parents other than the registrant, as the household register's answer
/// already fetched for the registration names them (none when it was not asked, or does
/// not name the registrant as a parent): each ID number with the name the guardian section
/// gives it, else 父亲 / 母亲.
pub(crate) async fn other_parents(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    registrant: &str,
) -> Result<Vec<(String, String)>, ServiceError> {
    let Some(household) = register_household(db, row, registrant).await? else {
        return Ok(Vec::new());
    };
    let (answers, _) = answers_of(db, row.id).await?;
    let guardian = answers.get(&SectionKind::Guardian);
    let named = |id: &str| {
        guardian.and_then(|g| {
            [
                (field::guardian::G1_ID_NUMBER, field::guardian::G1_NAME),
                (field::guardian::G2_ID_NUMBER, field::guardian::G2_NAME),
            ]
            .into_iter()
            .find(|(number, _)| {
                g.get(*number)
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(id))
            })
            .and_then(|(_, name)| g.get(name).map(|n| n.trim().to_owned()))
            .filter(|n| !n.is_empty())
        })
    };
    Ok([
        (&household.father_id, "父亲"),
        (&household.mother_id, "母亲"),
    ]
    .into_iter()
    .filter_map(|(id, role)| id.as_ref().map(|id| (id.trim().to_ascii_uppercase(), role)))
    .filter(|(id, _)| !id.eq_ignore_ascii_case(registrant.trim()))
    .map(|(id, role)| {
        let name = named(&id).unwrap_or_else(|| role.to_owned());
        (id, name)
    })
    .collect())
}

/// The household register's answer already fetched for the registration, when it names
/// `registrant` as the child's parent.
async fn register_household(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    registrant: &str,
) -> Result<Option<HouseholdRecord>, ServiceError> {
    let rows = lookup_rows(db, row.id).await?;
    Ok(household_of(&rows, &child_id_of(row)?, Some(registrant)))
}

/// The child's parents as the household register names them (its answer already fetched
/// for the registration, and naming the registrant as one of them); none otherwise. What
/// ties siblings registered from two accounts together.
pub(crate) async fn register_parents(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Vec<String>, ServiceError> {
    let Some(registrant) = registrant_of(db, row).await? else {
        return Ok(Vec::new());
    };
    Ok(register_household(db, row, &registrant)
        .await?
        .map(|h| {
            [h.father_id, h.mother_id]
                .into_iter()
                .flatten()
                .map(|id| id.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default())
}

/// The resident ID number of the registration's registrant.
async fn registrant_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Option<String>, ServiceError> {
    parent_account::Entity::find_by_id(row.account_id)
        .one(db)
        .await?
        .map(|a| crypto::open(&a.resident_id))
        .transpose()
}

/// Whether the household register was asked about this registration's child and did not
/// confirm the registrant as a parent (the reviewer is told; the parent filled by hand).
pub async fn guardian_unconfirmed(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<bool, ServiceError> {
    Ok(registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.eq(registration_id))
        .filter(registry_lookup::Column::Source.eq(RegistrySource::Household))
        .filter(registry_lookup::Column::Status.eq(LookupStatus::Unconfirmed))
        .one(db)
        .await?
        .is_some())
}

/// Lookups one account may start within an hour: three children and four sources each,
/// twice over. More is someone probing the registers with ID numbers (creating and deleting
/// registrations); the count is in the database, so it holds across app servers.
pub const LOOKUPS_PER_ACCOUNT_PER_HOUR: u64 = 24;

/// Lookups started (or restarted) for the account's registrations within the last hour.
async fn lookups_started_recently(
    db: &impl ConnectionTrait,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let of_account = Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::AccountId.eq(account_id))
        .to_owned();
    Ok(registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.in_subquery(of_account))
        .filter(registry_lookup::Column::RequestedAt.gt(now - chrono::Duration::hours(1)))
        .count(db)
        .await?)
}

/// A lookup that failed is asked again on a later visit, but not more often than this.
const RETRY_UNAVAILABLE_AFTER_SECS: i64 = 30;

/// Records the parent's decision on registry lookups for this registration.
pub async fn decide_consent(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    grant: bool,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let row = load_own(db, actor, id).await?;
    if !window_open(db, row.school_id, row.subsystem, row.school_year, now).await? {
        return Err(ServiceError::Closed);
    }
    if !row.state.is_editable() {
        return Err(ServiceError::Locked);
    }
    let existing = registry_consent::Entity::find()
        .filter(registry_consent::Column::RegistrationId.eq(row.id))
        .one(db)
        .await?;
    match existing {
        Some(existing) => {
            let mut active: registry_consent::ActiveModel = existing.into();
            active.granted = Set(grant);
            active.account_id = Set(row.account_id);
            active.wording_version = Set(CONSENT_WORDING_VERSION.to_owned());
            active.decided_at = Set(now);
            active.update(db).await?;
        }
        None => {
            let inserted = registry_consent::ActiveModel {
                registration_id: Set(row.id),
                account_id: Set(row.account_id),
                granted: Set(grant),
                wording_version: Set(CONSENT_WORDING_VERSION.to_owned()),
                decided_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(_) => {}
                // A second tab decided at the same moment: the later decision wins.
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    return Box::pin(decide_consent(db, actor, id, grant, now)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

/// What the registries said for a registration, as its pages and saves need it.
#[derive(Clone, Debug, Default)]
pub struct RegistryContext {
    pub info: RegistryInfo,
    /// Values registries confirm, per section.
    pub prefill: BTreeMap<SectionKind, SectionData>,
    /// When each source answered (UTC, RFC 3339).
    pub answered_at: BTreeMap<RegistrySource, String>,
}

impl RegistryContext {
    /// The registry's answer for a section, for deciding provenance.
    pub fn answer_for(&self, section: SectionKind) -> RegistryAnswer<'_> {
        let source = RegistrySource::for_section(section);
        RegistryAnswer {
            source,
            prefill: self.prefill.get(&section),
            answered_at: source.and_then(|s| self.answered_at.get(&s).cloned()),
            configured: source.is_some_and(|s| self.info.configured.contains(&s)),
        }
    }
}

async fn consent_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Option<bool>, ServiceError> {
    Ok(registry_consent::Entity::find()
        .filter(registry_consent::Column::RegistrationId.eq(registration_id))
        .one(db)
        .await?
        .map(|c| c.granted))
}

fn decode(row: &registry_lookup::Model) -> Option<Record> {
    row.answer
        .as_deref()
        .and_then(|sealed| crypto::open(sealed).ok())
        .and_then(|json| serde_json::from_str(&json).ok())
}

/// The questions the registration allows now, for the sources configured and the
/// sections the entry requires. Later questions use earlier answers: a property is looked
/// for under the registrant and the parents the household register links to the child.
/// Only people the parent is entitled to ask about are asked about: the registrant, and the
/// parents named by a household record that names the registrant as a parent
/// (`household` is that verified record, or none); a guardian number typed into a form is
/// asked about only when it is one of them.
fn questions(
    registries: &Registries,
    row: &registration::Model,
    required: &[SectionKind],
    answers: &BTreeMap<SectionKind, SectionData>,
    household: Option<&HouseholdRecord>,
    registrant: Option<&str>,
) -> Result<BTreeMap<RegistrySource, Question>, ServiceError> {
    let mut questions = BTreeMap::new();
    let wanted = |source: RegistrySource| {
        registries.is_configured(source) && source.sections().iter().any(|s| required.contains(s))
    };
    if wanted(RegistrySource::Household) {
        questions.insert(
            RegistrySource::Household,
            Question::Household {
                child_id: child_id_of(row)?,
            },
        );
    }
    let mut entitled: Vec<String> = registrant
        .map(|r| r.trim().to_ascii_uppercase())
        .into_iter()
        .collect();
    if let Some(h) = household {
        entitled.extend(h.father_id.iter().map(|id| id.trim().to_ascii_uppercase()));
        entitled.extend(h.mother_id.iter().map(|id| id.trim().to_ascii_uppercase()));
    }
    entitled.sort();
    entitled.dedup();
    if wanted(RegistrySource::RealEstate) && !entitled.is_empty() {
        questions.insert(
            RegistrySource::RealEstate,
            Question::RealEstate {
                person_ids: entitled.clone(),
            },
        );
    }
    let guardians: Vec<String> = guardian_ids(answers)
        .into_iter()
        .filter(|id| entitled.contains(id))
        .collect();
    if !guardians.is_empty() {
        if wanted(RegistrySource::ResidencePermit) {
            questions.insert(
                RegistrySource::ResidencePermit,
                Question::ResidencePermit {
                    person_ids: guardians.clone(),
                },
            );
        }
        if wanted(RegistrySource::Employment) {
            questions.insert(
                RegistrySource::Employment,
                Question::Employment {
                    person_ids: guardians,
                },
            );
        }
    }
    Ok(questions)
}

/// Guardian 1's and (when given) guardian 2's ID numbers, in that order.
fn guardian_ids(answers: &BTreeMap<SectionKind, SectionData>) -> Vec<String> {
    let Some(guardian) = answers.get(&SectionKind::Guardian) else {
        return Vec::new();
    };
    let id = |field: &str| {
        guardian
            .get(field)
            .map(|v| v.trim().to_ascii_uppercase())
            .filter(|v| !v.is_empty())
    };
    let mut ids: Vec<String> = id(field::guardian::G1_ID_NUMBER).into_iter().collect();
    if guardian
        .get(field::guardian::HAS_GUARDIAN2)
        .map(String::as_str)
        == Some("yes")
    {
        ids.extend(id(field::guardian::G2_ID_NUMBER));
    }
    ids
}

/// The lookup rows of a registration, keyed by source then question digest.
async fn lookup_rows(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Vec<registry_lookup::Model>, ServiceError> {
    Ok(registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.eq(registration_id))
        .order_by_desc(registry_lookup::Column::Id)
        .all(db)
        .await?)
}

fn row_for<'a>(
    rows: &'a [registry_lookup::Model],
    question: &Question,
) -> Option<&'a registry_lookup::Model> {
    let digest = question.lookup_key().ok()?;
    rows.iter()
        .find(|r| r.source == question.source() && r.key_digest == digest)
}

/// The household register's record of the child, when it names the registrant as a parent.
fn household_of(
    rows: &[registry_lookup::Model],
    child_id: &str,
    registrant: Option<&str>,
) -> Option<HouseholdRecord> {
    let question = Question::Household {
        child_id: child_id.to_owned(),
    };
    row_for(rows, &question)
        .filter(|r| r.status == LookupStatus::Found)
        .and_then(decode)
        .and_then(|record| match record {
            Record::Household(h) => h,
            _ => None,
        })
        .filter(|h| is_guardian(h, registrant))
}

fn data(pairs: &[(&str, String)]) -> SectionData {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Which guardian (`guardian1`, `guardian2`) an ID number belongs to.
fn guardian_slot(guardians: &[String], id: &str) -> Option<&'static str> {
    let id = id.trim().to_ascii_uppercase();
    match guardians.iter().position(|g| *g == id) {
        Some(0) => Some("guardian1"),
        Some(1) => Some("guardian2"),
        _ => None,
    }
}

/// The first record held by guardian 1 or 2, as the section's values; the first pair's
/// field names which guardian.
fn held_by_guardian<'a>(
    section: SectionKind,
    mut records: impl Iterator<Item = (&'a str, [(&'static str, String); 4])>,
    answers: &BTreeMap<SectionKind, SectionData>,
) -> Vec<(SectionKind, SectionData)> {
    let guardians = guardian_ids(answers);
    records
        .find_map(|(holder, fields)| guardian_slot(&guardians, holder).map(|slot| (slot, fields)))
        .map(|(slot, mut fields)| {
            fields[0].1 = slot.to_owned();
            vec![(section, data(&fields))]
        })
        .unwrap_or_default()
}

/// The section values a registry's record confirms.
fn prefill_of(
    record: &Record,
    household: Option<&HouseholdRecord>,
    answers: &BTreeMap<SectionKind, SectionData>,
) -> Vec<(SectionKind, SectionData)> {
    match record {
        Record::Household(Some(h)) => {
            let yes_no = if h.collective { "yes" } else { "no" };
            let mut household = vec![
                (field::household::COLLECTIVE, yes_no.to_owned()),
                (field::household::ADDRESS, h.address.clone()),
            ];
            if !h.collective {
                household.push((
                    field::household::HEAD_NAME,
                    h.head_name.clone().unwrap_or_default(),
                ));
                household.push((
                    field::household::HEAD_RELATION,
                    h.head_relation.clone().unwrap_or_default(),
                ));
            }
            vec![
                (
                    SectionKind::Child,
                    data(&[
                        (field::child::NAME, h.name.clone()),
                        (field::child::ETHNICITY, h.ethnicity.clone()),
                    ]),
                ),
                (SectionKind::Household, data(&household)),
            ]
        }
        // Only an unambiguous answer fills the form: with two properties the parent says
        // which one they live in.
        Record::RealEstate(properties) if properties.len() == 1 => {
            let p = &properties[0];
            let same = |id: &Option<String>| {
                id.as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&p.owner_id))
            };
            let relation = match household {
                Some(h) if same(&h.father_id) => "father",
                Some(h) if same(&h.mother_id) => "mother",
                _ => "",
            };
            vec![(
                SectionKind::Residence,
                data(&[
                    (field::residence::KIND, "property".to_owned()),
                    (field::residence::ADDRESS, p.address.clone()),
                    (
                        field::residence::CERTIFICATE_NUMBER,
                        p.certificate_number.clone(),
                    ),
                    (field::residence::OWNER_NAME, p.owner_name.clone()),
                    (field::residence::OWNER_RELATION, relation.to_owned()),
                ]),
            )]
        }
        Record::ResidencePermit(permits) => held_by_guardian(
            SectionKind::ResidencePermit,
            permits.iter().map(|p| {
                (
                    p.holder_id.as_str(),
                    [
                        (field::residence_permit::HOLDER, String::new()),
                        (
                            field::residence_permit::PERMIT_NUMBER,
                            p.permit_number.clone(),
                        ),
                        (
                            field::residence_permit::ISSUING_OFFICE,
                            p.issuing_office.clone(),
                        ),
                        (field::residence_permit::VALID_FROM, p.valid_from.clone()),
                    ],
                )
            }),
            answers,
        ),
        Record::Employment(jobs) => held_by_guardian(
            SectionKind::Employment,
            jobs.iter().map(|j| {
                (
                    j.person_id.as_str(),
                    [
                        (field::employment::GUARDIAN, String::new()),
                        (field::employment::EMPLOYER, j.employer.clone()),
                        (field::employment::CREDIT_CODE, j.credit_code.clone()),
                        (field::employment::EMPLOYED_SINCE, j.employed_since.clone()),
                    ],
                )
            }),
            answers,
        ),
        _ => Vec::new(),
    }
}

/// What the registries said for a registration, for the answers it has now.
pub async fn context(
    db: &impl ConnectionTrait,
    registries: &Registries,
    row: &registration::Model,
    answers: &BTreeMap<SectionKind, SectionData>,
) -> Result<RegistryContext, ServiceError> {
    let consent = consent_of(db, row.id).await?;
    let consulted = !registries.configured().is_empty() && consent == Some(true);
    let registrant = if consulted {
        registrant_of(db, row).await?
    } else {
        None
    };
    let required = if consulted {
        required_sections(db, row.entry_id).await?.1
    } else {
        Vec::new()
    };
    let known = Known {
        consent,
        registrant: registrant.as_deref(),
        required: &required,
    };
    context_with(db, registries, row, answers, known).await
}

/// What [`context_with`] takes from a caller that read it already.
pub struct Known<'a> {
    /// The parent's registry consent for the registration.
    pub consent: Option<bool>,
    /// The registrant's ID number.
    pub registrant: Option<&'a str>,
    /// The sections the registration's entry requires.
    pub required: &'a [SectionKind],
}

/// [`context`], from what the caller read already: reads only the lookups, and only when
/// the registries may be consulted.
pub async fn context_with(
    db: &impl ConnectionTrait,
    registries: &Registries,
    row: &registration::Model,
    answers: &BTreeMap<SectionKind, SectionData>,
    known: Known<'_>,
) -> Result<RegistryContext, ServiceError> {
    let configured = registries.configured();
    let info = RegistryInfo {
        configured: configured.clone(),
        consent: known.consent,
    };
    if configured.is_empty() || known.consent != Some(true) {
        return Ok(RegistryContext {
            info,
            ..RegistryContext::default()
        });
    }
    let rows = lookup_rows(db, row.id).await?;
    let household = household_of(&rows, &child_id_of(row)?, known.registrant);
    let questions = questions(
        registries,
        row,
        known.required,
        answers,
        household.as_ref(),
        known.registrant,
    )?;
    let mut context = RegistryContext {
        info,
        ..RegistryContext::default()
    };
    confirm(&mut context, &rows, &questions, household.as_ref(), answers);
    Ok(context)
}

/// Fills `context` with what the answered lookups among `rows` confirm for `questions`.
fn confirm(
    context: &mut RegistryContext,
    rows: &[registry_lookup::Model],
    questions: &BTreeMap<RegistrySource, Question>,
    household: Option<&HouseholdRecord>,
    answers: &BTreeMap<SectionKind, SectionData>,
) {
    for (source, question) in questions {
        let Some(found) = row_for(rows, question).filter(|r| r.status == LookupStatus::Found)
        else {
            continue;
        };
        let Some(record) = decode(found) else {
            continue;
        };
        for (section, values) in prefill_of(&record, household, answers) {
            if !values.is_empty() {
                context.prefill.insert(section, values);
            }
        }
        if let Some(at) = found.answered_at {
            context
                .answered_at
                .insert(*source, at.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
    }
}

/// Starts the lookups the registration allows now (each once), waits at most the policy's
/// timeout for those of `section`, and says where each stands with the section's prefill.
pub async fn status(
    db: &DatabaseConnection,
    registries: &Registries,
    actor: &Actor,
    id: i32,
    section: SectionKind,
    now: DateTime<Utc>,
) -> Result<RegistryStatus, ServiceError> {
    let row = load_own(db, actor, id).await?;
    let consent = consent_of(db, row.id).await?;
    let source = RegistrySource::for_section(section);
    let relevant = source.filter(|s| registries.is_configured(*s));
    if consent != Some(true) || relevant.is_none() || !row.state.is_editable() {
        return Ok(RegistryStatus {
            consent,
            checks: Vec::new(),
            prefill: SectionData::new(),
            pending: false,
        });
    }
    let (answers, _) = answers_of(db, row.id).await?;
    let (_, required) = required_sections(db, row.entry_id).await?;
    let rows = lookup_rows(db, row.id).await?;
    let registrant = registrant_of(db, &row).await?;
    let household = household_of(&rows, &child_id_of(&row)?, registrant.as_deref());
    let questions = questions(
        registries,
        &row,
        &required,
        &answers,
        household.as_ref(),
        registrant.as_deref(),
    )?;

    // A property is looked for under the parents the household register names: wait for it.
    let household_settled = questions
        .get(&RegistrySource::Household)
        .is_none_or(|q| row_for(&rows, q).is_some_and(|r| r.status != LookupStatus::Pending));
    // Counted only when a lookup may be started now (a page polling answered lookups asks
    // nothing new, and costs no count).
    let may_ask = questions.values().any(|q| {
        row_for(&rows, q).is_none_or(|r| {
            r.status == LookupStatus::Pending || r.status == LookupStatus::Unavailable
        })
    });
    let limited = may_ask
        && lookups_started_recently(db, row.account_id, now).await? >= LOOKUPS_PER_ACCOUNT_PER_HOUR;
    if limited {
        tracing::warn!("registry lookups of one account over the hourly limit");
    }
    let mut waiting = Vec::new();
    for (question_source, question) in &questions {
        if *question_source == RegistrySource::RealEstate && !household_settled {
            continue;
        }
        if limited {
            continue;
        }
        if let Some(handle) = start(
            db,
            registries,
            &row,
            &rows,
            question,
            registrant.as_deref(),
            now,
        )
        .await?
            && Some(*question_source) == relevant
        {
            waiting.push(handle);
        }
    }
    if !waiting.is_empty() {
        // Never longer than one attempt's timeout: a slow source is the parent's cue to type.
        let _ = tokio::time::timeout(registries.policy.timeout, futures_join(waiting)).await;
    }

    let rows = lookup_rows(db, row.id).await?;
    let mut checks = Vec::new();
    let mut pending = false;
    if let Some(source) = relevant {
        let state = match questions.get(&source).and_then(|q| row_for(&rows, q)) {
            None if limited => LookupState::Limited,
            None if source == RegistrySource::RealEstate && !household_settled => {
                pending = true;
                LookupState::Checking
            }
            None => LookupState::Waiting,
            Some(r) => match r.status {
                LookupStatus::Found => LookupState::Found,
                LookupStatus::NotFound => LookupState::NotFound,
                LookupStatus::Unconfirmed => LookupState::NotConfirmed,
                LookupStatus::Unavailable => LookupState::Unavailable,
                _ => {
                    pending = true;
                    let waited = now.max(Utc::now()) - r.requested_at;
                    let timeout = chrono::Duration::from_std(registries.policy.timeout)
                        .unwrap_or_else(|_| chrono::Duration::seconds(3));
                    if waited >= timeout {
                        LookupState::Slow
                    } else {
                        LookupState::Checking
                    }
                }
            },
        };
        checks.push(SourceCheck { source, state });
    }
    // What is confirmed now, with the rows just read: the questions change only when the
    // household register answered during the wait.
    let answered_household = household_of(&rows, &child_id_of(&row)?, registrant.as_deref());
    let questions = if answered_household == household {
        questions
    } else {
        self::questions(
            registries,
            &row,
            &required,
            &answers,
            answered_household.as_ref(),
            registrant.as_deref(),
        )?
    };
    let mut context = RegistryContext::default();
    confirm(
        &mut context,
        &rows,
        &questions,
        answered_household.as_ref(),
        &answers,
    );
    Ok(RegistryStatus {
        consent,
        checks,
        prefill: context.prefill.get(&section).cloned().unwrap_or_default(),
        pending,
    })
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

/// Starts a lookup unless it is answered, under way, or failed only moments ago. Returns
/// the task when this call started it.
async fn start(
    db: &DatabaseConnection,
    registries: &Registries,
    row: &registration::Model,
    rows: &[registry_lookup::Model],
    question: &Question,
    registrant: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<tokio::task::JoinHandle<()>>, ServiceError> {
    let lost_after = chrono::Duration::from_std(registries.policy.longest())
        .unwrap_or_else(|_| chrono::Duration::seconds(60))
        + chrono::Duration::seconds(10);
    let lookup_id = match row_for(rows, question) {
        Some(existing) => {
            let again = match existing.status {
                LookupStatus::Pending => now - existing.requested_at > lost_after,
                LookupStatus::Unavailable => existing.answered_at.is_none_or(|at| {
                    now - at > chrono::Duration::seconds(RETRY_UNAVAILABLE_AFTER_SECS)
                }),
                _ => false,
            };
            if !again {
                return Ok(None);
            }
            // Claim the retry: only one page restarts it.
            let claimed = registry_lookup::Entity::update_many()
                .col_expr(
                    registry_lookup::Column::Status,
                    Expr::value(LookupStatus::Pending),
                )
                .col_expr(registry_lookup::Column::RequestedAt, now.into())
                .filter(registry_lookup::Column::Id.eq(existing.id))
                .filter(registry_lookup::Column::Status.eq(existing.status))
                .filter(registry_lookup::Column::RequestedAt.eq(existing.requested_at))
                .exec(db)
                .await?;
            if claimed.rows_affected == 0 {
                return Ok(None);
            }
            existing.id
        }
        None => {
            let inserted = registry_lookup::ActiveModel {
                registration_id: Set(row.id),
                source: Set(question.source()),
                key_digest: Set(question.lookup_key()?),
                status: Set(LookupStatus::Pending),
                answer: Set(None),
                attempts: Set(0),
                requested_at: Set(now),
                answered_at: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(model) => model.id,
                // Another page started the same lookup a moment ago.
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    return Ok(None);
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    let db = db.clone();
    let registries = registries.clone();
    let question = question.clone();
    let registrant = registrant.map(str::to_owned);
    Ok(Some(tokio::spawn(async move {
        let (result, attempts) = registries.ask(&question).await;
        let (status, answer) = match &result {
            // Another family's household: nothing of it is kept.
            Ok(Record::Household(Some(household)))
                if !is_guardian(household, registrant.as_deref()) =>
            {
                tracing::warn!(
                    "the household register does not name the registrant as a parent of the child"
                );
                (LookupStatus::Unconfirmed, None)
            }
            Ok(record) if record.found() => (
                LookupStatus::Found,
                serde_json::to_string(record)
                    .ok()
                    .and_then(|json| crypto::seal(&json).ok()),
            ),
            Ok(_) => (LookupStatus::NotFound, None),
            Err(error) => {
                tracing::warn!(
                    source = question.source().code(),
                    error = %error,
                    "registry lookup gave no answer; the parent continues by hand"
                );
                (LookupStatus::Unavailable, None)
            }
        };
        let written = registry_lookup::Entity::update_many()
            .col_expr(registry_lookup::Column::Status, Expr::value(status))
            .col_expr(registry_lookup::Column::Answer, answer.into())
            .col_expr(
                registry_lookup::Column::Attempts,
                i32::try_from(attempts).unwrap_or(i32::MAX).into(),
            )
            .col_expr(registry_lookup::Column::AnsweredAt, Some(Utc::now()).into())
            .filter(registry_lookup::Column::Id.eq(lookup_id))
            .filter(registry_lookup::Column::Status.eq(LookupStatus::Pending))
            .exec(&db)
            .await;
        if let Err(error) = written {
            tracing::error!(error = %error, "storing a registry answer failed");
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::infra::registry::{EmploymentRecord, PropertyRecord};

    fn household() -> HouseholdRecord {
        HouseholdRecord {
            name: "刘一诺".into(),
            ethnicity: "01".into(),
            collective: false,
            address: "青岛市市南区宁夏路 200 号".into(),
            head_name: Some("周敏".into()),
            head_relation: Some("mother".into()),
            father_id: Some("370202198802110011".into()),
            mother_id: Some("370202198905210023".into()),
        }
    }

    #[test]
    fn a_property_of_the_father_is_his_even_when_the_household_is_the_mothers() {
        let record = Record::RealEstate(vec![PropertyRecord {
            certificate_number: "鲁(2019)青岛市不动产权第0054321号".into(),
            address: "青岛市市南区东海西路 15 号 1 单元 502".into(),
            owner_name: "刘强".into(),
            owner_id: "370202198802110011".into(),
        }]);
        let filled = prefill_of(&record, Some(&household()), &BTreeMap::new());
        let (section, values) = &filled[0];
        assert_eq!(*section, SectionKind::Residence);
        assert_eq!(values["owner_relation"], "father");
        assert_eq!(values["owner_name"], "刘强");
    }

    #[test]
    fn employment_goes_to_the_guardian_it_belongs_to() {
        let mut answers = BTreeMap::new();
        answers.insert(
            SectionKind::Guardian,
            [
                ("g1_id_number", "370202198905210023"),
                ("has_guardian2", "yes"),
                ("g2_id_number", "370202198802110011"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        );
        let record = Record::Employment(vec![EmploymentRecord {
            person_id: "370202198802110011".into(),
            employer: "青岛东海物流有限公司".into(),
            credit_code: "91370212MA3E24680U".into(),
            employed_since: "2016-04-15".into(),
        }]);
        let filled = prefill_of(&record, None, &answers);
        assert_eq!(filled[0].1["guardian"], "guardian2");
    }

    #[test]
    fn a_collective_household_has_no_head() {
        let mut h = household();
        h.collective = true;
        let filled = prefill_of(&Record::Household(Some(h)), None, &BTreeMap::new());
        let household = &filled[1].1;
        assert_eq!(household["collective"], "yes");
        assert!(!household.contains_key("head_name"));
    }
}
