//! Notices to parents: an in-app message and an SMS, both written in the transaction of
//! the change they announce. SMS leave through the outbox: a background worker claims due
//! rows, hands them to the configured gateway and marks them delivered, retrying failures
//! with a growing delay. A claim is a conditional update, so two workers (or a restarted
//! one) never send the same row twice; each message carries its outbox id as an
//! idempotency key for gateways that deduplicate.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    domain::{
        PhoneNumber,
        review::TimelineKind,
        sections::{SectionData, SectionKind, field},
    },
    i18n::LocalizedText,
    server::{
        Clock,
        entities::{outbox, parent_account, parent_message, registration, registration_section},
        failure::ServiceError,
        infra::crypto,
    },
};

/// A notice to one parent about one registration.
#[derive(Clone, Debug)]
pub struct Notice {
    pub account_id: i32,
    pub registration_id: Option<i32>,
    pub title: LocalizedText,
    pub body: LocalizedText,
    /// The SMS text (Chinese, short) and the number to send it to; `None`: in-app only.
    pub sms: Option<(String, String)>,
    /// Unique per event, so that a notice cannot be queued twice.
    pub dedupe_key: String,
}

impl Notice {
    /// The parent's notice of a review event on their registration (a decision, a
    /// publication): titled with the reference and what happened, `body` in the app, and an
    /// SMS naming the child with `summary_zh`; queued once per event.
    pub fn review_event(
        parent: &parent_account::Model,
        row: &registration::Model,
        kind: TimelineKind,
        event_id: i32,
        body: LocalizedText,
        summary_zh: &str,
    ) -> Self {
        let child = row.child_name.as_deref().unwrap_or_default();
        Self {
            account_id: parent.id,
            registration_id: Some(row.id),
            title: LocalizedText::new(
                &format!("报名 {}：{}", row.reference, kind.label().zh),
                &format!("Registration {}: {}", row.reference, kind.label().en),
            ),
            body,
            sms: Some((
                parent.phone.clone(),
                format!(
                    "您为{child}提交的入学报名（编号{}）{summary_zh}",
                    row.reference
                ),
            )),
            dedupe_key: format!("review_event:{event_id}:sms"),
        }
    }
}

