//! The six sections of a registration (采集项目), their fields, and the rules that check
//! them. Shared by the form (instant feedback) and the server (which checks again: nothing
//! from the network is trusted). Later sections adapt to earlier answers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::coded::{coded, named};
use crate::{
    domain::{PersonName, PhoneNumber, ResidentId, Subsystem, credit_code::parse_credit_code},
    error::FieldProblem,
    i18n::{Locale, Text, t},
};

/// The answers of one section: field name → value as typed.
pub type SectionData = BTreeMap<String, String>;

/// Longest value of any field, and most fields a section may carry.
pub const MAX_VALUE_CHARS: usize = 200;
pub const MAX_FIELDS: usize = 40;

coded! {
    /// One of the six sections, in the order they are filled.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    pub enum SectionKind {
        Child = "child",
        Household = "household",
        Residence = "residence",
        Guardian = "guardian",
        ResidencePermit = "residence-permit",
        Employment = "employment",
    }
}

impl SectionKind {
    pub fn title(self) -> Text {
        match self {
            Self::Child => t("儿童基本信息", "Child"),
            Self::Household => t("户籍信息", "Household registration"),
            Self::Residence => t("居住信息", "Residence"),
            Self::Guardian => t("监护人信息", "Guardians"),
            Self::ResidencePermit => t("居住证信息", "Residence permit"),
            Self::Employment => t("工作信息", "Employment"),
        }
    }

    /// Parses a stored list such as `child,household,residence`, keeping the fixed order.
    pub fn parse_list(list: &str) -> Vec<Self> {
        let mut sections: Vec<Self> = list
            .split(',')
            .filter_map(|code| Self::from_code(code.trim()))
            .collect();
        sections.sort();
        sections.dedup();
        sections
    }
}

/// Checks the sections an entry requires: the child's first, three to six in all.
pub fn entry_sections(codes: &[String]) -> Result<Vec<SectionKind>, Text> {
    let mut sections = Vec::new();
    for code in codes {
        match SectionKind::from_code(code.trim()) {
            Some(kind) if !sections.contains(&kind) => sections.push(kind),
            Some(_) => {}
            None => return Err(t("有无法识别的信息项目。", "A section was not recognised.")),
        }
    }
    sections.sort();
    if sections.first() != Some(&SectionKind::Child) {
        return Err(t(
            "每个报名入口都必须包含儿童基本信息。",
            "Every entry needs the child's section.",
        ));
    }
    if !(3..=6).contains(&sections.len()) {
        return Err(t(
            "报名入口需要 3 到 6 个信息项目。",
            "An entry needs 3 to 6 sections.",
        ));
    }
    Ok(sections)
}

named! {
    /// Where a section stands, as the task list shows it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
    pub enum SectionStatus {
        NotStarted,
        InProgress,
        Completed,
        /// An earlier section must be completed first.
        CannotStartYet,
        /// Completed once, but no longer valid (an earlier answer changed).
        HasProblem,
    }
}

impl SectionStatus {
    pub fn label(self) -> Text {
        match self {
            Self::NotStarted => t("未开始", "Not started"),
            Self::InProgress => t("填写中", "In progress"),
            Self::Completed => t("已完成", "Completed"),
            Self::CannotStartYet => t("暂不可填", "Cannot start yet"),
            Self::HasProblem => t("需修改", "Needs changes"),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not-started",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::CannotStartYet => "cannot-start",
            Self::HasProblem => "has-problem",
        }
    }
}

/// How a field is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Name,
    ResidentId,
    Phone,
    Date,
    CreditCode,
    Choice(&'static [(&'static str, Text)]),
}

/// One field of a section form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: Text,
    pub hint: Option<Text>,
    /// An example shown after the hint, as the document prints it (in Chinese on every page).
    pub example: Option<&'static str>,
    pub kind: FieldKind,
    pub required: bool,
}

impl FieldSpec {
    const fn new(name: &'static str, label: Text, kind: FieldKind) -> Self {
        Self {
            name,
            label,
            hint: None,
            example: None,
            kind,
            required: true,
        }
    }
    const fn hint(mut self, hint: Text) -> Self {
        self.hint = Some(hint);
        self
    }
    const fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }
    const fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// `inputmode` for the phone keyboard.
    pub fn input_mode(&self) -> Option<&'static str> {
        match self.kind {
            FieldKind::Phone => Some("tel"),
            FieldKind::ResidentId => Some("text"),
            _ => None,
        }
    }

    /// `autocomplete` hint for the browser.
    pub fn autocomplete(&self) -> &'static str {
        match self.kind {
            FieldKind::Phone => "tel-national",
            FieldKind::Name => "off",
            _ => "off",
        }
    }
}

/// What a section's rules may look at besides its own answers.
#[derive(Clone, Copy, Debug)]
pub struct SectionContext<'a> {
    pub subsystem: Subsystem,
    /// The child's ID number as given when the registration was made.
    pub child_id_number: &'a str,
    /// Answers of the other sections.
    pub answers: &'a BTreeMap<SectionKind, SectionData>,
    pub today: NaiveDate,
}

