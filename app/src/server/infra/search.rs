//! What people type into a search box, made safe to put inside a `LIKE '%…%'` pattern.

/// The longest search text kept, in characters.
const MAX_SEARCH_CHARS: usize = 40;

/// The search text without `LIKE`'s wildcards and escape (`%`, `_`, `\`), at most 40
/// characters, trimmed: what is left matches itself literally on both databases.
pub fn like_text(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .take(MAX_SEARCH_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::like_text;

    #[test]
    fn wildcards_and_escapes_are_dropped_and_the_text_is_bounded() {
        assert_eq!(like_text(" 香港%中路_\\ "), "香港中路");
        assert_eq!(like_text("%%__"), "");
        assert_eq!(like_text(&"张".repeat(100)).chars().count(), 40);
    }
}