/// The contact phone a registration's child section gives (联系电话: the FAQ's way to
/// change "the system's" number when the host app's is old), if a valid one.
async fn contact_phone(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Option<String>, ServiceError> {
    let child = registration_section::Entity::find()
        .filter(registration_section::Column::RegistrationId.eq(registration_id))
        .filter(registration_section::Column::Section.eq(SectionKind::Child))
        .one(db)
        .await?;
    let given = match child {
        Some(section) => {
            let data: SectionData = serde_json::from_str(&crypto::open(&section.data)?)
                .map_err(|e| ServiceError::Unexpected(format!("section data: {e}")))?;
            data.get(field::child::CONTACT_PHONE)
                .and_then(|phone| PhoneNumber::parse(phone).ok())
        }
        None => None,
    };
    Ok(given.map(|p| p.as_str().to_owned()))
}

/// Writes the in-app message and queues the SMS, for the parent and for every other
/// guardian who follows the registration (the same notice, to their own account and phone),
/// and the SMS once more to the registration's contact phone (联系电话) when it is another
/// number than theirs: the host-app phone may be one the family no longer has (a move to a
/// new account leaves the old number in the registration), the contact phone one the
/// parent typed. Call inside the transaction of the change.
pub async fn send(
    db: &impl ConnectionTrait,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let followers = match notice.registration_id {
        Some(id) => crate::server::services::followers::accounts_following(db, id).await?,
        None => Vec::new(),
    };
    if let (Some(id), Some((to, body))) = (notice.registration_id, notice.sms.as_ref())
        && let Some(contact) = contact_phone(db, id).await?
        && contact != *to
        && !followers.iter().any(|f| f.phone == contact)
    {
        queue_sms(
            db,
            contact,
            body.clone(),
            format!("{}:contact", notice.dedupe_key),
            now,
        )
        .await?;
    }
    for follower in followers.iter().filter(|f| f.id != notice.account_id) {
        let sms = notice
            .sms
            .as_ref()
            .map(|(_, body)| (follower.phone.clone(), body.clone()));
        let copy = Notice {
            account_id: follower.id,
            sms,
            dedupe_key: format!("{}:follower:{}", notice.dedupe_key, follower.id),
            ..notice.clone()
        };
        deliver(db, copy, now).await?;
    }
    deliver(db, notice, now).await
}

async fn deliver(
    db: &impl ConnectionTrait,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    parent_message::ActiveModel {
        account_id: Set(notice.account_id),
        registration_id: Set(notice.registration_id),
        title_zh: Set(notice.title.zh),
        title_en: Set(notice.title.en),
        body_zh: Set(notice.body.zh),
        body_en: Set(notice.body.en),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if let Some((recipient, body)) = notice.sms {
        queue_sms(db, recipient, body, notice.dedupe_key, now).await?;
    }
    Ok(())
}

/// Queues one SMS in the outbox (sent by the background worker).
async fn queue_sms(
    db: &impl ConnectionTrait,
    recipient: String,
    body: String,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    outbox::ActiveModel {
        channel: Set("sms".into()),
        recipient: Set(recipient),
        body: Set(body),
        dedupe_key: Set(dedupe_key),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        delivered_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Most messages "my registrations" shows.
const MESSAGES_SHOWN: u64 = 20;

/// The parent's latest messages, newest first, times in `offset`.
pub async fn messages_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    offset: chrono::FixedOffset,
) -> Result<Vec<crate::api::registrations::MessageView>, ServiceError> {
    Ok(parent_message::Entity::find()
        .filter(parent_message::Column::AccountId.eq(account_id))
        .order_by_desc(parent_message::Column::Id)
        .limit(MESSAGES_SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|m| crate::api::registrations::MessageView {
            id: m.id,
            registration_id: m.registration_id,
            title: LocalizedText {
                zh: m.title_zh,
                en: m.title_en,
            },
            body: LocalizedText {
                zh: m.body_zh,
                en: m.body_en,
            },
            at: crate::server::services::registrations::local_time(m.created_at, offset),
            unread: m.read_at.is_none(),
        })
        .collect())
}

/// Marks every message of the calling parent read.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    actor: &crate::server::infra::auth::Actor,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let account_id = actor.require_parent()?;
    parent_message::Entity::update_many()
        .col_expr(parent_message::Column::ReadAt, Expr::value(now))
        .filter(parent_message::Column::AccountId.eq(account_id))
        .filter(parent_message::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// One SMS as a gateway receives it.
#[derive(Clone, Debug)]
pub struct SmsMessage {
    /// The outbox id: the same message always has the same id.
    pub id: i64,
    pub to: String,
    pub body: String,
}

/// Why a gateway did not take a message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GatewayError(pub String);

/// Something that sends SMS: the log (default), an HTTP provider, a test recorder.
#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync {
    async fn send(&self, message: &SmsMessage) -> Result<(), GatewayError>;
}

/// Writes each message to the log instead of sending it (development and demos). The
/// number is masked and the text left out: the log is not a place for personal data.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogGateway;

#[async_trait::async_trait]
impl SmsGateway for LogGateway {
    async fn send(&self, message: &SmsMessage) -> Result<(), GatewayError> {
        let masked: String = message
            .to
            .chars()
            .enumerate()
            .map(|(i, c)| if (3..7).contains(&i) { '*' } else { c })
            .collect();
        tracing::info!(
            id = message.id,
            to = %masked,
            chars = message.body.chars().count(),
            "SMS (log gateway, not sent)"
        );
        Ok(())
    }
}

/// Posts each message as JSON `{"id", "to", "body"}` to a provider's endpoint (or an
/// adapter in front of it), with `Idempotency-Key: <id>` and a bearer token. Any 2xx is
/// success; anything else is retried later.
pub struct HttpGateway {
    url: String,
    token: Option<secrecy::SecretString>,
    client: reqwest::Client,
}

impl HttpGateway {
    pub fn new(
        url: String,
        token: Option<secrecy::SecretString>,
        timeout: Duration,
    ) -> Result<Self, ServiceError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ServiceError::Unexpected(format!("SMS client: {e}")))?;
        Ok(Self { url, token, client })
    }
}

#[async_trait::async_trait]
impl SmsGateway for HttpGateway {
    async fn send(&self, message: &SmsMessage) -> Result<(), GatewayError> {
        use secrecy::ExposeSecret;
        let mut request = self
            .client
            .post(&self.url)
            .header("idempotency-key", message.id.to_string())
            .json(&serde_json::json!({
                "id": message.id,
                "to": message.to,
                "body": message.body,
            }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| GatewayError(format!("request failed: {}", e.without_url())))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(GatewayError(format!("answered {}", response.status())))
        }
    }
}

/// How the outbox worker works.
#[derive(Clone, Copy, Debug)]
pub struct OutboxPolicy {
    /// Rows taken per round.
    pub batch: u64,
    /// How long a claim holds a row; a worker that dies lets it go after this.
    pub lease: Duration,
    /// Attempts before a row is left for a person to look at.
    pub max_attempts: i32,
    /// Pause between rounds when nothing is due.
    pub interval: Duration,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        Self {
            batch: 50,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            interval: Duration::from_secs(2),
        }
    }
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: usize,
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::seconds(60))
}

