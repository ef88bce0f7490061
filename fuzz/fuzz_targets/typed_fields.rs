//! Names, phone numbers and credit codes never panic, and every refusal has a message.
#![no_main]

use app::{
    domain::{PersonName, PhoneNumber, credit_code::parse_credit_code},
    i18n::Locale,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Err(e) = PersonName::parse(input) {
        assert!(!e.message(Locale::Zh).is_empty());
    }
    if let Err(e) = PhoneNumber::parse(input) {
        assert!(!e.message(Locale::En).is_empty());
    }
    let _ = parse_credit_code(input);
});
