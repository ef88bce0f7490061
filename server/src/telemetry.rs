//! Log lines: human-readable or JSON, and never with an ID or phone number in them.

use std::io::{self, Write};

use tracing_subscriber::{
    EnvFilter, fmt::MakeWriter, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::settings::LogFormat;

/// Installs the global subscriber (once; later calls are ignored, as in tests) and a
/// panic hook that logs where a panic happened without its message, which could hold data.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    let writer = RedactingMakeWriter;
    let result = match format {
        LogFormat::Human => registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(writer),
            )
            .try_init(),
    };
    if result.is_ok() {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            // The message too (a cause, not just a place), shortened and with long digit
            // runs masked here as well as by the writer: no ID number reaches the log.
            let message: String = info
                .payload_as_str()
                .unwrap_or("(no message)")
                .chars()
                .take(300)
                .collect();
            let message = String::from_utf8_lossy(&redact_numbers(message.as_bytes())).into_owned();
            metrics::counter!("ruxue_panics_total").increment(1);
            tracing::error!(
                location = location.as_deref().unwrap_or("unknown"),
                message = %message,
                "panic"
            );
        }));
    }
}

/// Makes writers to standard error that mask long digit runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct RedactingMakeWriter;

impl<'a> MakeWriter<'a> for RedactingMakeWriter {
    type Writer = RedactingWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(io::stderr())
    }
}

/// Masks every run of 11 or more digits (resident ID numbers, also with a final X, and
/// mobile numbers) before the line reaches its destination. The formatter writes each
/// event in one call, so a number is never split across calls.
#[derive(Debug)]
pub struct RedactingWriter<W: Write>(pub W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&redact_numbers(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Shortest digit run that is masked.
const MASK_FROM: usize = 11;

/// Replaces each run of at least [`MASK_FROM`] digits, with an optional trailing `X`/`x`,
/// by `*` characters of the same length.
pub fn redact_numbers(input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    let mut i = 0;
    while i < out.len() {
        if out[i].is_ascii_digit() {
            let start = i;
            while i < out.len() && out[i].is_ascii_digit() {
                i += 1;
            }
            if i < out.len() && matches!(out[i], b'X' | b'x') && i - start == 17 {
                i += 1;
            }
            if i - start >= MASK_FROM {
                out[start..i].fill(b'*');
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_and_phone_numbers_are_masked_and_ordinary_numbers_kept() {
        let line = b"id=11010519491231002X phone=13812345678 status=200 latency=12 ms 2026-11-22";
        let out = String::from_utf8(redact_numbers(line)).unwrap_or_default();
        assert!(!out.contains("11010519491231002X"), "{out}");
        assert!(!out.contains("13812345678"), "{out}");
        assert!(out.contains("status=200 latency=12 ms 2026-11-22"), "{out}");
        assert_eq!(out.len(), line.len());
    }
}
