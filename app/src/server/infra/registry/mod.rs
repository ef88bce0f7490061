//! Government registries (自动回填): one implementation per kind of source behind one
//! interface, and the client every lookup goes through, which bounds each attempt with a
//! timeout, retries a bounded number of times with backoff, and keeps answers briefly.

#[cfg(feature = "dev")]
pub mod demo;
pub mod http;

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::domain::provenance::RegistrySource;

/// A person's household registration, as public security holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRecord {
    /// The child's name as registered (may be a former name: Qingdao Q5).
    pub name: String,
    /// GB 3304 two-digit code.
    pub ethnicity: String,
    pub collective: bool,
    pub address: String,
    pub head_name: Option<String>,
    /// The head's relation to the child (a code of the household-section choices).
    pub head_relation: Option<String>,
    /// The parents' ID numbers as the register links them to the child.
    pub father_id: Option<String>,
    pub mother_id: Option<String>,
}

/// A property certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyRecord {
    pub certificate_number: String,
    pub address: String,
    pub owner_name: String,
    pub owner_id: String,
}

/// A residence permit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitRecord {
    pub holder_id: String,
    pub permit_number: String,
    pub issuing_office: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
}

/// Employment with social insurance paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentRecord {
    pub person_id: String,
    pub employer: String,
    pub credit_code: String,
    /// `YYYY-MM-DD`.
    pub employed_since: String,
}

/// What is asked of a registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// The household registration of a child.
    Household { child_id: String },
    /// Properties held by any of these people.
    RealEstate { person_ids: Vec<String> },
    /// Residence permits of any of these people.
    ResidencePermit { person_ids: Vec<String> },
    /// Employment of any of these people.
    Employment { person_ids: Vec<String> },
}

impl Question {
    pub fn source(&self) -> RegistrySource {
        match self {
            Self::Household { .. } => RegistrySource::Household,
            Self::RealEstate { .. } => RegistrySource::RealEstate,
            Self::ResidencePermit { .. } => RegistrySource::ResidencePermit,
            Self::Employment { .. } => RegistrySource::Employment,
        }
    }

    /// The ID numbers asked about.
    pub fn subjects(&self) -> Vec<String> {
        match self {
            Self::Household { child_id } => vec![child_id.clone()],
            Self::RealEstate { person_ids }
            | Self::ResidencePermit { person_ids }
            | Self::Employment { person_ids } => person_ids.clone(),
        }
    }

    /// The key of this question in the database: a keyed hash (see
    /// [`crate::server::infra::crypto`]) of the source and the subjects, so that the stored key
    /// cannot be reversed by trying every ID number.
    pub fn lookup_key(&self) -> Result<String, crate::server::failure::ServiceError> {
        let mut text = self.source().code().to_owned();
        for subject in self.subjects() {
            text.push('\u{1f}');
            text.push_str(&subject.to_ascii_uppercase());
        }
        crate::server::infra::crypto::blind(&text)
    }

