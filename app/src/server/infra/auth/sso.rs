//! Sign-in through the host government app: it opens the platform with a signed token
//! (ES256 or RS256) whose claims say who the parent is. The token is verified with the
//! host's public key — chosen by the token's `kid` when the host has several, so that it can
//! rotate its key with an overlap — then signature, issuer, audience and lifetime (`iat`,
//! `exp`, `nbf`) with a small clock skew; it can be used once.
//!
//! The claims are documented for host-app integrators in `docs/host-app-sign-in.md`.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{PersonName, PhoneNumber, ResidentId},
    server::{
        entities::{parent_account, staff_account, used_host_token},
        failure::ServiceError,
        infra::auth::Actor,
    },
};

/// Clock difference tolerated between the host app and the platform.
pub const LEEWAY_SECONDS: i64 = 60;
/// Longest lifetime a host token may declare: it is meant to be used at once.
pub const MAX_LIFETIME_SECONDS: i64 = 600;

/// The claims of a host-app token.
#[derive(Clone, Serialize, Deserialize)]
pub struct HostClaims {
    pub iss: String,
    pub aud: String,
    /// The host's stable id for this person: never changes when the name or phone does.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Not valid before this instant (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// One-time id.
    pub jti: String,
    pub name: String,
    pub id_number: String,
    pub phone_number: String,
    /// The host app verified the person (real name and face check).
    pub real_person_verified: bool,
}

impl std::fmt::Debug for HostClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostClaims")
            .field("iss", &self.iss)
            .field("jti", &self.jti)
            .finish_non_exhaustive()
    }
}

/// Why a host token is refused. Each has its own message for the parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SsoRefusal {
    /// Sign-in through the host app is not configured on this installation.
    NotConfigured,
    /// No token, a malformed one, a wrong signature, issuer or audience.
    Invalid,
    /// The token's time has passed (or has not come).
    Expired,
    /// The token was used before.
    Replayed,
    /// The host app has not verified the person's identity (real name and face).
    NotVerified,
    /// The host app's identity data is incomplete or malformed.
    IncompleteIdentity,
}

impl SsoRefusal {
    /// The code used in the problem page's address.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "not-configured",
            Self::Invalid => "invalid",
            Self::Expired => "expired",
            Self::Replayed => "replayed",
            Self::NotVerified => "not-verified",
            Self::IncompleteIdentity => "incomplete-identity",
        }
    }
}

/// One public key of the host app.
#[derive(Clone)]
struct HostKey {
    /// The id tokens name it by (`kid`); none for the single key of `RUXUE_SSO_PUBLIC_KEY`.
    kid: Option<String>,
    key: DecodingKey,
    algorithm: Algorithm,
}

/// How host tokens are verified on this installation.
#[derive(Clone)]
pub struct SsoVerifier {
    keys: Vec<HostKey>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for SsoVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoVerifier")
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|k| (k.kid.as_deref(), k.algorithm))
                    .collect::<Vec<_>>(),
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// A public key that could not be read.
#[derive(Debug, thiserror::Error)]
#[error(
    "the host app's public key is neither an EC (P-256) nor an RSA public key in PEM, or a key id is missing or given twice"
)]
pub struct KeyError;

fn read_key(public_key_pem: &str) -> Result<(DecodingKey, Algorithm), KeyError> {
    let pem = public_key_pem.as_bytes();
    match DecodingKey::from_ec_pem(pem) {
        Ok(key) => Ok((key, Algorithm::ES256)),
        Err(_) => Ok((
            DecodingKey::from_rsa_pem(pem).map_err(|_| KeyError)?,
            Algorithm::RS256,
        )),
    }
}

impl SsoVerifier {
    /// A verifier for tokens signed with the private key of `public_key_pem` (EC P-256 for
    /// ES256, or RSA for RS256). The one key checks every token, whatever `kid` it names.
    pub fn from_pem(public_key_pem: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        Self::from_keys([(None, public_key_pem)], issuer, audience)
    }

