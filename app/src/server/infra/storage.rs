//! Where document photos are kept, through Apache OpenDAL: a local directory by default;
//! by setting, an S3-compatible bucket or the object stores of government clouds (Aliyun
//! OSS, Tencent COS, Huawei OBS). Object names are generated, never taken from an upload.

use std::collections::HashMap;

use opendal::Operator;

use crate::server::failure::ServiceError;

/// Gives OpenDAL's HTTP services (s3, oss, cos, obs) their transport, once per process:
/// reqwest over rustls with ring. Without it every request to an object store fails
/// ("default HTTP transport is not installed"), which only a real S3 server shows
/// (`make test-cluster`).
fn install_http_transport() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Another part of the process may have chosen the provider already: that one stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        opendal::HttpTransporter::install_default(
            opendal_http_transport_reqwest::ReqwestTransport::default(),
        );
    });
}

/// The document store.
#[derive(Clone, Debug)]
pub struct DocumentStore {
    operator: Operator,
}

impl DocumentStore {
    /// A store of the OpenDAL `scheme` (`fs`, `s3`, `oss`, `cos`, `obs`, `memory`) with its
    /// options (`root`, `bucket`, `endpoint`, credentials...).
    pub fn new(scheme: &str, options: HashMap<String, String>) -> Result<Self, String> {
        opendal::init_default_registry();
        install_http_transport();
        let operator = Operator::via_iter(scheme, options)
            .map_err(|e| format!("document store `{scheme}`: {e}"))?;
        Ok(Self { operator })
    }

    /// A store in memory, for tools and tests that keep nothing.
    pub fn memory() -> Result<Self, String> {
        Operator::from_config(opendal::services::MemoryConfig::default())
            .map(|operator| Self { operator })
            .map_err(|e| format!("document store `memory`: {e}"))
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), ServiceError> {
        self.operator
            .write(key, bytes)
            .await
            .map(|_| ())
            .map_err(|e| ServiceError::Unexpected(format!("storing a document: {e}")))
    }

    /// A stored object that must be there.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, ServiceError> {
        self.get_if_present(key).await?.ok_or_else(|| {
            ServiceError::Unexpected(format!("reading a document: {key} is missing"))
        })
    }

    /// A stored object, or `None` when there is none under `key` (a copy made on first use).
    pub async fn get_if_present(&self, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        match self.operator.read(key).await {
            Ok(buffer) => Ok(Some(buffer.to_vec())),
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ServiceError::Unexpected(format!("reading a document: {e}"))),
        }
    }

    /// Deletes a stored object; one already gone is no error (a sweep retried).
    pub async fn delete(&self, key: &str) -> Result<(), ServiceError> {
        self.operator
            .delete(key)
            .await
            .map_err(|e| ServiceError::Unexpected(format!("deleting a document: {e}")))
    }

    /// Checks the store answers (readiness).
    pub async fn check(&self) -> Result<(), ServiceError> {
        self.operator
            .check()
            .await
            .map_err(|e| ServiceError::Unexpected(format!("document store: {e}")))
    }
}
