//! Where an answer came from (自动回填 or typed by hand), which government registry can
//! confirm which fields, and how a registry's answer joins a half-typed section: it fills
//! empty fields and never overwrites what the parent typed. Shared by the form and the
//! server, which decides the provenance it stores itself.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::coded::coded;
use crate::domain::sections::field;
use crate::{
    domain::{SectionData, SectionKind},
    i18n::{Text, t},
};

/// The version of the consent wording below; stored with every decision.
pub const CONSENT_WORDING_VERSION: &str = "2026-11-v1";

/// What the parent agrees to before the first lookup (PIPL: a minor's data is sensitive).
pub const CONSENT_WORDING: Text = t(
    "为减少您手动填写，平台将凭儿童和监护人的身份证号，向公安户籍、不动产登记、居住证和人社（社保）部门查询本次报名所需的信息，查到的信息会自动填入并标注“自动回填”。查询结果仅用于本次入学报名审核。您也可以不同意，全部手动填写并上传证明材料。",
    "To save you typing, the platform will use the child's and guardians' ID numbers to ask the public-security household register, the real-estate register, the residence-permit office and the social-insurance office for the details this registration needs. What they confirm is filled in and labelled 自动回填 (prefilled). The answers are used only to review this registration. You may refuse and enter everything by hand with supporting documents.",
);

coded! {
    /// A kind of government registry the platform can ask.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    pub enum RegistrySource {
        /// Public security: the child's household registration (户籍).
        Household = "household",
        /// Real-estate registration centre: property certificates (不动产).
        RealEstate = "real-estate",
        /// Public security: residence permits (居住证).
        ResidencePermit = "residence-permit",
        /// Human resources and social security: employment and insurance (社保).
        Employment = "employment",
    }
}

impl RegistrySource {
    /// Who answers, as parents know them.
    pub fn authority(self) -> Text {
        match self {
            Self::Household => t("公安户籍系统", "the public-security household register"),
            Self::RealEstate => t("不动产登记系统", "the real-estate register"),
            Self::ResidencePermit => t("居住证系统", "the residence-permit register"),
            Self::Employment => t("人社（社保）系统", "the social-insurance register"),
        }
    }

    /// The document that backs a value this registry could not confirm.
    pub fn document(self) -> Document {
        match self {
            Self::Household => Document::HouseholdRegister,
            Self::RealEstate => Document::PropertyCertificate,
            Self::ResidencePermit => Document::ResidencePermit,
            Self::Employment => Document::EmploymentProof,
        }
    }

    /// The sections this registry fills.
    pub fn sections(self) -> &'static [SectionKind] {
        match self {
            Self::Household => &[SectionKind::Child, SectionKind::Household],
            Self::RealEstate => &[SectionKind::Residence],
            Self::ResidencePermit => &[SectionKind::ResidencePermit],
            Self::Employment => &[SectionKind::Employment],
        }
    }

    /// The registry that fills a section, if any.
    pub fn for_section(section: SectionKind) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.sections().contains(&section))
    }
}

coded! {
    /// A supporting document a parent photographs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    pub enum Document {
        HouseholdRegister = "household-register",
        PropertyCertificate = "property-certificate",
        ResidencePermit = "residence-permit",
        EmploymentProof = "employment-proof",
        /// 出生医学证明 (or a marriage certificate): links a parent to the child.
        BirthCertificate = "birth-certificate",
        /// A grandparent's relation to the child (户口簿 pages or a police-station certificate).
        KinshipProof = "kinship-proof",
        RentalContract = "rental-contract",
        /// The collective household's first page and the child's page.
        CollectiveHousehold = "collective-household",
    }
}

