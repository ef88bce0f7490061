//! Starting a registration: the subsystems, entries and schools to choose from, and `create`.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, SqlErr, TransactionSession, TransactionTrait,
};

use super::NewRegistration;
use crate::{
    api::{
        registrations::{EntryOption, SubsystemOption},
        staff::PlaceOption,
    },
    domain::{
        RegistrationState, ResidentId, SectionKind, Subsystem,
        registration::MAX_REGISTRATIONS_PER_ACCOUNT,
    },
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        entities::{
            bureau, collection_window, entry, entry_school, parent_account, registration, school,
        },
        failure::ServiceError,
        infra::auth::Actor,
        infra::crypto,
    },
};

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
            .map_or(china, crate::server::services::bureau::offset_of)
    };
    let mut result = Vec::new();
    for subsystem in Subsystem::ALL {
        let own: Vec<&collection_window::Model> = windows
            .iter()
            .filter(|w| w.subsystem == subsystem)
            .collect();
        let window = window_to_show(own.as_slice(), |w| (w.opens_at, w.closes_at), now).map(|w| {
            let offset = offset_of_bureau(w.bureau_id);
            OptionWindow {
                state: WindowState::at(w.opens_at, w.closes_at, now),
                opens_at: super::local_time(w.opens_at, offset),
                closes_at: super::local_time(w.closes_at, offset),
            }
        });
        let entries: Vec<EntryOption> = entries
            .iter()
            .filter(|e| e.subsystem == subsystem)
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
pub(crate) fn window_to_show<'a, T>(
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
        "该儿童的身份证号本学年已有一条报名记录（身份证号已存在或已被占用）。常见原因是孩子的另一位家长已经用自己的爱山东账号报过名——每个孩子每学年只能报名一次，请与家人商定；如需由您报名，请对方先在“我的报名”中删除该记录，删除后即可在此重新报名。如仍有问题，请联系教体局。",
        "This child's ID number is already in a registration this school year. Usually the child's other parent registered from their own account — a child can be registered once a school year: agree who registers, and ask them to delete theirs under “My registrations” first; then you can register here. If this does not help, contact the bureau.",
    )];
    // The page offers the way forward for a parent the household register names.
    problems.push(FieldProblem::new(
        crate::domain::registration::CHILD_CLAIMABLE,
        "如果您是孩子的父亲或母亲，而报名不是家人所填，可以经户籍登记核验后继续报名；原报名将交教体局处理。",
        "If you are the child's father or mother and the registration was not made by your family, you can go on once the household register confirms you; the other registration is passed to the bureau.",
    ));
    ServiceError::Invalid(problems)
}