    /// A verifier for several keys, each with its id (`kid`): a token naming a `kid` is
    /// checked with that key only, and one naming none only when there is one key. Refuses
    /// no key at all, a key without id among several, and an id given twice.
    pub fn from_keys<'a>(
        keys: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, KeyError> {
        let mut read = Vec::new();
        for (kid, pem) in keys {
            let (key, algorithm) = read_key(pem)?;
            read.push(HostKey {
                kid: kid.map(str::to_owned),
                key,
                algorithm,
            });
        }
        let ids: std::collections::HashSet<&str> =
            read.iter().filter_map(|k| k.kid.as_deref()).collect();
        let well_named = read.len() == 1 || ids.len() == read.len();
        if read.is_empty() || !well_named {
            return Err(KeyError);
        }
        Ok(Self {
            keys: read,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// The issuer tokens must name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key a token is checked with: the one its `kid` names; without a `kid`, the only
    /// key. A lone key configured without an id checks every token.
    fn key_for(&self, token: &str) -> Result<&HostKey, SsoRefusal> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| SsoRefusal::Invalid)?;
        match (header.kid.as_deref(), self.keys.as_slice()) {
            (_, [only]) if only.kid.is_none() => Ok(only),
            (Some(kid), keys) => keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or(SsoRefusal::Invalid),
            (None, [only]) => Ok(only),
            (None, _) => Err(SsoRefusal::Invalid),
        }
    }

    /// Checks key, signature, algorithm, issuer, audience and lifetime against `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<HostClaims, SsoRefusal> {
        let token = token.trim();
        if token.is_empty() || token.len() > 8192 {
            return Err(SsoRefusal::Invalid);
        }
        let key = self.key_for(token)?;
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        // Lifetime is checked below against the platform's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data =
            jsonwebtoken::decode::<HostClaims>(token, &key.key, &validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => {
                        SsoRefusal::Expired
                    }
                    _ => SsoRefusal::Invalid,
                }
            })?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.exp + LEEWAY_SECONDS < now
            || claims.iat - LEEWAY_SECONDS > now
            || claims
                .nbf
                .is_some_and(|nbf| nbf.saturating_sub(LEEWAY_SECONDS) > now)
        {
            return Err(SsoRefusal::Expired);
        }
        if claims.exp - claims.iat > MAX_LIFETIME_SECONDS
            || claims.jti.trim().is_empty()
            || claims.sub.trim().is_empty()
            || claims.sub.len() > 200
            || claims.jti.len() > 200
        {
            return Err(SsoRefusal::Invalid);
        }
        Ok(claims)
    }
}

/// The parent a verified token signed in.
#[derive(Clone, Debug)]
pub struct SignedInParent {
    pub account_id: i32,
    /// Whether the parent has not yet confirmed the identity shown (核对用户信息).
    pub needs_identity_check: bool,
}

/// The identity verified claims carry, or why it cannot be used: a person the host app has
/// not verified, or a malformed name, ID number or phone. Writes nothing.
pub fn check_identity(
    claims: &HostClaims,
    now: DateTime<Utc>,
) -> Result<(PersonName, ResidentId, PhoneNumber), SsoRefusal> {
    if !claims.real_person_verified {
        return Err(SsoRefusal::NotVerified);
    }
    match (
        PersonName::parse(&claims.name),
        ResidentId::parse(&claims.id_number, now.date_naive()),
        PhoneNumber::parse(&claims.phone_number),
    ) {
        (Ok(name), Ok(resident_id), Ok(phone)) => Ok((name, resident_id, phone)),
        _ => Err(SsoRefusal::IncompleteIdentity),
    }
}