impl Document {
    pub fn name(self) -> Text {
        match self {
            Self::HouseholdRegister => t(
                "户口簿（户主页和儿童页）",
                "Household register (head's page and the child's page)",
            ),
            Self::PropertyCertificate => t("不动产权证书", "Property certificate"),
            Self::ResidencePermit => t("居住证", "Residence permit"),
            Self::EmploymentProof => t(
                "劳动合同或社保缴费证明",
                "Employment contract or social-insurance record",
            ),
            Self::BirthCertificate => t(
                "出生医学证明或结婚证",
                "Birth medical certificate or marriage certificate",
            ),
            Self::KinshipProof => t(
                "亲属关系证明（能体现祖孙关系的户口簿页或派出所证明）",
                "Proof of kinship (household-register pages or a police-station certificate)",
            ),
            Self::RentalContract => t(
                "房屋租赁合同及备案证明",
                "Rental contract and its registration",
            ),
            Self::CollectiveHousehold => t(
                "集体户口首页及儿童页",
                "Collective household: first page and the child's page",
            ),
        }
    }
}

/// Whether an answer was confirmed by a registry or typed by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    Registry,
    Hand,
}

/// Where one stored answer came from, for the parent's summary and the reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub origin: Origin,
    /// The registry that confirmed it, or that could have.
    pub source: Option<RegistrySource>,
    /// When the registry answered (UTC, RFC 3339), for prefilled values.
    pub at: Option<String>,
    /// Typed by hand where a registry could have confirmed it: the reviewer checks it
    /// against the source's document, which the parent must upload.
    pub needs_document: bool,
    /// What the registry said, when the parent's value differs from it.
    pub registry_value: Option<String>,
    /// Why the parent corrected a prefilled value ("this is wrong").
    pub correction: Option<String>,
}

/// Why a parent corrects a prefilled value, by code.
pub const CORRECTION_REASONS: &[(&str, Text)] = &[
    (
        "changed",
        t(
            "信息已变更（如改名、迁户），系统尚未更新",
            "It changed (a new name, a move) and the register is not updated yet",
        ),
    ),
    ("inaccurate", t("系统信息不准确", "The register is wrong")),
    ("other", t("其他原因", "Another reason")),
];

/// The label of a correction reason code.
pub fn correction_reason(code: &str) -> Option<Text> {
    CORRECTION_REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// Longest correction reason kept.
pub const MAX_CORRECTION_CHARS: usize = 200;

/// The field whose answer shapes the rest of a section's registry answer (a property, a
/// collective household, which guardian): when the parent chose differently, the registry's
/// answer is about something else and is not used for that section.
pub fn gate_field(section: SectionKind) -> Option<&'static str> {
    match section {
        SectionKind::Household => Some(field::household::COLLECTIVE),
        SectionKind::Residence => Some(field::residence::KIND),
        SectionKind::ResidencePermit => Some(field::residence_permit::HOLDER),
        SectionKind::Employment => Some(field::employment::GUARDIAN),
        SectionKind::Child | SectionKind::Guardian => None,
    }
}

/// Fields of a section that a registry can confirm, given its answers.
pub fn confirmable_fields(section: SectionKind, data: &SectionData) -> &'static [&'static str] {
    match section {
        SectionKind::Child => &[field::child::NAME, field::child::ETHNICITY],
        SectionKind::Household => &[
            field::household::COLLECTIVE,
            field::household::ADDRESS,
            field::household::HEAD_NAME,
            field::household::HEAD_RELATION,
        ],
        SectionKind::Residence if value(data, field::residence::KIND) == "property" => &[
            field::residence::KIND,
            field::residence::ADDRESS,
            field::residence::CERTIFICATE_NUMBER,
            field::residence::OWNER_NAME,
            field::residence::OWNER_RELATION,
        ],
        SectionKind::ResidencePermit => &[
            field::residence_permit::HOLDER,
            field::residence_permit::PERMIT_NUMBER,
            field::residence_permit::ISSUING_OFFICE,
            field::residence_permit::VALID_FROM,
        ],
        SectionKind::Employment => &[
            field::employment::GUARDIAN,
            field::employment::EMPLOYER,
            field::employment::CREDIT_CODE,
            field::employment::EMPLOYED_SINCE,
        ],
        SectionKind::Residence | SectionKind::Guardian => &[],
    }
}

fn value<'a>(data: &'a SectionData, field: &str) -> &'a str {
    data.get(field).map(|v| v.trim()).unwrap_or_default()
}

