//! The device's clock and randomness.

/// The device's current local time as a `datetime-local` value (`2026-06-01T08:00`); empty
/// on the server, which renders the page before any device has a time.
pub fn now_local_input() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let now = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            now.get_full_year(),
            now.get_month() + 1,
            now.get_date(),
            now.get_hours(),
            now.get_minutes()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// Milliseconds since the epoch, for measuring how long something took on the device.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// A key for something a page starts (an upload), unlikely to repeat within the page.
pub fn random_key() -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        (js_sys::Math::random() * 1e9) as u32
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}
