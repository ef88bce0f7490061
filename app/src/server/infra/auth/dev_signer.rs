//! The simulated host app's signing key and the signer made from it, for local runs and
//! tests. Compiled only with the `dev` feature (and into this crate's unit tests): a
//! deployment build (`make release`) contains neither half of the key.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::sso::{HostClaims, KeyError};
use crate::server::failure::ServiceError;

/// Signs host tokens with the development key: the simulated host app, and tests.
#[derive(Clone)]
pub struct DevTokenSigner {
    key: EncodingKey,
    pub issuer: String,
    pub audience: String,
}

/// The development key pair. Published in the repository, so only for the simulated host
/// app on local runs and tests: a build without the `dev` feature does not contain it, and an
/// installation with HTTPS refuses to start with the simulated host app on.
pub const DEV_PRIVATE_KEY_PEM: &str = include_str!("dev-key/host-app-dev.key.pem");
/// The public half of [`DEV_PRIVATE_KEY_PEM`].
pub const DEV_PUBLIC_KEY_PEM: &str = include_str!("dev-key/host-app-dev.pub.pem");

impl DevTokenSigner {
    pub fn new(issuer: &str, audience: &str) -> Result<Self, KeyError> {
        Ok(Self {
            key: EncodingKey::from_ec_pem(DEV_PRIVATE_KEY_PEM.as_bytes()).map_err(|_| KeyError)?,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// Signs `claims` as they are (tests use this to forge bad ones).
    pub fn sign(&self, claims: &HostClaims) -> Result<String, ServiceError> {
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), claims, &self.key)
            .map_err(|e| ServiceError::Unexpected(format!("signing a dev token: {e}")))
    }

    /// Claims for a person, valid for five minutes from `now`, with a fresh one-time id.
    pub fn claims_for(
        &self,
        subject: &str,
        name: &str,
        id_number: &str,
        phone_number: &str,
        real_person_verified: bool,
        now: DateTime<Utc>,
    ) -> HostClaims {
        HostClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + 300,
            nbf: None,
            jti: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            id_number: id_number.to_owned(),
            phone_number: phone_number.to_owned(),
            real_person_verified,
        }
    }
}