/// The caller's parent account, once its details are checked, as starting (or taking over)
/// a registration needs.
pub(crate) async fn confirmed_account(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<parent_account::Model, ServiceError> {
    let account = parent_account::Entity::find_by_id(actor.require_parent()?)
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
    Ok(account)
}

/// The masked phone number of the account holding `held` when that account is the same
/// person's as `account` (both vouched for by the host app with the same ID number): a
/// parent who made a new host-app account, after a change of phone number say (Qingdao
/// Q5), finds the child they registered before.
pub(crate) async fn own_elsewhere(
    db: &impl ConnectionTrait,
    held: &registration::Model,
    account: &parent_account::Model,
) -> Result<Option<String>, ServiceError> {
    let Some(holder) = parent_account::Entity::find_by_id(held.account_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let same = crypto::open(&holder.resident_id)? == crypto::open(&account.resident_id)?;
    Ok(same.then(|| {
        crate::domain::PhoneNumber::parse(&holder.phone)
            .map_or_else(|_| "***********".to_owned(), |p| p.masked())
    }))
}

/// The child is registered from the caller's own account already.
pub(crate) fn already_yours() -> ServiceError {
    ServiceError::invalid(
        "child_id_number",
        "您已经为这个孩子报过名，请在“我的报名”中继续填写。",
        "You have already registered this child: continue under “My registrations”.",
    )
}

/// The child is registered from another account of the caller's own: say which, and offer
/// to move the registration here.
pub(crate) fn registered_by_you_elsewhere(phone: &str) -> ServiceError {
    ServiceError::Invalid(vec![
        FieldProblem::new(
            "child_id_number",
            format!(
                "您本人已经用另一个账号（手机号 {phone}，例如更换手机号前的账号）为这个孩子报过名。"
            ),
            format!(
                "You registered this child before from another account of yours (phone {phone}, for example before a change of number)."
            ),
        ),
        FieldProblem::new(
            crate::domain::registration::CHILD_MOVABLE,
            "可以把这条报名转到当前账号继续：已填写的信息和上传的材料都会保留，原账号中将不再显示它。",
            "You can move that registration to this account and go on: its answers and photos are kept, and it no longer shows in the other account.",
        ),
    ])
}

/// Starts a registration. The child's ID number and the account's three slots are
/// claimed by unique indexes, so that concurrent attempts cannot both succeed. Each claim
/// is tried in a transaction of its own (a savepoint within the caller's transaction): a
/// claim refused by an index leaves PostgreSQL's transaction usable for the next.
pub async fn create(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    input: NewRegistration,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    let account = confirmed_account(db, actor).await?;
    let account_id = account.id;
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
            .filter(|e| e.active && Some(e.subsystem) == subsystem),
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
    let window = open_window(db, &school, subsystem, now)
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
    let child_key = child_key(child.as_str(), window.school_year)?;
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
                subsystem: Set(subsystem),
                school_year: Set(window.school_year),
                entry_id: Set(entry.id),
                school_id: Set(school.id),
                child_id_number: Set(crypto::seal(child.as_str())?),
                active_child_key: Set(Some(child_key.clone())),
                active_slot: Set(Some(slot_key(account_id, window.school_year, slot))),
                state: Set(RegistrationState::Draft),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                deleted_at: Set(None),
                ..Default::default()
            };
            let attempt = db.begin().await?;
            match row.insert(&attempt).await {
                Ok(row) => {
                    attempt.commit().await?;
                    tracing::info!(registration = row.id, "registration started");
                    return Ok(row.id);
                }
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    attempt.rollback().await?;
                    // Which claim failed: the child's number, the slot, or (rarely) the reference.
                    let child_held = registration::Entity::find()
                        .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
                        .one(db)
                        .await?;
                    if let Some(held) = child_held {
                        if held.account_id == account_id {
                            return Err(already_yours());
                        }
                        return Err(match own_elsewhere(db, &held, &account).await? {
                            Some(phone) => registered_by_you_elsewhere(&phone),
                            None => child_taken(),
                        });
                    }
                    let slot_held = registration::Entity::find()
                        .filter(registration::Column::ActiveSlot.eq(slot_key(
                            account_id,
                            window.school_year,
                            slot,
                        )))
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

/// How `active_child_key` names a child in a school year: a keyed hash of the ID number,
/// never the number. Unique: a child is in one registration a year, whichever account
/// holds it; last year's does not hold it this year.
pub(crate) fn child_key(child_id_number: &str, school_year: i32) -> Result<String, ServiceError> {
    Ok(crypto::per_year(
        &crypto::blind(child_id_number)?,
        school_year,
    ))
}

/// How `active_slot` names place `slot` (1 to 3) of an account in a school year: unique,
/// so that concurrent registrations cannot take more than three a year.
pub(crate) fn slot_key(account_id: i32, school_year: i32, slot: usize) -> String {
    format!("{account_id}:{school_year}:{slot}")
}

/// Refused when the account already holds its three registrations of the school year.
pub(crate) async fn check_room(
    db: &impl ConnectionTrait,
    account_id: i32,
    school_year: i32,
) -> Result<(), ServiceError> {
    let held = registration::Entity::find()
        .filter(registration::Column::AccountId.eq(account_id))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(registration::Column::ActiveSlot.is_not_null())
        .count(db)
        .await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_REGISTRATIONS_PER_ACCOUNT {
        Err(account_full())
    } else {
        Ok(())
    }
}

/// The school year a new registration of `input` would be in: that of its school's window
/// open now for its subsystem (`None` when none is, or the input names no such school).
pub(crate) async fn year_registering(
    db: &impl ConnectionTrait,
    input: &NewRegistration,
    now: DateTime<Utc>,
) -> Result<Option<i32>, ServiceError> {
    let (Some(subsystem), Ok(school_id)) = (
        Subsystem::from_code(input.subsystem.trim()),
        input.school_id.trim().parse::<i32>(),
    ) else {
        return Ok(None);
    };
    let Some(school) = school::Entity::find_by_id(school_id).one(db).await? else {
        return Ok(None);
    };
    Ok(open_window(db, &school, subsystem, now)
        .await?
        .map(|w| w.school_year))
}

/// The school's bureau's window open now for `subsystem` (school years never overlap).
async fn open_window(
    db: &impl ConnectionTrait,
    school: &school::Model,
    subsystem: Subsystem,
    now: DateTime<Utc>,
) -> Result<Option<collection_window::Model>, ServiceError> {
    Ok(collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(school.bureau_id))
        .filter(collection_window::Column::Subsystem.eq(subsystem))
        .filter(collection_window::Column::OpensAt.lte(now))
        .filter(collection_window::Column::ClosesAt.gt(now))
        .one(db)
        .await?)
}

fn account_full() -> ServiceError {
    ServiceError::invalid(
        "limit",
        "一个账号每学年最多为 3 个孩子报名。如需为更多孩子报名，请联系教体局。",
        "One account can register at most 3 children a school year. To register more, contact the bureau.",
    )
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
