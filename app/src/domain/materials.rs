//! The materials table (材料对照表): which documents a registration needs, from rules the
//! bureau configures as data. Each rule names a document, a condition on the answers, and
//! whether the document is required; the conditions are the cases the seeds describe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::coded::coded;
use crate::domain::sections::field;
use crate::{
    domain::{
        SectionData, SectionKind,
        provenance::{Document, Provenance, RegistrySource},
    },
    i18n::{LocalizedText, Text, t},
};

coded! {
    /// When a rule asks for its document.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    pub enum Condition {
        /// Always, for the rule's entry.
        Always = "always",
        /// Values the document's registry could confirm were typed by hand (not 自动回填).
        HandEntered = "hand-entered",
        /// The home belongs to a grandparent.
        OwnerIsGrandparent = "owner-is-grandparent",
        /// The home belongs to a parent who is not the head of the child's household (Jinan 11:
        /// property in the father's name, household with the mother).
        OwnerOutsideHousehold = "owner-outside-household",
        /// The family rents.
        Renting = "renting",
        /// The child is in a collective household (Qingdao Q3).
        CollectiveHousehold = "collective-household",
    }
}

impl Condition {
    /// The condition as the public table states it.
    pub fn describe(self) -> Text {
        match self {
            Self::Always => t("均需提供", "Always"),
            Self::HandEntered => t(
                "相关信息为手动填写（未自动回填）时",
                "When the related answers were typed by hand (not prefilled)",
            ),
            Self::OwnerIsGrandparent => t(
                "房屋在祖父母或外祖父母名下时",
                "When the home belongs to a grandparent",
            ),
            Self::OwnerOutsideHousehold => t(
                "房屋在父亲（或母亲）名下、儿童户籍随另一方时",
                "When the home belongs to one parent and the child's household is with the other",
            ),
            Self::Renting => t("租房居住时", "When the family rents"),
            Self::CollectiveHousehold => t("集体户口时", "For a collective household"),
        }
    }

    /// Whether the condition holds for a registration's answers and their provenance.
    pub fn holds(
        self,
        document: Document,
        answers: &BTreeMap<SectionKind, SectionData>,
        provenance: &BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
    ) -> bool {
        let value = |section: SectionKind, field: &str| {
            answers
                .get(&section)
                .and_then(|d| d.get(field))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        match self {
            Self::Always => true,
            Self::HandEntered => RegistrySource::ALL
                .into_iter()
                .filter(|s| s.document() == document)
                .flat_map(|s| s.sections().iter())
                .any(|section| {
                    provenance
                        .get(section)
                        .is_some_and(|fields| fields.values().any(|p| p.needs_document))
                }),
            Self::OwnerIsGrandparent => {
                value(SectionKind::Residence, field::residence::KIND) == "property"
                    && value(SectionKind::Residence, field::residence::OWNER_RELATION)
                        .contains("grand")
            }
            Self::OwnerOutsideHousehold => {
                let owner = value(SectionKind::Residence, field::residence::OWNER_RELATION);
                let head = value(SectionKind::Household, field::household::HEAD_RELATION);
                value(SectionKind::Residence, field::residence::KIND) == "property"
                    && matches!(owner.as_str(), "father" | "mother")
                    && !head.is_empty()
                    && head != owner
            }
            Self::Renting => value(SectionKind::Residence, field::residence::KIND) == "rental",
            Self::CollectiveHousehold => {
                value(SectionKind::Household, field::household::COLLECTIVE) == "yes"
            }
        }
    }
}

/// A rule of the materials table, as the public page and a registration show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialRule {
    pub document: Document,
    pub condition: Condition,
    pub required: bool,
    pub explanation: LocalizedText,
    /// What an acceptable photo shows.
    pub example: LocalizedText,
    /// The entry the rule belongs to; `None` for every entry.
    pub entry: Option<LocalizedText>,
}

/// A photo of a document, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoView {
    pub id: i32,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
}

/// A document a registration needs, with the photos uploaded for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialItem {
    pub document: Document,
    pub required: bool,
    pub reasons: Vec<LocalizedText>,
    pub example: LocalizedText,
    pub photos: Vec<PhotoView>,
}

impl MaterialItem {
    pub fn missing(&self) -> bool {
        self.required && self.photos.is_empty()
    }
}

/// The documents a registration needs: every rule whose condition holds, one item per
/// document (required when any of its rules says so), in the table's order.
pub fn needed(
    rules: &[MaterialRule],
    answers: &BTreeMap<SectionKind, SectionData>,
    provenance: &BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
) -> Vec<MaterialItem> {
    let mut items: Vec<MaterialItem> = Vec::new();
    for rule in rules {
        if !rule.condition.holds(rule.document, answers, provenance) {
            continue;
        }
        match items.iter_mut().find(|i| i.document == rule.document) {
            Some(item) => {
                item.required |= rule.required;
                item.reasons.push(rule.explanation.clone());
            }
            None => items.push(MaterialItem {
                document: rule.document,
                required: rule.required,
                reasons: vec![rule.explanation.clone()],
                example: rule.example.clone(),
                photos: Vec::new(),
            }),
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provenance::Origin;

    use crate::domain::sections::data_of as data;

    fn text(zh: &str) -> LocalizedText {
        LocalizedText {
            zh: zh.to_owned(),
            en: zh.to_owned(),
        }
    }

    fn rule(document: Document, condition: Condition, required: bool) -> MaterialRule {
        MaterialRule {
            document,
            condition,
            required,
            explanation: text(condition.code()),
            example: text("example"),
            entry: None,
        }
    }

    #[test]
    fn the_fathers_property_with_the_mothers_household_needs_a_birth_certificate() {
        let mut answers = BTreeMap::new();
        answers.insert(
            SectionKind::Household,
            data(&[("collective", "no"), ("head_relation", "mother")]),
        );
        answers.insert(
            SectionKind::Residence,
            data(&[("kind", "property"), ("owner_relation", "father")]),
        );
        let rules = [
            rule(
                Document::BirthCertificate,
                Condition::OwnerOutsideHousehold,
                true,
            ),
            rule(Document::KinshipProof, Condition::OwnerIsGrandparent, true),
            rule(Document::RentalContract, Condition::Renting, true),
        ];
        let items = needed(&rules, &answers, &BTreeMap::new());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].document, Document::BirthCertificate);
        assert!(items[0].missing());
    }

    #[test]
    fn hand_entered_values_ask_for_their_registrys_document_only() {
        let hand = Provenance {
            origin: Origin::Hand,
            source: Some(RegistrySource::Household),
            at: None,
            needs_document: true,
            registry_value: None,
            correction: None,
        };
        let mut provenance = BTreeMap::new();
        provenance.insert(
            SectionKind::Child,
            [("name".to_owned(), hand)].into_iter().collect(),
        );
        let rules = [
            rule(Document::HouseholdRegister, Condition::HandEntered, true),
            rule(Document::PropertyCertificate, Condition::HandEntered, true),
            rule(Document::HouseholdRegister, Condition::Always, false),
        ];
        let items = needed(&rules, &BTreeMap::new(), &provenance);
        assert_eq!(items.len(), 1);
        assert!(
            items[0].required,
            "required by one rule, optional by another"
        );
        assert_eq!(items[0].reasons.len(), 2);
    }
}
