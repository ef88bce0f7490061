//! A resident ID number never panics, whatever is typed or pasted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    if let Ok(id) = app::domain::ResidentId::parse(input, today) {
        // What parses is 18 characters, born by today, and masks without panicking.
        assert_eq!(id.as_str().len(), 18);
        assert!(id.birth_date() <= today);
        let _ = id.masked();
    }
});
