//! Staff passwords: argon2id with a random salt, computed off the async threads, a few at
//! a time: each takes about 19 MiB and 50 ms, so a flood of sign-ins waits for a turn
//! instead of taking the server's memory, and is told to try again when the wait is long.

use std::{sync::LazyLock, time::Duration};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::{
    i18n::{Locale, t},
    server::failure::ServiceError,
};

/// How long a password check waits for a turn before the caller is told the server is busy.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// Password hashes computed at once in this process: twice the processors (a hash waits
/// little for a processor), at least 2, at most 32 (about 600 MiB).
pub fn hashes_at_once() -> usize {
    let processors = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    processors.saturating_mul(2).clamp(2, 32)
}

static HASH_PERMITS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashes_at_once()));

/// A turn to compute a hash, or [`ServiceError::Busy`] after [`HASH_WAIT`].
async fn hash_turn() -> Result<SemaphorePermit<'static>, ServiceError> {
    match tokio::time::timeout(HASH_WAIT, HASH_PERMITS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        // The semaphore is never closed; a closed one would be as good as busy.
        Ok(Err(_)) | Err(_) => {
            tracing::warn!("too many password checks at once: one was turned away");
            Err(ServiceError::Busy)
        }
    }
}

/// Why a new password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooSimple,
    SameAsUsername,
}

impl PasswordProblem {
    pub fn message(self, locale: Locale) -> String {
        match self {
            Self::TooShort => t(
                "密码至少需要 10 个字符。",
                "The password needs at least 10 characters.",
            ),
            Self::TooLong => t(
                "密码不能超过 128 个字符。",
                "The password can have at most 128 characters.",
            ),
            Self::TooSimple => t(
                "密码过于简单，请混用字母、数字或符号。",
                "The password is too simple: mix letters, digits or symbols.",
            ),
            Self::SameAsUsername => t(
                "密码不能与用户名相同。",
                "The password cannot be the username.",
            ),
        }
        .get(locale)
        .to_owned()
    }
}

/// Checks a new password against the platform's rules.
pub fn check_new_password(username: &str, password: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < 10 {
        return Err(PasswordProblem::TooShort);
    }
    if chars > 128 {
        return Err(PasswordProblem::TooLong);
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(PasswordProblem::SameAsUsername);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .into_iter()
    .filter(|present| *present)
    .count();
    if distinct.len() < 5 || classes < 2 {
        return Err(PasswordProblem::TooSimple);
    }
    Ok(())
}

/// Hashes a password (argon2id, default parameters: 19 MiB, 2 passes); waits for a turn.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    let permit = hash_turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::Unexpected(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Unexpected(format!("password task: {e}")))?
}

/// A hash of nothing anyone knows, verified when the username does not exist so that both
/// cases take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Kd9sGAQ5p0XWDo8kYT9P1yEpi9VJmwkp5vXGmHx4xY";

/// Whether `password` matches `hash` (or, without a hash, spends the same time and says no);
/// waits for a turn.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ServiceError> {
    let permit = hash_turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("a stored password hash cannot be read");
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .map_err(|e| ServiceError::Unexpected(format!("password task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert_eq!(
            check_new_password("li", "short"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_new_password("reviewer01", "reviewer01"),
            Err(PasswordProblem::SameAsUsername)
        );
        assert_eq!(
            check_new_password("li", "aaaaaaaaaaaa"),
            Err(PasswordProblem::TooSimple)
        );
        assert_eq!(
            check_new_password("li", "abcdefghijkl"),
            Err(PasswordProblem::TooSimple)
        );
        assert_eq!(check_new_password("li", "shinan-review-2026"), Ok(()));
        assert!(!PasswordProblem::TooShort.message(Locale::Zh).is_empty());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse 9".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse 9".into(), Some(hash.clone()))
                .await
                .expect("ok")
        );
        assert!(
            !verify_password("correct horse 8".into(), Some(hash))
                .await
                .expect("ok")
        );
        assert!(!verify_password("anything".into(), None).await.expect("ok"));
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the timing hash must parse"
        );
    }

    #[tokio::test]
    async fn checks_beyond_the_cap_wait_for_a_turn_and_all_finish() {
        assert!((2..=32).contains(&hashes_at_once()));
        let mut checks = tokio::task::JoinSet::new();
        for _ in 0..hashes_at_once() + 2 {
            checks.spawn(verify_password("anything".into(), None));
        }
        while let Some(answer) = checks.join_next().await {
            assert!(
                !answer
                    .expect("joined")
                    .expect("a turn comes within the wait")
            );
        }
    }
}
