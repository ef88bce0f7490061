//! How the server's allocator (mimalloc, see `main.rs`) returns memory to the system.

use std::ffi::c_long;

/// mimalloc's option index of `purge_delay` (`mi_option_purge_delay` in `mimalloc.h`, the
/// same in its versions 2 and 3; the Rust bindings do not name it).
#[cfg(not(feature = "system-allocator"))]
const PURGE_DELAY_OPTION: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds mimalloc keeps freed pages before giving them back. Its default, 1000, kept
/// the server at 287–307 MB through mornings of photo uploads (each photo's decode frees
/// 15 MB, several times a second); 100 at 243–265 MB, registrations an hour within this
/// machine's run-to-run spread of either; 0 (give back at once) at ~210 MB, with the morning
/// slower (docs/memory.md).
pub const PURGE_DELAY_MS: c_long = 100;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`] unless `MIMALLOC_PURGE_DELAY` is set
/// (mimalloc read it at start). Call first thing in `main`, before any thread starts.
pub fn configure() {
    #[cfg(not(feature = "system-allocator"))]
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set_purge_delay(PURGE_DELAY_MS);
    }
}

#[cfg(not(feature = "system-allocator"))]
#[expect(
    unsafe_code,
    reason = "mimalloc's options are set through its C interface"
)]
fn set_purge_delay(milliseconds: c_long) {
    // SAFETY: `mi_option_set` stores a value for a valid option index; mimalloc reads it
    // each time it considers purging.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY_OPTION, milliseconds) }
}

/// mimalloc's current purge delay, in milliseconds.
#[cfg(not(feature = "system-allocator"))]
#[expect(
    unsafe_code,
    reason = "mimalloc's options are read through its C interface"
)]
pub fn purge_delay_ms() -> c_long {
    // SAFETY: `mi_option_get` reads the value of a valid option index.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY_OPTION) }
}

#[cfg(all(test, not(feature = "system-allocator")))]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // The index names mimalloc's purge delay: its default is 1000 ms in version 3 (10 in
        // version 2).
        assert!(
            [10, 1000].contains(&purge_delay_ms()),
            "{}",
            purge_delay_ms()
        );
        configure();
        assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
    }
}