/// Delivers the SMS that are due: claims each, sends it, marks it delivered or schedules
/// a retry (30 s, 1, 2, 4… minutes, at most an hour apart).
pub async fn deliver_due(
    db: &impl ConnectionTrait,
    gateway: &dyn SmsGateway,
    policy: OutboxPolicy,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, ServiceError> {
    let free = || {
        Condition::any()
            .add(outbox::Column::ClaimedUntil.is_null())
            .add(outbox::Column::ClaimedUntil.lt(now))
    };
    let due = outbox::Entity::find()
        .filter(outbox::Column::DeliveredAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(outbox::Column::Attempts.lt(policy.max_attempts))
        .filter(free())
        .order_by_asc(outbox::Column::Id)
        .limit(policy.batch)
        .all(db)
        .await?;
    let mut report = DeliveryReport::default();
    for row in due {
        let claimed = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::ClaimedUntil,
                Expr::value(now + chrono_duration(policy.lease)),
            )
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::DeliveredAt.is_null())
            .filter(free())
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let message = SmsMessage {
            id: row.id,
            to: row.recipient.clone(),
            body: row.body.clone(),
        };
        match gateway.send(&message).await {
            Ok(()) => {
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::DeliveredAt, Expr::value(now))
                    .col_expr(
                        outbox::Column::ClaimedUntil,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(
                        outbox::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(outbox::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                report.delivered += 1;
                crate::server::infra::measure::sms("sent");
            }
            Err(error) => {
                let attempts = row.attempts.saturating_add(1);
                let delay = Ord::min(30_i64.saturating_mul(1_i64 << attempts.clamp(0, 7)), 3600);
                tracing::warn!(id = row.id, attempts, error = %error, "SMS not delivered, will retry");
                outbox::Entity::update_many()
                    .col_expr(
                        outbox::Column::ClaimedUntil,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(
                        outbox::Column::NextAttemptAt,
                        Expr::value(now + chrono::Duration::seconds(delay)),
                    )
                    .col_expr(
                        outbox::Column::LastError,
                        Expr::value(Some(error.0.chars().take(500).collect::<String>())),
                    )
                    .filter(outbox::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                report.failed += 1;
                crate::server::infra::measure::sms("failed");
            }
        }
    }
    Ok(report)
}

/// Runs [`deliver_due`] until the task is dropped: again at once while rows keep coming,
/// else after the policy's interval.
pub fn spawn_outbox_worker(
    db: DatabaseConnection,
    gateway: Arc<dyn SmsGateway>,
    policy: OutboxPolicy,
    clock: Clock,
) -> tokio::task::JoinHandle<()> {
    crate::server::infra::background::spawn(async move {
        loop {
            let pause = match deliver_due(&db, gateway.as_ref(), policy, clock.now()).await {
                Ok(report) if report.delivered + report.failed > 0 => Duration::from_millis(50),
                Ok(_) => policy.interval,
                Err(error) => {
                    tracing::error!(error = %error, "outbox round failed");
                    policy.interval
                }
            };
            tokio::time::sleep(pause).await;
        }
    })
}
