//! Encryption at rest of what identifies a child or a family: every resident ID number,
//! the section answers (which carry the guardians' numbers, names and addresses) and the
//! registries' answers. Values are sealed with XChaCha20-Poly1305 under the current data
//! key and carry its id (`enc:1:<key id>:<base64 nonce‖ciphertext>`), so that several
//! keys can be read at once while `server rotate-key` moves every value to the newest.
//! What must be unique or looked up (the one-registration-per-child index, registry
//! lookup keys) is a keyed hash (HMAC-SHA-256) under a separate index key that does not
//! rotate with the data keys.
//!
//! The keys come from `RUXUE_DATA_KEY` (or a file, `@path`): `index=<base64>` and one or
//! more `<id>=<base64>` data keys of 32 bytes, the first of which seals new values. One
//! keyring serves a process; it is installed at start-up.

use std::sync::{Arc, RwLock};

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, KeyInit, OsRng},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::failure::ServiceError;

const PREFIX: &str = "enc:1:";
const BLIND_PREFIX: &str = "h1:";

/// Why a keyring cannot be read from its setting.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyringError {
    #[error("RUXUE_DATA_KEY: `{0}` is not `id=<base64 of 32 bytes>`")]
    Malformed(String),
    #[error("RUXUE_DATA_KEY: the key `{0}` is not 32 bytes of base64")]
    BadKey(String),
    #[error("RUXUE_DATA_KEY: the key id `{0}` appears twice")]
    Duplicate(String),
    #[error("RUXUE_DATA_KEY needs an `index=` key and at least one data key")]
    Incomplete,
}

/// The keys of this process: the data keys by id (the first seals), and the index key.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, XChaCha20Poly1305)>,
    index: Vec<u8>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current_id())
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Reads `index=<base64>,<id>=<base64>,…` (commas or new lines between entries).
    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let mut keys: Vec<(String, XChaCha20Poly1305)> = Vec::new();
        let mut index = None;
        for entry in text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'))
        {
            let (id, material) = entry
                .split_once('=')
                .map(|(id, m)| (id.trim(), m.trim()))
                .filter(|(id, _)| {
                    !id.is_empty()
                        && id.len() <= 16
                        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
                .ok_or_else(|| KeyringError::Malformed(entry.chars().take(20).collect()))?;
            let bytes = STANDARD
                .decode(material)
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| KeyringError::BadKey(id.to_owned()))?;
            if id == "index" {
                if index.replace(bytes).is_some() {
                    return Err(KeyringError::Duplicate(id.to_owned()));
                }
                continue;
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyringError::Duplicate(id.to_owned()));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| KeyringError::BadKey(id.to_owned()))?;
            keys.push((id.to_owned(), cipher));
        }
        match index {
            Some(index) if !keys.is_empty() => Ok(Self { keys, index }),
            _ => Err(KeyringError::Incomplete),
        }
    }

    /// A new keyring's setting: an index key and one data key, random.
    pub fn generate(first_id: &str) -> String {
        let random = || STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng));
        format!("index={}\n{first_id}={}\n", random(), random())
    }

    /// The id of the key that seals new values.
    pub fn current_id(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    /// Seals `plain` under the current key.
    pub fn seal(&self, plain: &str) -> Result<String, ServiceError> {
        let (id, cipher) = self
            .keys
            .first()
            .ok_or_else(|| ServiceError::Unexpected("no data key".into()))?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| ServiceError::Unexpected("sealing a value failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{id}:{}", STANDARD.encode(bytes)))
    }

    /// Opens a sealed value. A value stored before encryption (no prefix) is returned as it
    /// is, so that rows written earlier stay readable until they are sealed.
    pub fn open(&self, stored: &str) -> Result<String, ServiceError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| ServiceError::Unexpected("a sealed value without a key id".into()))?;
        let cipher = self
            .keys
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, c)| c)
            .ok_or_else(|| {
                ServiceError::Unexpected(format!("the data key `{id}` is not configured"))
            })?;
        let bytes = STANDARD
            .decode(body)
            .map_err(|_| ServiceError::Unexpected("a sealed value is not base64".into()))?;
        if bytes.len() < 24 {
            return Err(ServiceError::Unexpected(
                "a sealed value is too short".into(),
            ));
        }
        let (nonce, sealed) = bytes.split_at(24);
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| ServiceError::Unexpected("a sealed value does not open".into()))?;
        String::from_utf8(plain)
            .map_err(|_| ServiceError::Unexpected("a sealed value is not text".into()))
    }

    /// Whether `stored` is sealed under the current key (else `rotate-key` seals it again).
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current_id())
    }

    /// The keyed hash of `value` under the index key: equal values give equal hashes, and
    /// nobody without the key can test a guess.
    pub fn blind(&self, value: &str) -> Result<String, ServiceError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index)
            .map_err(|_| ServiceError::Unexpected("the index key cannot be used".into()))?;
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!("{BLIND_PREFIX}{hex}"))
    }
}