    /// SHA-256 of the source and the subjects, for the in-memory cache of answers.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.source().code().as_bytes());
        for subject in self.subjects() {
            hasher.update(b"\x1f");
            hasher.update(subject.to_ascii_uppercase().as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A registry's answer; an empty list or `None` household means "not found".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "records", rename_all = "kebab-case")]
pub enum Record {
    Household(Option<HouseholdRecord>),
    RealEstate(Vec<PropertyRecord>),
    ResidencePermit(Vec<PermitRecord>),
    Employment(Vec<EmploymentRecord>),
}

impl Record {
    /// Whether the registry knew anything.
    pub fn found(&self) -> bool {
        match self {
            Self::Household(record) => record.is_some(),
            Self::RealEstate(list) => !list.is_empty(),
            Self::ResidencePermit(list) => !list.is_empty(),
            Self::Employment(list) => !list.is_empty(),
        }
    }
}

/// Why a registry gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Down, overloaded or too slow: worth another attempt.
    #[error("the registry is unavailable: {0}")]
    Unavailable(String),
    /// Refused the question (credentials, shape): another attempt would be refused too.
    #[error("the registry refused the request: {0}")]
    Refused(String),
    /// No registry of this kind is configured.
    #[error("no registry of this kind is configured")]
    NotConfigured,
}

/// The future a registry returns.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Record, RegistryError>> + Send + 'a>>;

/// One kind of government registry.
pub trait Registry: Send + Sync + std::fmt::Debug {
    /// Asks one question, once.
    fn ask<'a>(&'a self, question: &'a Question) -> Answer<'a>;
}

/// How lookups are bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupPolicy {
    /// Longest one attempt may take; also how long a parent waits before being told the
    /// source is slow.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// Wait before the first retry, doubled before each next one.
    pub backoff: Duration,
    /// How long an answer is reused.
    pub cache_for: Duration,
}

impl Default for LookupPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            retries: 2,
            backoff: Duration::from_millis(500),
            cache_for: Duration::from_secs(120),
        }
    }
}

impl LookupPolicy {
    /// The longest a lookup can run with every retry: after this a pending lookup is
    /// considered lost (its server stopped) and may be asked again.
    pub fn longest(&self) -> Duration {
        let mut total = self.timeout;
        let mut wait = self.backoff;
        for _ in 0..self.retries {
            total += wait + self.timeout;
            wait *= 2;
        }
        total
    }
}

const CACHE_ENTRIES: usize = 10_000;

/// The registries configured for this installation, and the bounds every lookup keeps.
#[derive(Clone, Debug, Default)]
pub struct Registries {
    sources: BTreeMap<RegistrySource, Arc<dyn Registry>>,
    pub policy: LookupPolicy,
    cache: Arc<Mutex<HashMap<String, (Instant, Record)>>>,
    /// The demo registry, when on, for the development controls.
    #[cfg(feature = "dev")]
    pub demo: Option<Arc<demo::DemoRegistry>>,
}

impl Registries {
    /// No registry at all: everything is entered by hand.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn new(policy: LookupPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// Uses `registry` for `source`.
    pub fn with(mut self, source: RegistrySource, registry: Arc<dyn Registry>) -> Self {
        self.sources.insert(source, registry);
        self
    }

    /// The built-in demo registry for every source.
    #[cfg(feature = "dev")]
    pub fn with_demo(mut self, demo: Arc<demo::DemoRegistry>) -> Self {
        for source in RegistrySource::ALL {
            self.sources.insert(source, demo.clone());
        }
        self.demo = Some(demo);
        self
    }

    /// The sources configured.
    pub fn configured(&self) -> Vec<RegistrySource> {
        self.sources.keys().copied().collect()
    }

    pub fn is_configured(&self, source: RegistrySource) -> bool {
        self.sources.contains_key(&source)
    }

    /// Asks a question within the policy's bounds. Returns the answer and the attempts made.
    pub async fn ask(&self, question: &Question) -> (Result<Record, RegistryError>, u32) {
        use crate::server::infra::measure;
        let source = question.source().code();
        let Some(registry) = self.sources.get(&question.source()) else {
            measure::registry_lookup(source, "not_configured", None);
            return (Err(RegistryError::NotConfigured), 0);
        };
        let key = question.digest();
        if let Some(record) = self.cached(&key) {
            measure::registry_lookup(source, "cached", None);
            return (Ok(record), 0);
        }
        let started = Instant::now();
        let (answer, attempts) = self.ask_registry(registry.as_ref(), question, key).await;
        let outcome = match &answer {
            Ok(_) => "answered",
            Err(RegistryError::Unavailable(_)) => "unavailable",
            Err(RegistryError::Refused(_)) => "refused",
            Err(RegistryError::NotConfigured) => "not_configured",
        };
        measure::registry_lookup(source, outcome, Some(started.elapsed()));
        (answer, attempts)
    }