impl SectionContext<'_> {
    fn answer(&self, section: SectionKind, field: &str) -> Option<&str> {
        self.answers
            .get(&section)
            .and_then(|data| data.get(field))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn has_second_guardian(&self) -> bool {
        self.answer(SectionKind::Guardian, field::guardian::HAS_GUARDIAN2) == Some("yes")
    }
}

const YES_NO: &[(&str, Text)] = &[("yes", t("是", "Yes")), ("no", t("否", "No"))];

const RELATIONS: &[(&str, Text)] = &[
    ("father", t("父亲", "Father")),
    ("mother", t("母亲", "Mother")),
    ("paternal_grandfather", t("祖父", "Paternal grandfather")),
    ("paternal_grandmother", t("祖母", "Paternal grandmother")),
    ("maternal_grandfather", t("外祖父", "Maternal grandfather")),
    ("maternal_grandmother", t("外祖母", "Maternal grandmother")),
    ("other", t("其他监护人", "Other guardian")),
];

const HEAD_RELATIONS: &[(&str, Text)] = &[
    ("father", t("父亲", "Father")),
    ("mother", t("母亲", "Mother")),
    ("paternal_grandfather", t("祖父", "Paternal grandfather")),
    ("paternal_grandmother", t("祖母", "Paternal grandmother")),
    ("maternal_grandfather", t("外祖父", "Maternal grandfather")),
    ("maternal_grandmother", t("外祖母", "Maternal grandmother")),
    ("self", t("儿童本人", "The child")),
    ("other", t("其他亲属", "Other relative")),
];

const RESIDENCE_KINDS: &[(&str, Text)] = &[
    ("property", t("自有房产", "Own property")),
    ("rental", t("租房", "Rented")),
    ("relatives", t("借住亲属房屋", "Living with relatives")),
];

const GUARDIANS: &[(&str, Text)] = &[
    ("guardian1", t("监护人一", "Guardian 1")),
    ("guardian2", t("监护人二", "Guardian 2")),
];
const GUARDIAN_ONE: &[(&str, Text)] = &[("guardian1", t("监护人一", "Guardian 1"))];

const GRADES: &[(&str, Text)] = &[
    ("2", t("二年级", "Grade 2")),
    ("3", t("三年级", "Grade 3")),
    ("4", t("四年级", "Grade 4")),
    ("5", t("五年级", "Grade 5")),
    ("6", t("六年级", "Grade 6")),
    ("7", t("七年级（初一）", "Grade 7 (junior high)")),
    ("8", t("八年级（初二）", "Grade 8")),
    ("9", t("九年级（初三）", "Grade 9")),
];

/// The 56 ethnic groups (GB 3304), by their two-digit codes.
pub const ETHNICITIES: &[(&str, Text)] = &[
    ("01", t("汉族", "Han")),
    ("02", t("蒙古族", "Mongol")),
    ("03", t("回族", "Hui")),
    ("04", t("藏族", "Tibetan")),
    ("05", t("维吾尔族", "Uyghur")),
    ("06", t("苗族", "Miao")),
    ("07", t("彝族", "Yi")),
    ("08", t("壮族", "Zhuang")),
    ("09", t("布依族", "Buyei")),
    ("10", t("朝鲜族", "Korean")),
    ("11", t("满族", "Manchu")),
    ("12", t("侗族", "Dong")),
    ("13", t("瑶族", "Yao")),
    ("14", t("白族", "Bai")),
    ("15", t("土家族", "Tujia")),
    ("16", t("哈尼族", "Hani")),
    ("17", t("哈萨克族", "Kazakh")),
    ("18", t("傣族", "Dai")),
    ("19", t("黎族", "Li")),
    ("20", t("傈僳族", "Lisu")),
    ("21", t("佤族", "Va")),
    ("22", t("畲族", "She")),
    ("23", t("高山族", "Gaoshan")),
    ("24", t("拉祜族", "Lahu")),
    ("25", t("水族", "Shui")),
    ("26", t("东乡族", "Dongxiang")),
    ("27", t("纳西族", "Naxi")),
    ("28", t("景颇族", "Jingpo")),
    ("29", t("柯尔克孜族", "Kyrgyz")),
    ("30", t("土族", "Tu")),
    ("31", t("达斡尔族", "Daur")),
    ("32", t("仫佬族", "Mulao")),
    ("33", t("羌族", "Qiang")),
    ("34", t("布朗族", "Blang")),
    ("35", t("撒拉族", "Salar")),
    ("36", t("毛南族", "Maonan")),
    ("37", t("仡佬族", "Gelao")),
    ("38", t("锡伯族", "Xibe")),
    ("39", t("阿昌族", "Achang")),
    ("40", t("普米族", "Pumi")),
    ("41", t("塔吉克族", "Tajik")),
    ("42", t("怒族", "Nu")),
    ("43", t("乌孜别克族", "Uzbek")),
    ("44", t("俄罗斯族", "Russian")),
    ("45", t("鄂温克族", "Ewenki")),
    ("46", t("德昂族", "De'ang")),
    ("47", t("保安族", "Bonan")),
    ("48", t("裕固族", "Yugur")),
    ("49", t("京族", "Gin")),
    ("50", t("塔塔尔族", "Tatar")),
    ("51", t("独龙族", "Derung")),
    ("52", t("鄂伦春族", "Oroqen")),
    ("53", t("赫哲族", "Hezhen")),
    ("54", t("门巴族", "Monba")),
    ("55", t("珞巴族", "Lhoba")),
    ("56", t("基诺族", "Jino")),
];