static KEYRING: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Installs the keyring of this process (at start-up).
pub fn install(keyring: Keyring) {
    if let Ok(mut slot) = KEYRING.write() {
        *slot = Some(Arc::new(keyring));
    }
}

/// The keyring of this process.
pub fn keyring() -> Result<Arc<Keyring>, ServiceError> {
    KEYRING
        .read()
        .ok()
        .and_then(|slot| slot.clone())
        .ok_or_else(|| ServiceError::Unexpected("no data key is installed".into()))
}

/// 32 bytes from the operating system's random source, in lowercase hexadecimal (a draw's
/// secret).
pub fn random_secret() -> String {
    XChaCha20Poly1305::generate_key(&mut OsRng)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seals `plain` under the current key of this process.
pub fn seal(plain: &str) -> Result<String, ServiceError> {
    keyring()?.seal(plain)
}

/// Opens a stored value (sealed or written before encryption).
pub fn open(stored: &str) -> Result<String, ServiceError> {
    keyring()?.open(stored)
}

/// A keyed hash as a unique index of one school year holds it (`<hash>:<year>`): a child's
/// one registration a year.
pub fn per_year(hash: &str, school_year: i32) -> String {
    format!("{hash}:{school_year}")
}

/// The keyed hash of `value`, for unique indexes and look-ups.
pub fn blind(value: &str) -> Result<String, ServiceError> {
    keyring()?.blind(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(text: &str) -> Keyring {
        Keyring::parse(text).expect("a keyring")
    }

    #[test]
    fn a_sealed_value_opens_and_reveals_nothing() {
        let setting = Keyring::generate("k1");
        let keys = ring(&setting);
        let sealed = keys.seal("370202202003150526").expect("sealed");
        assert!(sealed.starts_with("enc:1:k1:"));
        assert!(!sealed.contains("370202"));
        assert_ne!(sealed, keys.seal("370202202003150526").expect("sealed"));
        assert_eq!(keys.open(&sealed).expect("opened"), "370202202003150526");
        assert_eq!(keys.open("plain").expect("as it is"), "plain");
    }

    #[test]
    fn a_new_key_reads_old_values_and_seals_with_itself() {
        let old = Keyring::generate("k1");
        let old_keys = ring(&old);
        let sealed = old_keys.seal("secret").expect("sealed");
        let k1 = old
            .lines()
            .find(|l| l.starts_with("k1="))
            .unwrap_or_default();
        let index = old
            .lines()
            .find(|l| l.starts_with("index="))
            .unwrap_or_default();
        let fresh = Keyring::generate("k2");
        let k2 = fresh
            .lines()
            .find(|l| l.starts_with("k2="))
            .unwrap_or_default();
        let both = ring(&format!("{index},{k2},{k1}"));
        assert_eq!(both.open(&sealed).expect("opened"), "secret");
        assert!(!both.is_current(&sealed));
        assert!(both.is_current(&both.seal("secret").expect("sealed")));
        assert_eq!(
            both.blind("x").ok(),
            old_keys.blind("x").ok(),
            "the index does not rotate"
        );
        let without_old = ring(&format!("{index},{k2}"));
        assert!(without_old.open(&sealed).is_err());
    }

    #[test]
    fn a_tampered_value_does_not_open() {
        let keys = ring(&Keyring::generate("k1"));
        let mut sealed = keys.seal("secret").expect("sealed");
        sealed.pop();
        sealed.push('A');
        assert!(keys.open(&sealed).is_err());
    }

    #[test]
    fn blind_hashes_are_keyed() {
        let a = ring(&Keyring::generate("k1"));
        let b = ring(&Keyring::generate("k1"));
        let id = "370202202003150526";
        assert_eq!(a.blind(id).ok(), a.blind(id).ok());
        assert_ne!(a.blind(id).ok(), b.blind(id).ok());
        assert!(a.blind(id).is_ok_and(|h| !h.contains(id)));
    }

    #[test]
    fn bad_settings_are_named() {
        assert_eq!(
            Keyring::parse("k1=abc").err(),
            Some(KeyringError::BadKey("k1".into()))
        );
        assert_eq!(Keyring::parse("").err(), Some(KeyringError::Incomplete));
        assert!(matches!(
            Keyring::parse("nonsense").err(),
            Some(KeyringError::Malformed(_))
        ));
    }
}
