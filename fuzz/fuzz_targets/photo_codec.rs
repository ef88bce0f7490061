//! The photo fallback reads any bytes without panicking and within its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = photo_codec::compress_photo(bytes, 256, 8, 80);
});