/// The fields a section shows, given the answers so far (its own and earlier ones).
/// The field `name` of `kind` as shown with any of `versions` of the answers (fields that
/// depend on other answers appear with some versions only).
pub fn find_field(
    kind: SectionKind,
    name: &str,
    versions: &[&SectionData],
    ctx: &SectionContext<'_>,
) -> Option<FieldSpec> {
    versions
        .iter()
        .find_map(|data| fields(kind, data, ctx).into_iter().find(|f| f.name == name))
}

/// A guardian's five fields — relation, name, ID number, mobile, employer (optional) — under
/// that guardian's keys and labels: guardian 1 and guardian 2 ask the same.
fn guardian_fields(keys: [&'static str; 5], labels: [Text; 5]) -> Vec<FieldSpec> {
    let kinds = [
        FieldKind::Choice(RELATIONS),
        FieldKind::Name,
        FieldKind::ResidentId,
        FieldKind::Phone,
        FieldKind::Text,
    ];
    let employer = keys[4];
    keys.into_iter()
        .zip(labels)
        .zip(kinds)
        .map(|((key, label), kind)| {
            let spec = FieldSpec::new(key, label, kind);
            if key == employer {
                spec.optional()
            } else {
                spec
            }
        })
        .collect()
}

pub fn fields(kind: SectionKind, data: &SectionData, ctx: &SectionContext<'_>) -> Vec<FieldSpec> {
    let value = |name: &str| data.get(name).map(|v| v.trim()).unwrap_or_default();
    let mut fields = Vec::new();
    match kind {
        SectionKind::Child => {
            fields.push(
                FieldSpec::new(
                    field::child::NAME,
                    t("儿童姓名", "Child's name"),
                    FieldKind::Name,
                )
                .hint(t("与户口簿一致", "As in the household register")),
            );
            fields.push(FieldSpec::new(
                field::child::ETHNICITY,
                t("民族", "Ethnic group"),
                FieldKind::Choice(ETHNICITIES),
            ));
            fields.push(
                FieldSpec::new(
                    field::child::CONTACT_PHONE,
                    t("联系电话", "Contact phone"),
                    FieldKind::Phone,
                )
                .hint(t(
                    "学校联系您时使用，本平台的短信也会发到这个号码；可以与登录手机号不同",
                    "The school calls this number, and the platform's texts go to it too; it may differ from your sign-in phone",
                )),
            );
            if ctx.subsystem == Subsystem::Transfer {
                fields.push(FieldSpec::new(
                    field::child::CURRENT_SCHOOL,
                    t("现就读学校", "Current school"),
                    FieldKind::Text,
                ));
                fields.push(FieldSpec::new(
                    field::child::TARGET_GRADE,
                    t("转入年级", "Grade to join"),
                    FieldKind::Choice(GRADES),
                ));
            }
        }
        SectionKind::Household => {
            fields.push(
                FieldSpec::new(
                    field::household::COLLECTIVE,
                    t("是否集体户", "Collective household?"),
                    FieldKind::Choice(YES_NO),
                )
                .hint(t(
                    "单位或人才市场的集体户口选“是”",
                    "Choose Yes for a collective household of an employer or talent centre",
                )),
            );
            fields.push(FieldSpec::new(
                field::household::ADDRESS,
                t("户籍地址", "Registered address"),
                FieldKind::Text,
            ));
            if value(field::household::COLLECTIVE) != "yes" {
                fields.push(FieldSpec::new(
                    field::household::HEAD_NAME,
                    t("户主姓名", "Head of household"),
                    FieldKind::Name,
                ));
                fields.push(FieldSpec::new(
                    field::household::HEAD_RELATION,
                    t("户主与儿童关系", "Head's relation to the child"),
                    FieldKind::Choice(HEAD_RELATIONS),
                ));
            }
        }
        SectionKind::Residence => {
            fields.push(FieldSpec::new(
                field::residence::KIND,
                t("居住类型", "Type of residence"),
                FieldKind::Choice(RESIDENCE_KINDS),
            ));
            fields.push(FieldSpec::new(
                field::residence::ADDRESS,
                t("实际居住地址", "Address you live at"),
                FieldKind::Text,
            ));
            match value(field::residence::KIND) {
                "property" => {
                    fields.push(
                        FieldSpec::new(
                            field::residence::CERTIFICATE_NUMBER,
                            t("不动产权证号", "Property certificate number"),
                            FieldKind::Text,
                        )
                        .hint(t("如：", "As printed on the certificate, for example "))
                        .example("鲁(2021)青岛市不动产权第0012345号"),
                    );
                    fields.push(FieldSpec::new(
                        field::residence::OWNER_NAME,
                        t("产权人姓名", "Owner's name"),
                        FieldKind::Name,
                    ));
                    fields.push(FieldSpec::new(
                        field::residence::OWNER_RELATION,
                        t("产权人与儿童关系", "Owner's relation to the child"),
                        FieldKind::Choice(RELATIONS),
                    ));
                }
                "rental" => {
                    fields.push(
                        FieldSpec::new(
                            field::residence::RENTAL_REGISTRATION_NUMBER,
                            t("房屋租赁登记备案号", "Rental registration number"),
                            FieldKind::Text,
                        )
                        .optional(),
                    );
                    fields.push(FieldSpec::new(
                        field::residence::LANDLORD_NAME,
                        t("出租人姓名", "Landlord's name"),
                        FieldKind::Name,
                    ));
                }
                "relatives" => {
                    fields.push(FieldSpec::new(
                        field::residence::OWNER_NAME,
                        t("房屋所有人姓名", "Owner's name"),
                        FieldKind::Name,
                    ));
                    fields.push(FieldSpec::new(
                        field::residence::OWNER_RELATION,
                        t("所有人与儿童关系", "Owner's relation to the child"),
                        FieldKind::Choice(RELATIONS),
                    ));
                }
                _ => {}
            }
        }
        SectionKind::Guardian => {
            let mut first = guardian_fields(
                [
                    field::guardian::G1_RELATION,
                    field::guardian::G1_NAME,
                    field::guardian::G1_ID_NUMBER,
                    field::guardian::G1_PHONE,
                    field::guardian::G1_EMPLOYER,
                ],
                [
                    t("监护人一与儿童关系", "Guardian 1: relation"),
                    t("监护人一姓名", "Guardian 1: name"),
                    t("监护人一身份证号", "Guardian 1: ID number"),
                    t("监护人一手机号", "Guardian 1: mobile"),
                    t("监护人一工作单位", "Guardian 1: employer"),
                ],
            );
            first[0] = first[0].hint(t("监护人一不必是报名人本人", "Guardian 1 need not be you"));
            fields.extend(first);
            fields.push(FieldSpec::new(
                field::guardian::HAS_GUARDIAN2,
                t("是否填写监护人二", "Add guardian 2?"),
                FieldKind::Choice(YES_NO),
            ));
            if value(field::guardian::HAS_GUARDIAN2) == "yes" {
                fields.extend(guardian_fields(
                    [
                        field::guardian::G2_RELATION,
                        field::guardian::G2_NAME,
                        field::guardian::G2_ID_NUMBER,
                        field::guardian::G2_PHONE,
                        field::guardian::G2_EMPLOYER,
                    ],
                    [
                        t("监护人二与儿童关系", "Guardian 2: relation"),
                        t("监护人二姓名", "Guardian 2: name"),
                        t("监护人二身份证号", "Guardian 2: ID number"),
                        t("监护人二手机号", "Guardian 2: mobile"),
                        t("监护人二工作单位", "Guardian 2: employer"),
                    ],
                ));
            }
        }
        SectionKind::ResidencePermit => {
            let holders = if ctx.has_second_guardian() {
                GUARDIANS
            } else {
                GUARDIAN_ONE
            };
            fields.push(FieldSpec::new(
                field::residence_permit::HOLDER,
                t("居住证持有人", "Permit holder"),
                FieldKind::Choice(holders),
            ));
            fields.push(FieldSpec::new(
                field::residence_permit::PERMIT_NUMBER,
                t("居住证号码", "Permit number"),
                FieldKind::Text,
            ));
            fields.push(FieldSpec::new(
                field::residence_permit::ISSUING_OFFICE,
                t("签发机关", "Issuing office"),
                FieldKind::Text,
            ));
            fields.push(FieldSpec::new(
                field::residence_permit::VALID_FROM,
                t("签发日期", "Issued on"),
                FieldKind::Date,
            ));
        }
        SectionKind::Employment => {
            let holders = if ctx.has_second_guardian() {
                GUARDIANS
            } else {
                GUARDIAN_ONE
            };
            fields.push(
                FieldSpec::new(
                    field::employment::GUARDIAN,
                    t("就业的监护人", "Guardian in employment"),
                    FieldKind::Choice(holders),
                )
                .hint(t(
                    "可以与房产所有人不同",
                    "May differ from the property owner",
                )),
            );
            fields.push(FieldSpec::new(
                field::employment::EMPLOYER,
                t("工作单位名称", "Employer"),
                FieldKind::Text,
            ));
            fields.push(
                FieldSpec::new(
                    field::employment::CREDIT_CODE,
                    t("统一社会信用代码", "Unified social credit code"),
                    FieldKind::CreditCode,
                )
                .hint(t(
                    "18 位，见营业执照",
                    "18 characters, on the business licence",
                )),
            );
            fields.push(FieldSpec::new(
                field::employment::EMPLOYED_SINCE,
                t("入职日期", "Employed since"),
                FieldKind::Date,
            ));
        }
    }
    fields
}

/// The answers whose values change which questions a section asks, with the values that
/// ask more (or other) questions than no answer does. [`every_field`] reads them; a test
/// checks against every combination of choices that nothing else changes the questions.
const BRANCHES: &[(&str, &[&str])] = &[
    (field::household::COLLECTIVE, &["no"]),
    (field::residence::KIND, &["property", "rental", "relatives"]),
    (field::guardian::HAS_GUARDIAN2, &["yes"]),
];

/// Every question a section can ask with the other sections' answers in `ctx`, in an order
/// in which [`fields`] asks any of its lists: so that a form can render each question
/// once and show the ones its answers ask. A question worded differently for another answer
/// (产权人姓名, 房屋所有人姓名) is a question of its own.
pub fn every_field(kind: SectionKind, ctx: &SectionContext<'_>) -> Vec<FieldSpec> {
    let mut every = fields(kind, &SectionData::new(), ctx);
    for (name, values) in BRANCHES {
        for value in *values {
            let data = SectionData::from([((*name).to_owned(), (*value).to_owned())]);
            // Each question asked after the one before it in this list.
            let mut previous: Option<usize> = None;
            for spec in fields(kind, &data, ctx) {
                let at = match every.iter().position(|known| *known == spec) {
                    Some(at) => at,
                    None => {
                        let at = previous.map_or(0, |p| p + 1);
                        every.insert(at, spec);
                        at
                    }
                };
                previous = Some(at);
            }
        }
    }
    every
}

fn problem(field: &str, zh: &str, en: &str) -> FieldProblem {
    FieldProblem::new(field, zh, en)
}

/// Checks one value against its field.
fn check_value(spec: &FieldSpec, value: &str, ctx: &SectionContext<'_>) -> Option<FieldProblem> {
    let label = spec.label;
    if value.is_empty() {
        return spec.required.then(|| {
            let verb = matches!(spec.kind, FieldKind::Choice(_));
            problem(
                spec.name,
                &format!("请{}{}", if verb { "选择" } else { "填写" }, label.zh),
                &format!(
                    "{}: {}",
                    label.en,
                    if verb { "choose one" } else { "enter it" }
                ),
            )
        });
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Some(problem(
            spec.name,
            &format!("{}过长，最多 {MAX_VALUE_CHARS} 个字", label.zh),
            &format!(
                "{} is too long: at most {MAX_VALUE_CHARS} characters",
                label.en
            ),
        ));
    }
    let with_label = |zh: String, en: String| {
        Some(problem(
            spec.name,
            &format!("{}：{zh}", label.zh),
            &format!("{}: {en}", label.en),
        ))
    };
    match spec.kind {
        FieldKind::Text => None,
        FieldKind::Name => PersonName::parse(value)
            .err()
            .and_then(|e| with_label(e.message(Locale::Zh), e.message(Locale::En))),
        FieldKind::Phone => PhoneNumber::parse(value)
            .err()
            .and_then(|e| with_label(e.message(Locale::Zh), e.message(Locale::En))),
        FieldKind::ResidentId => ResidentId::parse(value, ctx.today)
            .err()
            .and_then(|e| with_label(e.message(Locale::Zh), e.message(Locale::En))),
        FieldKind::Date => match crate::domain::dates::parse_iso_date(value) {
            Some(date) if date > ctx.today => with_label(
                "日期不能晚于今天".into(),
                "the date cannot be in the future".into(),
            ),
            Some(_) => None,
            None => with_label(
                "请按 年-月-日 填写日期".into(),
                "enter a date as year-month-day".into(),
            ),
        },
        FieldKind::CreditCode => parse_credit_code(value).err().and_then(|_| {
            with_label(
                "应为 18 位统一社会信用代码，请对照营业执照核对".into(),
                "should be the 18-character code on the business licence; check it again".into(),
            )
        }),
        FieldKind::Choice(options) => {
            (!options.iter().any(|(code, _)| *code == value)).then(|| {
                problem(
                    spec.name,
                    &format!("请选择{}", label.zh),
                    &format!("{}: choose one of the options", label.en),
                )
            })
        }
    }
}

/// Checks a section: every visible field, then rules across fields and sections.
pub fn validate(
    kind: SectionKind,
    data: &SectionData,
    ctx: &SectionContext<'_>,
) -> Vec<FieldProblem> {
    let specs = fields(kind, data, ctx);
    let value = |name: &str| data.get(name).map(|v| v.trim()).unwrap_or_default();
    let mut problems: Vec<FieldProblem> = specs
        .iter()
        .filter_map(|spec| check_value(spec, value(spec.name), ctx))
        .collect();
    let has_problem =
        |problems: &Vec<FieldProblem>, name: &str| problems.iter().any(|p| p.field == name);
    if kind == SectionKind::Guardian {
        let child = ctx.child_id_number;
        for field in [field::guardian::G1_ID_NUMBER, field::guardian::G2_ID_NUMBER] {
            let id = value(field).to_ascii_uppercase();
            if !id.is_empty() && !has_problem(&problems, field) && id == child.to_ascii_uppercase()
            {
                problems.push(problem(
                    field,
                    "监护人的身份证号不能与儿童相同",
                    "A guardian's ID number cannot be the child's",
                ));
            }
        }
        if value(field::guardian::HAS_GUARDIAN2) == "yes"
            && !value(field::guardian::G1_ID_NUMBER).is_empty()
            && value(field::guardian::G1_ID_NUMBER)
                .eq_ignore_ascii_case(value(field::guardian::G2_ID_NUMBER))
            && !has_problem(&problems, field::guardian::G2_ID_NUMBER)
        {
            problems.push(problem(
                field::guardian::G2_ID_NUMBER,
                "两位监护人的身份证号不能相同",
                "The two guardians need different ID numbers",
            ));
        }
    }
    if matches!(kind, SectionKind::ResidencePermit | SectionKind::Employment) {
        let field = if kind == SectionKind::Employment {
            field::employment::GUARDIAN
        } else {
            field::residence_permit::HOLDER
        };
        if value(field) == "guardian2"
            && !ctx.has_second_guardian()
            && !has_problem(&problems, field)
        {
            problems.push(problem(
                field,
                "监护人信息中没有监护人二，请先在监护人信息中填写",
                "There is no guardian 2 in the guardians section: add them there first",
            ));
        }
    }
    problems
}

/// Keeps only the fields a section knows, trimmed and bounded: what the server stores.
pub fn clean(data: &SectionData) -> SectionData {
    data.iter()
        .take(MAX_FIELDS)
        .filter(|(name, _)| {
            name.len() <= 40
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(|(name, value)| {
            (
                name.clone(),
                value.chars().take(MAX_VALUE_CHARS * 2).collect::<String>(),
            )
        })
        .collect()
}

/// Section answers from pairs, for tests.
#[cfg(test)]
pub(crate) fn data_of(pairs: &[(&str, &str)]) -> SectionData {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The value of a field for display: the option's label for choices, a date as the language
/// writes it, an ID number masked (110105********002X: the page it is typed on and the
/// school's reviewer show it whole), anything else as the parent or the registry wrote it.
pub fn display_value(spec: &FieldSpec, value: &str, locale: Locale) -> String {
    match spec.kind {
        FieldKind::ResidentId => masked_id_text(value),
        _ => display_value_in_full(spec, value, locale),
    }
}

/// An ID number as written with its birth date hidden; anything not 18 characters long is
/// not an ID number and is shown as written.
fn masked_id_text(value: &str) -> String {
    let value = value.trim();
    if value.len() == 18 && value.is_ascii() {
        format!("{}********{}", &value[..6], &value[14..])
    } else {
        value.to_owned()
    }
}

/// [`display_value`] with ID numbers whole: for the school's reviewer, who checks them
/// against the documents, and for answers a parent is choosing between.
pub fn display_value_in_full(spec: &FieldSpec, value: &str, locale: Locale) -> String {
    match spec.kind {
        FieldKind::Choice(options) => options
            .iter()
            .find(|(code, _)| *code == value)
            .map_or_else(|| value.to_owned(), |(_, text)| text.get(locale).to_owned()),
        FieldKind::Date => crate::domain::dates::parse_iso_date(value).map_or_else(
            || value.to_owned(),
            |date| crate::domain::dates::format_date(date, locale),
        ),
        _ => value.to_owned(),
    }
}

/// Whether a field's displayed value is what a person or a registry wrote (a name, an
/// address, a number), kept as written in every language: pages mark it `translate="no"`.
pub fn value_is_data(spec: &FieldSpec) -> bool {
    !matches!(spec.kind, FieldKind::Choice(_) | FieldKind::Date)
}

#[cfg(test)]
mod entry_tests {
    use super::*;

    #[test]
    fn dates_follow_the_language_and_what_people_wrote_is_kept_as_written() {
        let date = FieldSpec::new("born", t("出生日期", "Date of birth"), FieldKind::Date);
        assert_eq!(
            display_value(&date, "2019-09-01", Locale::Zh),
            "2019年9月1日"
        );
        assert_eq!(
            display_value(&date, "2019-09-01", Locale::En),
            "1 September 2019"
        );
        assert_eq!(display_value(&date, "2019-9", Locale::En), "2019-9");
        let id = FieldSpec::new(
            "g1_id_number",
            t("身份证号", "ID number"),
            FieldKind::ResidentId,
        );
        assert_eq!(
            display_value(&id, "11010519491231002X", Locale::Zh),
            "110105********002X"
        );
        assert_eq!(
            display_value_in_full(&id, "11010519491231002X", Locale::Zh),
            "11010519491231002X"
        );
        assert_eq!(display_value(&id, "1101", Locale::Zh), "1101");
        let name = FieldSpec::new("name", t("姓名", "Name"), FieldKind::Name);
        assert_eq!(display_value(&name, "林小雨", Locale::En), "林小雨");
        assert!(value_is_data(&name));
        assert!(!value_is_data(&date));
    }

    #[test]
    fn an_entry_needs_the_child_and_three_to_six_sections_in_their_order() {
        let codes = |list: &[&str]| list.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            entry_sections(&codes(&["guardian", "child", "household", "child"])),
            Ok(vec![
                SectionKind::Child,
                SectionKind::Household,
                SectionKind::Guardian
            ])
        );
        assert!(entry_sections(&codes(&["household", "residence", "guardian"])).is_err());
        assert!(entry_sections(&codes(&["child", "household"])).is_err());
        assert!(entry_sections(&codes(&["child", "household", "nowhere"])).is_err());
    }
}

/// The key of every answer, by section: the one spelling that the forms, prefill,
/// provenance (自动回填), materials and reviewers' change requests use.
pub mod field {
    pub mod child {
        pub const NAME: &str = "name";
        pub const ETHNICITY: &str = "ethnicity";
        pub const CONTACT_PHONE: &str = "contact_phone";
        pub const CURRENT_SCHOOL: &str = "current_school";
        pub const TARGET_GRADE: &str = "target_grade";
    }
    pub mod household {
        pub const COLLECTIVE: &str = "collective";
        pub const ADDRESS: &str = "address";
        pub const HEAD_NAME: &str = "head_name";
        pub const HEAD_RELATION: &str = "head_relation";
    }
    pub mod residence {
        pub const KIND: &str = "kind";
        pub const ADDRESS: &str = "address";
        pub const CERTIFICATE_NUMBER: &str = "certificate_number";
        pub const OWNER_NAME: &str = "owner_name";
        pub const OWNER_RELATION: &str = "owner_relation";
        pub const RENTAL_REGISTRATION_NUMBER: &str = "rental_registration_number";
        pub const LANDLORD_NAME: &str = "landlord_name";
    }
    pub mod guardian {
        pub const G1_RELATION: &str = "g1_relation";
        pub const G1_NAME: &str = "g1_name";
        pub const G1_ID_NUMBER: &str = "g1_id_number";
        pub const G1_PHONE: &str = "g1_phone";
        pub const G1_EMPLOYER: &str = "g1_employer";
        pub const HAS_GUARDIAN2: &str = "has_guardian2";
        pub const G2_RELATION: &str = "g2_relation";
        pub const G2_NAME: &str = "g2_name";
        pub const G2_ID_NUMBER: &str = "g2_id_number";
        pub const G2_PHONE: &str = "g2_phone";
        pub const G2_EMPLOYER: &str = "g2_employer";
    }
    pub mod residence_permit {
        pub const HOLDER: &str = "holder";
        pub const PERMIT_NUMBER: &str = "permit_number";
        pub const ISSUING_OFFICE: &str = "issuing_office";
        pub const VALID_FROM: &str = "valid_from";
    }
    pub mod employment {
        pub const GUARDIAN: &str = "guardian";
        pub const EMPLOYER: &str = "employer";
        pub const CREDIT_CODE: &str = "credit_code";
        pub const EMPLOYED_SINCE: &str = "employed_since";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    /// What a section's rules see besides its answers, on [`today`].
    fn context<'a>(
        subsystem: Subsystem,
        child_id_number: &'a str,
        answers: &'a BTreeMap<SectionKind, SectionData>,
    ) -> SectionContext<'a> {
        SectionContext {
            subsystem,
            child_id_number,
            answers,
            today: today(),
        }
    }

    use super::data_of as data;

    /// Every list of questions `fields` can ask of a section: all combinations of its
    /// choices' answers (and no answer), each choice tried once it is asked.
    fn every_list(kind: SectionKind, ctx: &SectionContext<'_>) -> Vec<Vec<FieldSpec>> {
        fn walk(
            kind: SectionKind,
            ctx: &SectionContext<'_>,
            data: SectionData,
            found: &mut Vec<Vec<FieldSpec>>,
        ) {
            let list = fields(kind, &data, ctx);
            let open = list.iter().find_map(|spec| match spec.kind {
                FieldKind::Choice(options) if !data.contains_key(spec.name) => {
                    Some((spec.name, options))
                }
                _ => None,
            });
            match open {
                Some((name, options)) => {
                    for value in options.iter().map(|(code, _)| *code).chain([""]) {
                        let mut next = data.clone();
                        next.insert(name.to_owned(), value.to_owned());
                        walk(kind, ctx, next, found);
                    }
                }
                None if !found.contains(&list) => found.push(list),
                None => {}
            }
        }
        let mut found = Vec::new();
        walk(kind, ctx, SectionData::new(), &mut found);
        found
    }

    #[test]
    fn every_field_holds_each_list_of_questions_in_its_order() {
        let mut checked = 0;
        for subsystem in Subsystem::ALL {
            for second_guardian in ["yes", "no"] {
                let mut answers = BTreeMap::new();
                answers.insert(
                    SectionKind::Guardian,
                    data(&[(field::guardian::HAS_GUARDIAN2, second_guardian)]),
                );
                let ctx = context(subsystem, "", &answers);
                for kind in SectionKind::ALL {
                    let every = every_field(kind, &ctx);
                    for (n, spec) in every.iter().enumerate() {
                        assert!(
                            !every[n + 1..].contains(spec),
                            "{kind:?}: {} twice",
                            spec.name
                        );
                    }
                    for list in every_list(kind, &ctx) {
                        let mut rest = every.iter();
                        for spec in &list {
                            assert!(
                                rest.any(|known| known == spec),
                                "{kind:?}: {} missing or out of order in {:?}",
                                spec.name,
                                every.iter().map(|s| s.name).collect::<Vec<_>>()
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 20, "{checked} lists");
        // The same name worded for another answer is a question of its own.
        let answers = BTreeMap::new();
        let ctx = context(Subsystem::Enrollment, "", &answers);
        let owners: Vec<&str> = every_field(SectionKind::Residence, &ctx)
            .iter()
            .filter(|s| s.name == field::residence::OWNER_NAME)
            .map(|s| s.label.zh)
            .collect();
        assert_eq!(owners.len(), 2, "{owners:?}");
    }

    #[test]
    fn an_empty_section_names_every_required_field() {
        let answers = BTreeMap::new();
        let ctx = context(Subsystem::Enrollment, "370202202003150518", &answers);
        let problems = validate(SectionKind::Child, &SectionData::new(), &ctx);
        let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(names, ["name", "ethnicity", "contact_phone"]);
        assert!(problems[0].message.zh.contains("儿童姓名"));
    }

    #[test]
    fn a_collective_household_needs_no_head() {
        let answers = BTreeMap::new();
        let ctx = context(Subsystem::Enrollment, "370202202003150518", &answers);
        let collective = data(&[
            ("collective", "yes"),
            ("address", "市南区香港中路 1 号集体户"),
        ]);
        assert!(validate(SectionKind::Household, &collective, &ctx).is_empty());
        let family = data(&[("collective", "no"), ("address", "市南区香港中路 1 号")]);
        let names: Vec<String> = validate(SectionKind::Household, &family, &ctx)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(names, ["head_name", "head_relation"]);
    }

    #[test]
    fn later_sections_follow_the_guardians_given() {
        let mut answers = BTreeMap::new();
        answers.insert(SectionKind::Guardian, data(&[("has_guardian2", "no")]));
        let ctx = context(Subsystem::Enrollment, "411526202001010918", &answers);
        let employment = data(&[
            ("guardian", "guardian2"),
            ("employer", "青岛某公司"),
            ("credit_code", "91370200163562681G"),
            ("employed_since", "2024-03-01"),
        ]);
        let problems = validate(SectionKind::Employment, &employment, &ctx);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "guardian");

        answers.insert(SectionKind::Guardian, data(&[("has_guardian2", "yes")]));
        let ctx = context(Subsystem::Enrollment, "411526202001010918", &answers);
        assert!(validate(SectionKind::Employment, &employment, &ctx).is_empty());
    }

    #[test]
    fn a_guardian_cannot_carry_the_childs_id_and_dates_cannot_be_in_the_future() {
        let answers = BTreeMap::new();
        let ctx = context(Subsystem::Enrollment, "370202202003150518", &answers);
        let guardian = data(&[
            ("g1_relation", "mother"),
            ("g1_name", "李娜"),
            ("g1_id_number", "370202202003150518"),
            ("g1_phone", "13900000002"),
            ("has_guardian2", "no"),
        ]);
        let problems = validate(SectionKind::Guardian, &guardian, &ctx);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "g1_id_number");
        let permit = data(&[
            ("holder", "guardian1"),
            ("permit_number", "370202123456"),
            ("issuing_office", "青岛市公安局市南分局"),
            ("valid_from", "2027-01-01"),
        ]);
        let problems = validate(SectionKind::ResidencePermit, &permit, &ctx);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.zh.contains("不能晚于今天"));
    }

    #[test]
    fn transfer_asks_for_the_current_school_and_grade() {
        let answers = BTreeMap::new();
        let ctx = context(Subsystem::Transfer, "370202201910101731", &answers);
        let names: Vec<&str> = fields(SectionKind::Child, &SectionData::new(), &ctx)
            .iter()
            .map(|f| f.name)
            .collect();
        assert!(names.contains(&"current_school") && names.contains(&"target_grade"));
    }

    #[test]
    fn section_lists_keep_the_fixed_order() {
        assert_eq!(
            SectionKind::parse_list("guardian, child,bogus,household,child"),
            [
                SectionKind::Child,
                SectionKind::Household,
                SectionKind::Guardian
            ]
        );
        for kind in SectionKind::ALL {
            assert_eq!(SectionKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn cleaning_drops_unknown_shapes_and_bounds_values() {
        let dirty = data(&[
            ("name", "张子涵"),
            ("Bad-Key", "x"),
            ("long", &"长".repeat(1000)),
        ]);
        let cleaned = clean(&dirty);
        assert!(cleaned.contains_key("name"));
        assert!(!cleaned.contains_key("Bad-Key"));
        assert_eq!(cleaned["long"].chars().count(), MAX_VALUE_CHARS * 2);
    }
}