/// Whether a registry's answer applies to a section as the parent has filled it so far.
pub fn prefill_applies(section: SectionKind, current: &SectionData, prefill: &SectionData) -> bool {
    match gate_field(section) {
        Some(gate) => {
            let typed = value(current, gate);
            typed.is_empty() || typed == value(prefill, gate)
        }
        None => true,
    }
}

/// Joins a registry's answer into a section: fills the fields that are empty, never
/// changes one the parent typed. Returns the joined answers and the fields filled.
pub fn merge_prefill(
    section: SectionKind,
    current: &SectionData,
    prefill: &SectionData,
) -> (SectionData, Vec<String>) {
    let mut merged = current.clone();
    let mut filled = Vec::new();
    if !prefill_applies(section, current, prefill) {
        return (merged, filled);
    }
    for (field, answer) in prefill {
        if answer.trim().is_empty() {
            continue;
        }
        if value(current, field).is_empty() {
            merged.insert(field.clone(), answer.clone());
            filled.push(field.clone());
        }
    }
    (merged, filled)
}

/// Whether a field shows as 自动回填: the registry's value, not corrected by the parent.
pub fn is_prefilled(
    field: &str,
    data: &SectionData,
    prefill: &SectionData,
    corrections: &BTreeMap<String, String>,
) -> bool {
    let answer = value(data, field);
    !answer.is_empty() && value(prefill, field) == answer && !corrections.contains_key(field)
}

/// A registry's answer for a section, with when it came.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistryAnswer<'a> {
    pub source: Option<RegistrySource>,
    pub prefill: Option<&'a SectionData>,
    pub answered_at: Option<String>,
    /// The source is configured at all (else nothing could have confirmed a value).
    pub configured: bool,
}

/// The provenance of every non-empty answer of a section, as the server stores it: a value
/// counts as 自动回填 only when it equals what the registry said.
pub fn derive_provenance(
    section: SectionKind,
    data: &SectionData,
    answer: &RegistryAnswer<'_>,
    corrections: &BTreeMap<String, String>,
) -> BTreeMap<String, Provenance> {
    let empty = SectionData::new();
    let prefill = answer
        .prefill
        .filter(|p| prefill_applies(section, data, p))
        .unwrap_or(&empty);
    let confirmable: BTreeSet<&str> = if answer.configured {
        confirmable_fields(section, data).iter().copied().collect()
    } else {
        BTreeSet::new()
    };
    data.iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(field, typed)| {
            let correction = corrections.get(field).cloned();
            let provenance = if is_prefilled(field, data, prefill, corrections) {
                Provenance {
                    origin: Origin::Registry,
                    source: answer.source,
                    at: answer.answered_at.clone(),
                    needs_document: false,
                    registry_value: None,
                    correction: None,
                }
            } else {
                let said = value(prefill, field);
                Provenance {
                    origin: Origin::Hand,
                    source: confirmable
                        .contains(field.as_str())
                        .then_some(answer.source)
                        .flatten(),
                    at: None,
                    needs_document: confirmable.contains(field.as_str()),
                    registry_value: (!said.is_empty() && said != typed.trim())
                        .then(|| said.to_owned()),
                    correction,
                }
            };
            (field.clone(), provenance)
        })
        .collect()
}

