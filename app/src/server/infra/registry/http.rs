//! The production adapter: a government data-sharing exchange reached over HTTPS, one base
//! URL per kind of source, with the request and response shape documented in
//! `docs/registry-exchange.md`. Configured, never compiled in: nothing here names a real
//! endpoint.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    Answer, EmploymentRecord, HouseholdRecord, PermitRecord, PropertyRecord, Question, Record,
    Registry, RegistryError,
};

/// What the platform sends.
#[derive(Debug, Serialize)]
struct ExchangeRequest<'a> {
    request_id: String,
    source: &'a str,
    purpose: &'static str,
    subjects: Vec<String>,
}

/// What the exchange answers.
#[derive(Debug, Deserialize)]
struct ExchangeResponse {
    status: String,
    #[serde(default)]
    records: Vec<serde_json::Value>,
}

/// One source behind a data-sharing exchange.
pub struct HttpRegistry {
    url: String,
    token: Option<SecretString>,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRegistry")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl HttpRegistry {
    /// A source at `url`, authenticating with a bearer `token` when given. `timeout` bounds
    /// each request on the wire (the lookup policy bounds it again).
    pub fn new(
        url: &str,
        token: Option<SecretString>,
        timeout: Duration,
    ) -> Result<Self, RegistryError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| RegistryError::Refused(format!("HTTP client: {e}")))?;
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            token,
            client,
        })
    }

    async fn post(&self, question: &Question) -> Result<Record, RegistryError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let body = ExchangeRequest {
            request_id: request_id.clone(),
            source: question.source().code(),
            purpose: "school-enrollment",
            subjects: question.subjects(),
        };
        let mut request = self
            .client
            .post(&self.url)
            .header("x-request-id", &request_id)
            .json(&body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| RegistryError::Unavailable(format!("request failed: {e}")))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(RegistryError::Unavailable(format!(
                "exchange answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(RegistryError::Refused(format!(
                "exchange answered {status}"
            )));
        }
        let answer: ExchangeResponse = response
            .json()
            .await
            .map_err(|e| RegistryError::Refused(format!("unreadable answer: {e}")))?;
        match answer.status.as_str() {
            "found" | "not-found" => {}
            other => {
                return Err(RegistryError::Refused(format!(
                    "unknown answer status `{other}`"
                )));
            }
        }
        let records = if answer.status == "found" {
            answer.records
        } else {
            Vec::new()
        };
        decode(question, records)
    }
}

fn decode(question: &Question, records: Vec<serde_json::Value>) -> Result<Record, RegistryError> {
    fn list<T: serde::de::DeserializeOwned>(
        records: Vec<serde_json::Value>,
    ) -> Result<Vec<T>, RegistryError> {
        records
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<T>, _>>()
            .map_err(|e| RegistryError::Refused(format!("a record has another shape: {e}")))
    }
    Ok(match question {
        Question::Household { .. } => {
            Record::Household(list::<HouseholdRecord>(records)?.into_iter().next())
        }
        Question::RealEstate { .. } => Record::RealEstate(list::<PropertyRecord>(records)?),
        Question::ResidencePermit { .. } => Record::ResidencePermit(list::<PermitRecord>(records)?),
        Question::Employment { .. } => Record::Employment(list::<EmploymentRecord>(records)?),
    })
}

impl Registry for HttpRegistry {
    fn ask<'a>(&'a self, question: &'a Question) -> Answer<'a> {
        Box::pin(self.post(question))
    }
}
