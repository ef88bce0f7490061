//! Accounts: the parent's own identity, staff sign-in, and the bureau's management of staff
//! accounts. Every function takes the [`Actor`] first and checks it before anything else.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use tower_sessions::Session;

use crate::{
    api::{
        me::MyIdentity,
        staff::{
            NewStaffAccount, PlaceOption, SchoolOverview, StaffAccountView, StaffAdminData,
            StaffOverview,
        },
    },
    domain::{PersonName, StaffRole},
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        entities::{bureau, parent_account, registration_point, school, staff_account},
        failure::ServiceError,
        infra::auth::{self, Actor, password, throttle},
        state::HostApp,
    },
};

/// The signed-in parent's identity as the host app gave it.
pub async fn my_identity(
    db: &impl ConnectionTrait,
    actor: &Actor,
    host_app: &HostApp,
) -> Result<MyIdentity, ServiceError> {
    let account_id = actor.require_parent()?;
    let account = parent_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let masked = crate::server::infra::crypto::open(&account.resident_id)
        .ok()
        .and_then(|id| crate::domain::ResidentId::parse(&id, Utc::now().date_naive()).ok())
        .map_or_else(|| "******".into(), |id| id.masked());
    Ok(MyIdentity {
        name: account.name,
        masked_id_number: masked,
        phone: account.phone,
        confirmed: account.identity_confirmed_at.is_some(),
        host_app_name: host_app.name.clone(),
    })
}

/// The parent confirms that the identity shown is theirs.
pub async fn confirm_identity(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let account_id = actor.require_parent()?;
    let account = parent_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if account.identity_confirmed_at.is_none() {
        let mut row: parent_account::ActiveModel = account.into();
        row.identity_confirmed_at = Set(Some(now));
        row.update(db).await?;
    }
    Ok(())
}

/// Signs a member of staff in, throttled per account and per address. The attempt is
/// counted before the password is checked, so parallel guesses cannot outrun the limit.
/// Refusals never say whether the username or the password was wrong.
pub async fn staff_sign_in(
    db: &DatabaseConnection,
    session: &Session,
    username: &str,
    password_text: String,
    address: &str,
    now: DateTime<Utc>,
) -> Result<StaffRole, ServiceError> {
    let username = username.trim();
    if username.is_empty()
        || password_text.is_empty()
        || username.len() > 64
        || password_text.len() > 256
    {
        return Err(ServiceError::SignInFailed);
    }
    let attempt = match throttle::begin_attempt(db, username, address, now).await {
        Ok(attempt) => attempt,
        Err(ServiceError::TooManyAttempts) => {
            tracing::warn!("staff sign-in throttled");
            return Err(ServiceError::TooManyAttempts);
        }
        Err(error) => return Err(error),
    };
    let account = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(username.to_lowercase()))
        .one(db)
        .await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = match password::verify_password(password_text, hash).await {
        Ok(matches) => matches,
        Err(error) => {
            // Not judged (the server was busy): the attempt does not count against anyone.
            throttle::forget(db, attempt).await?;
            return Err(error);
        }
    };
    let account = match account {
        // The attempt's rows stay: they are the failure.
        Some(account) if matches && account.active => account,
        _ => {
            tracing::info!("staff sign-in refused");
            return Err(ServiceError::SignInFailed);
        }
    };
    let role = account.role;
    throttle::succeed(db, attempt).await?;
    auth::begin_staff_session(session, account.id, now).await?;
    let mut row: staff_account::ActiveModel = account.into();
    row.last_sign_in_at = Set(Some(now));
    row.update(db).await?;
    Ok(role)
}

async fn place_of(
    db: &impl ConnectionTrait,
    account: &staff_account::Model,
) -> Result<Option<LocalizedText>, ServiceError> {
    if let Some(id) = account.school_id {
        return Ok(school::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| LocalizedText {
                zh: s.name_zh,
                en: s.name_en,
            }));
    }
    if let Some(id) = account.registration_point_id {
        return Ok(registration_point::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| LocalizedText {
                zh: p.name_zh,
                en: p.name_en,
            }));
    }
    if let Some(id) = account.bureau_id {
        return Ok(bureau::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|b| LocalizedText {
                zh: b.name_zh,
                en: b.name_en,
            }));
    }
    Ok(None)
}