/// Keeps corrections for fields the section has, with bounded reasons.
pub fn clean_corrections(corrections: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    corrections
        .iter()
        .take(crate::domain::sections::MAX_FIELDS)
        .filter(|(field, _)| {
            field.len() <= 40
                && field
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(|(field, reason)| {
            let reason: String = reason.trim().chars().take(MAX_CORRECTION_CHARS).collect();
            (field.clone(), reason)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    use crate::domain::sections::data_of as data;

    #[test]
    fn a_late_answer_fills_only_what_is_empty() {
        let typed = data(&[("name", "王浩然"), ("ethnicity", "")]);
        let registry = data(&[("name", "王小宝"), ("ethnicity", "01")]);
        let (merged, filled) = merge_prefill(SectionKind::Child, &typed, &registry);
        assert_eq!(merged["name"], "王浩然");
        assert_eq!(merged["ethnicity"], "01");
        assert_eq!(filled, ["ethnicity"]);
    }

    #[test]
    fn an_answer_about_something_else_is_not_used() {
        let renting = data(&[("kind", "rental"), ("address", "")]);
        let property = data(&[
            ("kind", "property"),
            ("address", "市南区香港中路 10 号 2 单元 301"),
            ("owner_name", "张伟"),
        ]);
        let (merged, filled) = merge_prefill(SectionKind::Residence, &renting, &property);
        assert_eq!(merged, renting);
        assert!(filled.is_empty());
    }

    #[test]
    fn provenance_is_registry_only_for_the_registrys_own_values() {
        let registry = data(&[("name", "王小宝"), ("ethnicity", "01")]);
        let answer = RegistryAnswer {
            source: Some(RegistrySource::Household),
            prefill: Some(&registry),
            answered_at: Some("2026-11-23T08:00:00Z".into()),
            configured: true,
        };
        let typed = data(&[
            ("name", "王浩然"),
            ("ethnicity", "01"),
            ("contact_phone", "13800000001"),
        ]);
        let mut corrections = BTreeMap::new();
        corrections.insert("name".to_owned(), "已改名".to_owned());
        let provenance = derive_provenance(SectionKind::Child, &typed, &answer, &corrections);
        assert_eq!(provenance["ethnicity"].origin, Origin::Registry);
        let name = &provenance["name"];
        assert_eq!(name.origin, Origin::Hand);
        assert!(name.needs_document);
        assert_eq!(name.registry_value.as_deref(), Some("王小宝"));
        assert_eq!(name.correction.as_deref(), Some("已改名"));
        assert!(!provenance["contact_phone"].needs_document);
    }

    #[test]
    fn a_corrected_value_equal_to_the_registry_is_still_hand_entered() {
        let registry = data(&[("name", "王小宝")]);
        let answer = RegistryAnswer {
            source: Some(RegistrySource::Household),
            prefill: Some(&registry),
            answered_at: None,
            configured: true,
        };
        let mut corrections = BTreeMap::new();
        corrections.insert("name".to_owned(), "其他".to_owned());
        let provenance = derive_provenance(SectionKind::Child, &registry, &answer, &corrections);
        assert_eq!(provenance["name"].origin, Origin::Hand);
    }

    #[test]
    fn without_a_configured_registry_nothing_asks_for_a_document() {
        let typed = data(&[("name", "王浩然")]);
        let provenance = derive_provenance(
            SectionKind::Child,
            &typed,
            &RegistryAnswer::default(),
            &BTreeMap::new(),
        );
        assert!(!provenance["name"].needs_document);
    }

    fn section_data() -> impl Strategy<Value = SectionData> {
        proptest::collection::btree_map(
            prop_oneof![
                Just("name".to_owned()),
                Just("ethnicity".to_owned()),
                Just("kind".to_owned()),
                Just("address".to_owned()),
                Just("owner_name".to_owned()),
                Just("collective".to_owned()),
            ],
            prop_oneof![Just(String::new()), Just(" ".to_owned()), "[a-z张王]{1,6}"],
            0..6,
        )
    }

    fn section_kind() -> impl Strategy<Value = SectionKind> {
        prop_oneof![
            Just(SectionKind::Child),
            Just(SectionKind::Household),
            Just(SectionKind::Residence),
        ]
    }

    proptest! {
        #[test]
        fn merging_never_overwrites_a_typed_value(
            section in section_kind(),
            typed in section_data(),
            registry in section_data(),
        ) {
            let (merged, filled) = merge_prefill(section, &typed, &registry);
            for (field, value) in &typed {
                if !value.trim().is_empty() {
                    prop_assert_eq!(merged.get(field), Some(value));
                }
            }
            for field in &filled {
                prop_assert!(typed.get(field).is_none_or(|v| v.trim().is_empty()));
                prop_assert_eq!(merged.get(field), registry.get(field));
            }
            // Merging the same answer again changes nothing.
            let (again, refilled) = merge_prefill(section, &merged, &registry);
            prop_assert_eq!(again, merged);
            prop_assert!(refilled.is_empty());
        }
    }
}
