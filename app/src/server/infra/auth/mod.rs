//! Who is calling: sessions, the signed-in actor, and the access checks every service
//! function starts with.

pub mod client_address;
#[cfg(any(test, feature = "dev"))]
pub mod dev_signer;
pub mod password;
pub mod sso;
pub mod store;
pub mod throttle;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::{
    domain::StaffRole,
    server::{
        entities::{school, staff_account},
        failure::ServiceError,
    },
};

/// The session key under which the signed-in principal is kept.
const AUTH_KEY: &str = "auth";
/// Activity is written back to the session at most this often (seconds).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session ends after this long without activity.
    pub idle: Duration,
    /// And in any case this long after sign-in.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
enum Principal {
    Parent(i32),
    Staff(i32),
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct SessionAuth {
    principal: Principal,
    signed_in_at: i64,
    last_seen_at: i64,
}

/// A signed-in member of staff, as loaded from their account on this request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActor {
    pub account_id: i32,
    pub role: StaffRole,
    pub bureau_id: Option<i32>,
    pub school_id: Option<i32>,
    pub registration_point_id: Option<i32>,
}

/// Who is making the current request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Actor {
    #[default]
    Anonymous,
    Parent {
        account_id: i32,
    },
    Staff(StaffActor),
}

impl Actor {
    /// The parent's account id; refuses anyone else.
    pub fn require_parent(&self) -> Result<i32, ServiceError> {
        match self {
            Self::Parent { account_id } => Ok(*account_id),
            Self::Anonymous => Err(ServiceError::Unauthenticated),
            Self::Staff(_) => Err(ServiceError::Forbidden),
        }
    }

    /// The member of staff; refuses anyone else.
    pub fn require_staff(&self) -> Result<&StaffActor, ServiceError> {
        match self {
            Self::Staff(staff) => Ok(staff),
            Self::Anonymous => Err(ServiceError::Unauthenticated),
            Self::Parent { .. } => Err(ServiceError::Forbidden),
        }
    }

    /// The member of staff, if they have one of `roles`.
    pub fn require_role(&self, roles: &[StaffRole]) -> Result<&StaffActor, ServiceError> {
        let staff = self.require_staff()?;
        if roles.contains(&staff.role) {
            Ok(staff)
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Staff who may work on `school_id`: its own reviewers, and administrators of its
    /// bureau (or city-wide administrators). A school that does not exist is not found.
    pub async fn require_school(
        &self,
        db: &impl ConnectionTrait,
        school_id: i32,
    ) -> Result<(&StaffActor, school::Model), ServiceError> {
        let staff = self.require_role(&[StaffRole::Reviewer, StaffRole::BureauAdmin])?;
        let school = school::Entity::find_by_id(school_id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let allowed = match staff.role {
            StaffRole::Reviewer => staff.school_id == Some(school.id),
            StaffRole::BureauAdmin => staff.bureau_id.is_none_or(|b| b == school.bureau_id),
            StaffRole::PointStaff => false,
        };
        if allowed {
            Ok((staff, school))
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// A city-wide administrator, or the administrator of `bureau_id`.
    pub fn require_bureau_admin_of(&self, bureau_id: i32) -> Result<&StaffActor, ServiceError> {
        let staff = self.require_role(&[StaffRole::BureauAdmin])?;
        if staff.bureau_id.is_none_or(|b| b == bureau_id) {
            Ok(staff)
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

fn session_error(error: tower_sessions::session::Error) -> ServiceError {
    ServiceError::Unexpected(format!("session: {error}"))
}

/// Finds who the session belongs to, enforcing the idle and absolute timeouts and the
/// staff account still being active; records activity.
pub async fn resolve_actor(
    db: &impl ConnectionTrait,
    session: &Session,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Actor, ServiceError> {
    let Some(mut auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(Actor::Anonymous);
    };
    let now_s = now.timestamp();
    let idle = i64::try_from(policy.idle.as_secs()).unwrap_or(i64::MAX);
    let absolute = i64::try_from(policy.absolute.as_secs()).unwrap_or(i64::MAX);
    if now_s.saturating_sub(auth.last_seen_at) > idle
        || now_s.saturating_sub(auth.signed_in_at) > absolute
    {
        session.flush().await.map_err(session_error)?;
        return Ok(Actor::Anonymous);
    }
    let actor = match auth.principal {
        // A parent's session is begun only for an account the host app vouched for, and
        // parent accounts are never deleted or disabled: nothing to read (every write
        // still names the account, which the database's foreign keys hold to).
        Principal::Parent(id) => Some(Actor::Parent { account_id: id }),
        Principal::Staff(id) => staff_account::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|account| account.active)
            .map(|account| {
                Actor::Staff(StaffActor {
                    account_id: account.id,
                    role: account.role,
                    bureau_id: account.bureau_id,
                    school_id: account.school_id,
                    registration_point_id: account.registration_point_id,
                })
            }),
    };
    let Some(actor) = actor else {
        session.flush().await.map_err(session_error)?;
        return Ok(Actor::Anonymous);
    };
    if now_s - auth.last_seen_at >= TOUCH_EVERY_SECONDS {
        auth.last_seen_at = now_s;
        session
            .insert(AUTH_KEY, auth)
            .await
            .map_err(session_error)?;
    }
    Ok(actor)
}

async fn begin(
    session: &Session,
    principal: Principal,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    // A new id at sign-in: an id planted before sign-in is worth nothing after it.
    session.cycle_id().await.map_err(session_error)?;
    session.clear().await;
    let auth = SessionAuth {
        principal,
        signed_in_at: now.timestamp(),
        last_seen_at: now.timestamp(),
    };
    session.insert(AUTH_KEY, auth).await.map_err(session_error)
}

/// Starts a parent's session.
pub async fn begin_parent_session(
    session: &Session,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    begin(session, Principal::Parent(account_id), now).await
}

/// Starts a member of staff's session.
pub async fn begin_staff_session(
    session: &Session,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    begin(session, Principal::Staff(account_id), now).await
}

/// Ends the session: deletes it on the server and clears the cookie.
pub async fn end_session(session: &Session) -> Result<(), ServiceError> {
    session.flush().await.map_err(session_error)
}

/// The actor of the current request, as the server's authentication layer found it.
/// Anonymous when nothing was found: the absence of a check never grants anything.
pub fn current_actor() -> Actor {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Actor>().cloned())
        .unwrap_or_default()
}

/// The session of the current request.
pub fn current_session() -> Result<Session, ServiceError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Session>().cloned())
        .ok_or_else(|| ServiceError::Unexpected("no session layer".into()))
}
