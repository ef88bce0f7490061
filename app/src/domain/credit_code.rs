//! The unified social credit code of an employer (统一社会信用代码, GB 32100-2015):
//! 18 characters from a 31-character alphabet, the last a MOD 31 check character.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a credit code is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Character,
    Check,
}

/// Normalises (trims, upper-cases, full-width to half-width) and checks a credit code.
pub fn parse_credit_code(input: &str) -> Result<String, CreditCodeError> {
    let code: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            other => other,
        })
        .collect::<String>()
        .to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    let mut values = Vec::with_capacity(18);
    for byte in code.bytes() {
        match ALPHABET.iter().position(|a| *a == byte) {
            Some(value) => values.push(value as u32),
            None => return Err(CreditCodeError::Character),
        }
    }
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(CreditCodeError::Check);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_pass_and_typos_are_caught() {
        assert_eq!(
            parse_credit_code(" 91350100m000100y43 ").as_deref(),
            Ok("91350100M000100Y43")
        );
        assert!(parse_credit_code("91370200163562681G").is_ok());
        assert_eq!(
            parse_credit_code("91370200163562681H"),
            Err(CreditCodeError::Check)
        );
        assert_eq!(
            parse_credit_code("9137020016356268"),
            Err(CreditCodeError::Length)
        );
        assert_eq!(
            parse_credit_code("91370200163562681I"),
            Err(CreditCodeError::Character)
        );
        assert_eq!(
            parse_credit_code("９１３７０２００１６３５６２６８１Ｇ").as_deref(),
            Ok("91370200163562681G")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(input in "\\PC*") {
            let _ = parse_credit_code(&input);
        }
    }
}