/// The signed-in member of staff's own overview.
pub async fn staff_overview(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<StaffOverview, ServiceError> {
    let staff = actor.require_staff()?;
    let account = staff_account::Entity::find_by_id(staff.account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(StaffOverview {
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: staff.role,
        place: place_of(db, &account).await?,
        school_id: account.school_id,
    })
}

/// The administrators' staff page: the accounts of their district and where new ones can
/// be placed.
pub async fn staff_admin(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<StaffAdminData, ServiceError> {
    let accounts = list_staff(db, actor).await?;
    let (schools, points) = staff_places(db, actor).await?;
    Ok(StaffAdminData {
        accounts,
        schools,
        points,
    })
}

/// Staff accounts an administrator manages: all for a city-wide one, their bureau's for a
/// district one.
async fn list_staff(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<StaffAccountView>, ServiceError> {
    let admin = actor.require_role(&[StaffRole::BureauAdmin])?;
    let accounts = staff_account::Entity::find()
        .order_by_asc(staff_account::Column::Username)
        .all(db)
        .await?;
    let mut views = Vec::with_capacity(accounts.len());
    for account in accounts {
        if let Some(bureau_id) = admin.bureau_id
            && bureau_of(db, &account).await? != Some(bureau_id)
        {
            continue;
        }
        let role = account.role;
        views.push(StaffAccountView {
            id: account.id,
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            role,
            place: place_of(db, &account).await?,
            active: account.active,
            is_self: account.id == admin.account_id,
        });
    }
    Ok(views)
}

/// The bureau a staff account belongs to, through its school or point.
async fn bureau_of(
    db: &impl ConnectionTrait,
    account: &staff_account::Model,
) -> Result<Option<i32>, ServiceError> {
    if let Some(id) = account.school_id {
        return Ok(school::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| s.bureau_id));
    }
    if let Some(id) = account.registration_point_id {
        return Ok(registration_point::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| p.bureau_id));
    }
    Ok(account.bureau_id)
}

/// Schools and registration points an administrator can assign staff to.
async fn staff_places(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<(Vec<PlaceOption>, Vec<PlaceOption>), ServiceError> {
    let admin = actor.require_role(&[StaffRole::BureauAdmin])?;
    let mut schools = school::Entity::find().order_by_asc(school::Column::Position);
    let mut points =
        registration_point::Entity::find().order_by_asc(registration_point::Column::Id);
    if let Some(bureau_id) = admin.bureau_id {
        schools = schools.filter(school::Column::BureauId.eq(bureau_id));
        points = points.filter(registration_point::Column::BureauId.eq(bureau_id));
    }
    let schools = schools
        .all(db)
        .await?
        .into_iter()
        .map(|s| PlaceOption {
            id: s.id,
            name: LocalizedText {
                zh: s.name_zh,
                en: s.name_en,
            },
        })
        .collect();
    let points = points
        .all(db)
        .await?
        .into_iter()
        .map(|p| PlaceOption {
            id: p.id,
            name: LocalizedText {
                zh: p.name_zh,
                en: p.name_en,
            },
        })
        .collect();
    Ok((schools, points))
}

fn valid_username(username: &str) -> bool {
    (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && username.as_bytes()[0].is_ascii_lowercase()
}

/// Creates a staff account. Problems with the input come back together, each naming its field.
pub async fn create_staff(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewStaffAccount,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    let admin = actor.require_role(&[StaffRole::BureauAdmin])?.clone();
    let username = input.username.trim().to_lowercase();
    let mut problems = Vec::new();
    if !valid_username(&username) {
        problems.push(FieldProblem::new(
            "username",
            "用户名需 3–64 位，以小写字母开头，只含小写字母、数字和 . _ -。",
            "The username needs 3–64 characters: a lower-case letter first, then lower-case letters, digits, . _ or -.",
        ));
    }
    let display_name = match PersonName::parse(&input.display_name) {
        Ok(name) => name.as_str().to_owned(),
        Err(error) => {
            problems.push(FieldProblem::new(
                "display_name",
                error.message(Locale::Zh),
                error.message(Locale::En),
            ));
            String::new()
        }
    };
    if let Err(problem) = password::check_new_password(&username, &input.password) {
        problems.push(FieldProblem::new(
            "password",
            problem.message(Locale::Zh),
            problem.message(Locale::En),
        ));
    }
    let (mut school_id, mut point_id, mut bureau_id) = (None, None, None);
    match input.role {
        None => problems.push(FieldProblem::new("role", "请选择角色。", "Choose a role.")),
        Some(StaffRole::Reviewer) => match input.place_id {
            Some(id) => match school::Entity::find_by_id(id).one(db).await? {
                Some(s) if admin.bureau_id.is_none_or(|b| b == s.bureau_id) => {
                    school_id = Some(s.id)
                }
                _ => problems.push(FieldProblem::new(
                    "place_id",
                    "请选择本区的一所学校。",
                    "Choose a school of your district.",
                )),
            },
            None => problems.push(FieldProblem::new(
                "place_id",
                "审核员必须属于一所学校，请选择学校。",
                "A reviewer belongs to a school: choose one.",
            )),
        },
        Some(StaffRole::PointStaff) => match input.place_id {
            Some(id) => match registration_point::Entity::find_by_id(id).one(db).await? {
                Some(p) if admin.bureau_id.is_none_or(|b| b == p.bureau_id) => {
                    point_id = Some(p.id)
                }
                _ => problems.push(FieldProblem::new(
                    "place_id",
                    "请选择本区的一个报名点。",
                    "Choose a registration point of your district.",
                )),
            },
            None => problems.push(FieldProblem::new(
                "place_id",
                "报名点工作人员必须属于一个报名点，请选择。",
                "Registration-point staff belong to a point: choose one.",
            )),
        },
        // A district administrator makes administrators of their own district only.
        Some(StaffRole::BureauAdmin) => bureau_id = admin.bureau_id,
    }
    let Some(role) = input.role.filter(|_| problems.is_empty()) else {
        return Err(ServiceError::Invalid(problems));
    };
    let password_hash = password::hash_password(input.password).await?;
    let inserted = staff_account::ActiveModel {
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(role),
        bureau_id: Set(bureau_id),
        school_id: Set(school_id),
        registration_point_id: Set(point_id),
        active: Set(true),
        created_at: Set(now),
        created_by: Set(Some(admin.account_id)),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(row.id),
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ServiceError::Invalid(vec![FieldProblem::new(
                "username",
                "该用户名已被使用，请换一个。",
                "This username is taken: choose another.",
            )]))
        }
        Err(error) => Err(error.into()),
    }
}

/// Activates or deactivates a staff account of the administrator's district. Deactivation
/// ends the account's sessions at their next request.
pub async fn set_staff_active(
    db: &impl ConnectionTrait,
    actor: &Actor,
    account_id: i32,
    active: bool,
) -> Result<(), ServiceError> {
    let admin = actor.require_role(&[StaffRole::BureauAdmin])?;
    let account = staff_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if let Some(bureau_id) = admin.bureau_id
        && bureau_of(db, &account).await? != Some(bureau_id)
    {
        return Err(ServiceError::NotFound);
    }
    if account.id == admin.account_id && !active {
        return Err(ServiceError::Invalid(vec![FieldProblem::new(
            "active",
            "不能停用自己的账号。",
            "You cannot deactivate your own account.",
        )]));
    }
    let mut row: staff_account::ActiveModel = account.into();
    row.active = Set(active);
    row.update(db).await?;
    Ok(())
}

/// A school's overview for its reviewers and its bureau's administrators.
pub async fn school_overview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: i32,
) -> Result<SchoolOverview, ServiceError> {
    let (_, school) = actor.require_school(db, school_id).await?;
    let reviewers = staff_account::Entity::find()
        .filter(staff_account::Column::SchoolId.eq(school.id))
        .filter(staff_account::Column::Active.eq(true))
        .count(db)
        .await?;
    Ok(SchoolOverview {
        id: school.id,
        name: LocalizedText {
            zh: school.name_zh,
            en: school.name_en,
        },
        address: LocalizedText {
            zh: school.address_zh,
            en: school.address_en,
        },
        active_reviewers: reviewers,
    })
}

/// Creates the first administrator (city-wide) from the command line; refuses a taken
/// username or a weak password.
pub async fn create_admin(
    db: &impl ConnectionTrait,
    username: &str,
    display_name: &str,
    password_text: String,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    let username = username.trim().to_lowercase();
    let mut problems = Vec::new();
    if !valid_username(&username) {
        problems.push(FieldProblem::new(
            "username",
            "用户名格式不正确",
            "invalid username",
        ));
    }
    if let Err(problem) = password::check_new_password(&username, &password_text) {
        problems.push(FieldProblem::new(
            "password",
            problem.message(Locale::Zh),
            problem.message(Locale::En),
        ));
    }
    let display_name = PersonName::parse(display_name)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| username.clone());
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let row = staff_account::ActiveModel {
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(password::hash_password(password_text).await?),
        role: Set(StaffRole::BureauAdmin),
        bureau_id: Set(None),
        school_id: Set(None),
        registration_point_id: Set(None),
        active: Set(true),
        created_at: Set(now),
        created_by: Set(None),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await;
    match row {
        Ok(row) => Ok(row.id),
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ServiceError::Invalid(vec![FieldProblem::new(
                "username",
                "该用户名已被使用",
                "this username is taken",
            )]))
        }
        Err(error) => Err(error.into()),
    }
}