    /// Asks `registry` with retries and a timeout per attempt; remembers an answer.
    async fn ask_registry(
        &self,
        registry: &dyn Registry,
        question: &Question,
        key: String,
    ) -> (Result<Record, RegistryError>, u32) {
        let mut wait = self.policy.backoff;
        let mut attempts = 0;
        let mut last = RegistryError::Unavailable("not asked".into());
        for attempt in 0..=self.policy.retries {
            if attempt > 0 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            attempts += 1;
            match tokio::time::timeout(self.policy.timeout, registry.ask(question)).await {
                Ok(Ok(record)) => {
                    self.remember(key, record.clone());
                    return (Ok(record), attempts);
                }
                Ok(Err(RegistryError::Unavailable(reason))) => {
                    last = RegistryError::Unavailable(reason);
                }
                Ok(Err(other)) => return (Err(other), attempts),
                Err(_) => {
                    last = RegistryError::Unavailable(format!(
                        "no answer within {} ms",
                        self.policy.timeout.as_millis()
                    ));
                }
            }
            tracing::info!(
                source = question.source().code(),
                attempt = attempts,
                "registry lookup attempt failed"
            );
        }
        (Err(last), attempts)
    }

    fn cached(&self, key: &str) -> Option<Record> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.policy.cache_for)
            .map(|(_, record)| record.clone())
    }

    fn remember(&self, key: String, record: Record) {
        if self.policy.cache_for.is_zero() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.len() >= CACHE_ENTRIES {
            let ttl = self.policy.cache_for;
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), record));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// A registry that fails a set number of times, then answers.
    #[derive(Debug)]
    struct Flaky {
        failures_left: AtomicU32,
        calls: AtomicU32,
        hang: bool,
    }

    impl Registry for Flaky {
        fn ask<'a>(&'a self, _question: &'a Question) -> Answer<'a> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                if self.hang {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                if self
                    .failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    return Err(RegistryError::Unavailable("busy".into()));
                }
                Ok(Record::Employment(Vec::new()))
            })
        }
    }

    fn policy() -> LookupPolicy {
        LookupPolicy {
            timeout: Duration::from_millis(50),
            retries: 2,
            backoff: Duration::from_millis(5),
            cache_for: Duration::from_secs(60),
        }
    }

    fn question() -> Question {
        Question::Employment {
            person_ids: vec!["370202198805120311".into()],
        }
    }

    #[tokio::test]
    async fn retries_a_bounded_number_of_times_then_caches_the_answer() {
        let flaky = Arc::new(Flaky {
            failures_left: AtomicU32::new(2),
            calls: AtomicU32::new(0),
            hang: false,
        });
        let registries = Registries::new(policy()).with(RegistrySource::Employment, flaky.clone());
        let (answer, attempts) = registries.ask(&question()).await;
        assert_eq!(answer, Ok(Record::Employment(Vec::new())));
        assert_eq!(attempts, 3);
        let (again, attempts) = registries.ask(&question()).await;
        assert!(again.is_ok());
        assert_eq!(attempts, 0, "answered from the cache");
        assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_source_that_never_answers_gives_up_after_every_attempt_timed_out() {
        let hanging = Arc::new(Flaky {
            failures_left: AtomicU32::new(0),
            calls: AtomicU32::new(0),
            hang: true,
        });
        let registries =
            Registries::new(policy()).with(RegistrySource::Employment, hanging.clone());
        let (answer, attempts) = registries.ask(&question()).await;
        assert!(matches!(answer, Err(RegistryError::Unavailable(_))));
        assert_eq!(attempts, 3);
        assert_eq!(hanging.calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_same_question_has_the_same_digest_and_another_one_another() {
        let a = question();
        let b = Question::Employment {
            person_ids: vec!["370202199008230424".into()],
        };
        assert_eq!(a.digest(), question().digest());
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest().len(), 64);
    }
}
