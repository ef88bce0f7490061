//! What the platform counts for the people who run it, by one name each (the server renders
//! them at `/metrics`; `docs/operations.md` says what to alert on). Labels take only values
//! from fixed sets: never an ID, a name or a path a client chose.

use std::time::Duration;

/// A section save: `saved`, `merged` (another page's changes kept beside this one's),
/// `conflict` (nothing written) or `error`.
pub fn autosave(outcome: &'static str, took: Duration) {
    metrics::counter!("ruxue_autosaves_total", "outcome" => outcome).increment(1);
    metrics::histogram!("ruxue_autosave_duration_seconds").record(took.as_secs_f64());
}

/// A submission attempt: `submitted` or `refused`.
pub fn submission(outcome: &'static str) {
    metrics::counter!("ruxue_submissions_total", "outcome" => outcome).increment(1);
}

/// A photo upload: `stored`, `refused` (checked and turned down), `busy` or `error`; with the
/// bytes received.
pub fn upload(outcome: &'static str, bytes: usize) {
    metrics::counter!("ruxue_uploads_total", "outcome" => outcome).increment(1);
    metrics::counter!("ruxue_upload_bytes_total").increment(bytes as u64);
}

/// A photo checked, decoded and re-encoded on a worker.
pub fn photo_processed(took: Duration) {
    metrics::histogram!("ruxue_photo_processing_seconds").record(took.as_secs_f64());
}

/// Photo workers at work, on this instance.
pub fn photo_workers_busy(change: f64) {
    metrics::gauge!("ruxue_photo_workers_busy").increment(change);
}

/// A registry question: `answered` (a record or "no such record" is an answer), `cached`,
/// `unavailable`, `refused` or `not_configured`, by source code; the latency of those asked.
pub fn registry_lookup(source: &'static str, outcome: &'static str, took: Option<Duration>) {
    metrics::counter!("ruxue_registry_lookups_total", "source" => source, "outcome" => outcome)
        .increment(1);
    if let Some(took) = took {
        metrics::histogram!("ruxue_registry_lookup_duration_seconds", "source" => source)
            .record(took.as_secs_f64());
    }
}

/// An SMS handed to the gateway: `sent` or `failed` (to be tried again).
pub fn sms(outcome: &'static str) {
    metrics::counter!("ruxue_sms_total", "outcome" => outcome).increment(1);
}
