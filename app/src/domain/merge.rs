//! Merging a page's edits of a section into answers another page saved meanwhile: a save
//! is refused only when the same answer was changed to something else on both sides.

use std::collections::BTreeSet;

use super::SectionData;

fn value<'a>(data: &'a SectionData, field: &str) -> &'a str {
    data.get(field).map_or("", |v| v.as_str())
}

/// One answer of a three-way merge: the server's when the page did not change it, the
/// page's when the server did not (or both made the same change), `None` when both changed
/// it differently.
fn pick<'a>(base: &str, mine: &'a str, theirs: &'a str) -> Option<&'a str> {
    if mine == base {
        Some(theirs)
    } else if theirs == base || theirs == mine {
        Some(mine)
    } else {
        None
    }
}

/// Every answer of a three-way merge, with the page's (`Ok`) or the server's (`Err`) value
/// where both changed it differently. An answer empty on all sides and absent from both
/// current versions is left out.
fn merged<'a>(
    base: &'a SectionData,
    mine: &'a SectionData,
    theirs: &'a SectionData,
) -> impl Iterator<Item = (&'a String, Result<&'a str, (&'a str, &'a str)>)> {
    let fields: BTreeSet<&String> = base
        .keys()
        .chain(mine.keys())
        .chain(theirs.keys())
        .collect();
    fields.into_iter().filter_map(move |field| {
        let (b, m, t) = (value(base, field), value(mine, field), value(theirs, field));
        let chosen = pick(b, m, t).ok_or((m, t));
        let kept = chosen.is_err()
            || chosen.is_ok_and(|c| !c.is_empty())
            || mine.contains_key(field)
            || theirs.contains_key(field);
        kept.then_some((field, chosen))
    })
}

/// Three-way merge of one section's answers. `base` is what the page read, `mine` what it
/// holds now, `theirs` what the server holds now. A field the page did not change keeps the
/// server's value; a field the page changed takes the page's value unless the server's
/// changed too, to something else: those fields are returned as the conflict.
pub fn merge_answers(
    base: &SectionData,
    mine: &SectionData,
    theirs: &SectionData,
) -> Result<SectionData, Vec<String>> {
    let mut result = SectionData::new();
    let mut conflicts = Vec::new();
    for (field, chosen) in merged(base, mine, theirs) {
        match chosen {
            Ok(value) => {
                result.insert(field.clone(), value.to_owned());
            }
            Err(_) => conflicts.push(field.clone()),
        }
    }
    if conflicts.is_empty() {
        Ok(result)
    } else {
        Err(conflicts)
    }
}

/// Settles a conflict in one tap: every answer as the merge would have it, and the answers
/// changed on both sides taken from this page (`keep_mine`) or from the server.
pub fn resolve(
    base: &SectionData,
    mine: &SectionData,
    theirs: &SectionData,
    keep_mine: bool,
) -> SectionData {
    merged(base, mine, theirs)
        .map(|(field, chosen)| {
            let value = chosen.unwrap_or_else(|(m, t)| if keep_mine { m } else { t });
            (field.clone(), value.to_owned())
        })
        .collect()
}

/// The fields whose values differ between two versions of a section.
pub fn changed_fields(a: &SectionData, b: &SectionData) -> Vec<String> {
    let fields: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    fields
        .into_iter()
        .filter(|f| value(a, f) != value(b, f))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn data(pairs: &[(&str, &str)]) -> SectionData {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn edits_of_different_answers_both_survive() {
        let base = data(&[("address", "A"), ("head_name", "张伟")]);
        let mine = data(&[("address", "B"), ("head_name", "张伟")]);
        let theirs = data(&[("address", "A"), ("head_name", "张小伟")]);
        let merged = merge_answers(&base, &mine, &theirs).expect("no conflict");
        assert_eq!(merged, data(&[("address", "B"), ("head_name", "张小伟")]));
    }

    #[test]
    fn the_same_answer_changed_differently_is_a_conflict() {
        let base = data(&[("address", "A")]);
        let mine = data(&[("address", "B")]);
        let theirs = data(&[("address", "C")]);
        assert_eq!(
            merge_answers(&base, &mine, &theirs),
            Err(vec!["address".to_owned()])
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = data(&[("address", "A")]);
        let mine = data(&[("address", "B")]);
        assert_eq!(merge_answers(&base, &mine, &mine), Ok(mine.clone()));
    }

    #[test]
    fn resolving_keeps_the_other_pages_changes_to_other_answers() {
        let base = data(&[("address", "A"), ("head_name", "张伟")]);
        let mine = data(&[("address", "B"), ("head_name", "张伟")]);
        let theirs = data(&[("address", "C"), ("head_name", "张小伟")]);
        assert_eq!(
            resolve(&base, &mine, &theirs, true),
            data(&[("address", "B"), ("head_name", "张小伟")])
        );
        assert_eq!(resolve(&base, &mine, &theirs, false), theirs);
    }

    fn section() -> impl Strategy<Value = SectionData> {
        prop::collection::btree_map("[a-d]", "[xyz]{0,2}", 0..4)
    }

    proptest! {
        /// Whatever the server holds, a page that changed nothing takes it unchanged.
        #[test]
        fn an_unchanged_page_takes_the_servers_answers(base in section(), theirs in section()) {
            let merged = merge_answers(&base, &base, &theirs).expect("no conflict");
            prop_assert!(changed_fields(&merged, &theirs).is_empty());
        }

        /// With nothing changed on the server, the page's answers are saved as they are.
        #[test]
        fn a_fresh_page_saves_its_answers(base in section(), mine in section()) {
            let merged = merge_answers(&base, &mine, &base).expect("no conflict");
            prop_assert!(changed_fields(&merged, &mine).is_empty());
        }

        /// A conflict names only answers both sides changed, to different values; every
        /// other answer of a merge comes from one side or the other.
        #[test]
        fn conflicts_are_only_real_ones(base in section(), mine in section(), theirs in section()) {
            match merge_answers(&base, &mine, &theirs) {
                Ok(merged) => {
                    for field in changed_fields(&base, &mine) {
                        prop_assert_eq!(value(&merged, &field), value(&mine, &field));
                    }
                    for field in changed_fields(&base, &theirs) {
                        prop_assert_eq!(value(&merged, &field), value(&theirs, &field));
                    }
                }
                Err(fields) => {
                    for field in fields {
                        prop_assert!(value(&mine, &field) != value(&base, &field));
                        prop_assert!(value(&theirs, &field) != value(&base, &field));
                        prop_assert!(value(&mine, &field) != value(&theirs, &field));
                    }
                }
            }
        }
    }
}