/// Turns verified claims into a platform account: refuses unverified people and malformed
/// identities, spends the one-time id, and creates or updates the account keyed on the
/// host's subject id.
pub async fn accept_claims(
    db: &impl ConnectionTrait,
    claims: &HostClaims,
    now: DateTime<Utc>,
) -> Result<Result<SignedInParent, SsoRefusal>, ServiceError> {
    let (name, resident_id, phone) = match check_identity(claims, now) {
        Ok(identity) => identity,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let expires_at = DateTime::from_timestamp(claims.exp + LEEWAY_SECONDS, 0).unwrap_or(now);
    let spent = used_host_token::ActiveModel {
        jti: Set(format!("{}|{}", claims.iss, claims.jti)),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await;
    match spent {
        Ok(_) => {}
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(Err(SsoRefusal::Replayed));
        }
        Err(error) => return Err(error.into()),
    }
    // Two first sign-ins of the same person can race: the unique index decides, and the
    // loser updates the winner's row.
    for _ in 0..2 {
        let existing = parent_account::Entity::find()
            .filter(parent_account::Column::HostIssuer.eq(&claims.iss))
            .filter(parent_account::Column::HostSubject.eq(&claims.sub))
            .one(db)
            .await?;
        if let Some(existing) = existing {
            // A corrected ID number (the host app had bound the account to the wrong person,
            // Qingdao Q7) is a new identity: its details are checked again before anything.
            let another_person =
                crate::server::infra::crypto::open(&existing.resident_id)? != resident_id.as_str();
            let needs_identity_check = existing.identity_confirmed_at.is_none() || another_person;
            let id = existing.id;
            let mut row: parent_account::ActiveModel = existing.into();
            if another_person {
                row.identity_confirmed_at = Set(None);
                // What the account followed as the other person's guardian is theirs, not
                // this person's: the confirmations go (the registrant can name them again).
                use crate::server::entities::follower;
                follower::Entity::update_many()
                    .col_expr(
                        follower::Column::AccountId,
                        Expr::value(Option::<i32>::None),
                    )
                    .col_expr(
                        follower::Column::ConfirmedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .filter(follower::Column::AccountId.eq(id))
                    .exec(db)
                    .await?;
            }
            row.name = Set(name.as_str().to_owned());
            row.resident_id = Set(crate::server::infra::crypto::seal(resident_id.as_str())?);
            row.phone = Set(phone.as_str().to_owned());
            row.real_person_verified = Set(true);
            row.last_sign_in_at = Set(now);
            row.update(db).await?;
            return Ok(Ok(SignedInParent {
                account_id: id,
                needs_identity_check,
            }));
        }
        let inserted = parent_account::ActiveModel {
            host_issuer: Set(claims.iss.clone()),
            host_subject: Set(claims.sub.clone()),
            name: Set(name.as_str().to_owned()),
            resident_id: Set(crate::server::infra::crypto::seal(resident_id.as_str())?),
            phone: Set(phone.as_str().to_owned()),
            real_person_verified: Set(true),
            identity_confirmed_at: Set(None),
            created_at: Set(now),
            last_sign_in_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Ok(row) => {
                return Ok(Ok(SignedInParent {
                    account_id: row.id,
                    needs_identity_check: true,
                }));
            }
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(ServiceError::Unexpected(
        "parent account upsert kept conflicting".into(),
    ))
}

/// Who holds the browser's session when a host token arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionHolder {
    /// No one is signed in.
    Nobody,
    /// The token's own person: signing in again changes nothing.
    SamePerson,
    /// Someone else: the switch is asked for, never made silently (a link from another
    /// site must not swap a parent into an account of the sender's choosing).
    Other {
        /// Their name, masked (张*).
        masked_name: String,
        /// Where they go when they stay.
        home: &'static str,
    },
}

/// A name with all but its first character hidden (张伟 → 张*), as shown where a person
/// may not be the one in front of the screen.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first)
            .chain(chars.filter(|c| !c.is_whitespace()).map(|_| '*'))
            .collect(),
        None => "*".to_owned(),
    }
}

/// Whether the session of `actor` belongs to the person of `claims`, someone else, or no one.
pub async fn session_holder(
    db: &impl ConnectionTrait,
    actor: &Actor,
    claims: &HostClaims,
) -> Result<SessionHolder, ServiceError> {
    match actor {
        Actor::Anonymous => Ok(SessionHolder::Nobody),
        Actor::Parent { account_id } => {
            let Some(account) = parent_account::Entity::find_by_id(*account_id)
                .one(db)
                .await?
            else {
                return Ok(SessionHolder::Nobody);
            };
            if account.host_issuer == claims.iss && account.host_subject == claims.sub {
                Ok(SessionHolder::SamePerson)
            } else {
                Ok(SessionHolder::Other {
                    masked_name: mask_name(&account.name),
                    home: "/registrations",
                })
            }
        }
        Actor::Staff(staff) => {
            let name = staff_account::Entity::find_by_id(staff.account_id)
                .one(db)
                .await?
                .map(|account| account.display_name)
                .unwrap_or_default();
            Ok(SessionHolder::Other {
                masked_name: mask_name(&name),
                home: "/staff",
            })
        }
    }
}

/// Deletes spent one-time ids whose tokens have expired anyway.
pub async fn delete_expired_token_ids(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    used_host_token::Entity::delete_many()
        .filter(used_host_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::infra::auth::dev_signer::{
        DEV_PRIVATE_KEY_PEM, DEV_PUBLIC_KEY_PEM, DevTokenSigner,
    };
    use chrono::TimeZone;
    use jsonwebtoken::{EncodingKey, Header};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0)
            .single()
            .expect("valid")
    }

    fn setup() -> (DevTokenSigner, SsoVerifier) {
        let signer = DevTokenSigner::new("https://host.test", "ruxue").expect("dev key");
        let verifier =
            SsoVerifier::from_pem(DEV_PUBLIC_KEY_PEM, "https://host.test", "ruxue").expect("key");
        (signer, verifier)
    }

    fn claims(signer: &DevTokenSigner) -> HostClaims {
        signer.claims_for(
            "sub-1",
            "张伟",
            "370202198805120311",
            "13800000001",
            true,
            now(),
        )
    }

    #[test]
    fn a_good_token_verifies() {
        let (signer, verifier) = setup();
        let token = signer.sign(&claims(&signer)).expect("signed");
        let verified = verifier.verify(&token, now()).expect("valid");
        assert_eq!(verified.sub, "sub-1");
    }

    #[test]
    fn wrong_issuer_audience_or_tampering_is_refused() {
        let (signer, verifier) = setup();
        let mut c = claims(&signer);
        c.iss = "https://other.test".into();
        assert_eq!(
            verifier
                .verify(&signer.sign(&c).expect("signed"), now())
                .map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
        let mut c = claims(&signer);
        c.aud = "someone-else".into();
        assert_eq!(
            verifier
                .verify(&signer.sign(&c).expect("signed"), now())
                .map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
        let token = signer.sign(&claims(&signer)).expect("signed");
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert_eq!(
            verifier.verify(&parts.join("."), now()).map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
        assert_eq!(
            verifier.verify("", now()).map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
        assert_eq!(
            verifier.verify("a.b.c", now()).map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
    }

    #[test]
    fn an_hs256_token_made_with_the_public_key_is_refused() {
        let (signer, verifier) = setup();
        let key = EncodingKey::from_secret(DEV_PUBLIC_KEY_PEM.as_bytes());
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(&signer), &key)
            .expect("signed");
        assert_eq!(
            verifier.verify(&token, now()).map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
    }

    #[test]
    fn lifetime_is_checked_with_a_small_skew() {
        let (signer, verifier) = setup();
        let token = signer.sign(&claims(&signer)).expect("signed");
        let later = now() + chrono::Duration::seconds(300 + LEEWAY_SECONDS - 1);
        assert!(verifier.verify(&token, later).is_ok());
        let too_late = now() + chrono::Duration::seconds(300 + LEEWAY_SECONDS + 1);
        assert_eq!(
            verifier.verify(&token, too_late).map(|_| ()),
            Err(SsoRefusal::Expired)
        );
        let too_early = now() - chrono::Duration::seconds(LEEWAY_SECONDS + 1);
        assert_eq!(
            verifier.verify(&token, too_early).map(|_| ()),
            Err(SsoRefusal::Expired)
        );
        let mut c = claims(&signer);
        c.exp = c.iat + MAX_LIFETIME_SECONDS + 1;
        assert_eq!(
            verifier
                .verify(&signer.sign(&c).expect("signed"), now())
                .map(|_| ()),
            Err(SsoRefusal::Invalid)
        );
    }

    #[test]
    fn not_before_is_checked_with_the_same_skew() {
        let (signer, verifier) = setup();
        let mut c = claims(&signer);
        c.nbf = Some(now().timestamp() + LEEWAY_SECONDS + 30);
        assert_eq!(
            verifier
                .verify(&signer.sign(&c).expect("signed"), now())
                .map(|_| ()),
            Err(SsoRefusal::Expired)
        );
        c.nbf = Some(now().timestamp() + LEEWAY_SECONDS - 1);
        assert!(
            verifier
                .verify(&signer.sign(&c).expect("signed"), now())
                .is_ok()
        );
    }

    fn rsa_test_keys() -> (EncodingKey, &'static str) {
        (
            EncodingKey::from_rsa_pem(include_bytes!(
                "../../../../../server/tests/api/keys/rsa-host.key.pem"
            ))
            .expect("key"),
            include_str!("../../../../../server/tests/api/keys/rsa-host.pub.pem"),
        )
    }

    fn with_kid(
        algorithm: Algorithm,
        kid: Option<&str>,
        c: &HostClaims,
        key: &EncodingKey,
    ) -> String {
        let mut header = Header::new(algorithm);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, c, key).expect("signed")
    }

    #[test]
    fn a_token_is_checked_with_the_key_its_kid_names() {
        let (signer, _) = setup();
        let (rsa_private, rsa_public) = rsa_test_keys();
        let dev_private = EncodingKey::from_ec_pem(DEV_PRIVATE_KEY_PEM.as_bytes()).expect("key");
        let verifier = SsoVerifier::from_keys(
            [(Some("a"), DEV_PUBLIC_KEY_PEM), (Some("b"), rsa_public)],
            "https://host.test",
            "ruxue",
        )
        .expect("keys");
        let c = claims(&signer);
        let by_b = with_kid(Algorithm::RS256, Some("b"), &c, &rsa_private);
        assert!(verifier.verify(&by_b, now()).is_ok());
        let by_a = with_kid(Algorithm::ES256, Some("a"), &c, &dev_private);
        assert!(verifier.verify(&by_a, now()).is_ok());
        for token in [
            with_kid(Algorithm::RS256, Some("a"), &c, &rsa_private),
            with_kid(Algorithm::ES256, Some("b"), &c, &dev_private),
            with_kid(Algorithm::RS256, Some("c"), &c, &rsa_private),
            with_kid(Algorithm::RS256, None, &c, &rsa_private),
        ] {
            assert_eq!(
                verifier.verify(&token, now()).map(|_| ()),
                Err(SsoRefusal::Invalid)
            );
        }
        // One key by id: a token without kid is accepted, a wrong kid is not.
        let one = SsoVerifier::from_keys([(Some("b"), rsa_public)], "https://host.test", "ruxue")
            .expect("key");
        assert!(
            one.verify(&with_kid(Algorithm::RS256, None, &c, &rsa_private), now())
                .is_ok()
        );
        assert!(
            one.verify(
                &with_kid(Algorithm::RS256, Some("a"), &c, &rsa_private),
                now()
            )
            .is_err()
        );
        // The single key of RUXUE_SSO_PUBLIC_KEY checks tokens whatever they name.
        let legacy = SsoVerifier::from_pem(rsa_public, "https://host.test", "ruxue").expect("key");
        assert!(
            legacy
                .verify(
                    &with_kid(Algorithm::RS256, Some("x"), &c, &rsa_private),
                    now()
                )
                .is_ok()
        );
        assert!(
            SsoVerifier::from_keys(
                [(Some("a"), DEV_PUBLIC_KEY_PEM), (Some("a"), rsa_public)],
                "i",
                "a"
            )
            .is_err()
        );
        assert!(
            SsoVerifier::from_keys(
                [(None, DEV_PUBLIC_KEY_PEM), (Some("b"), rsa_public)],
                "i",
                "a"
            )
            .is_err()
        );
    }

    #[test]
    fn names_are_masked_but_for_the_first_character() {
        assert_eq!(mask_name("张伟"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(""), "*");
    }

    #[test]
    fn claims_never_show_identity_in_debug_output() {
        let (signer, _) = setup();
        let text = format!("{:?}", claims(&signer));
        assert!(!text.contains("370202198805120311"));
        assert!(!text.contains("13800000001"));
    }
}
