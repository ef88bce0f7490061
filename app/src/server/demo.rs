//! Demo data for local runs: one district bureau of Qingdao, its schools, this year's
//! collection windows (open now) and notices. Loaded only into an empty database.

use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, Set, TransactionSession,
    TransactionTrait,
};

use super::{
    entities::{
        bureau, collection_window, entry, entry_school, material_rule, notice, registration_point,
        school, staff_account,
    },
    failure::ServiceError,
    infra::auth::password,
};
use crate::domain::{StaffRole, Subsystem, materials::Condition, provenance::Document};

/// A person the simulated host app can sign in as.
#[derive(Clone, Copy, Debug)]
pub struct DemoParent {
    /// The host's stable id for the person.
    pub subject: &'static str,
    pub name: &'static str,
    pub id_number: &'static str,
    pub phone: &'static str,
    pub verified: bool,
    /// Who this is in the demo story.
    pub about: &'static str,
}

/// Demo identities of the simulated host app: the parents of the same twins, a
/// migrant-worker family, and a person the host app has not verified yet.
pub const DEMO_PARENTS: [DemoParent; 9] = [
    DemoParent {
        subject: "demo-zhang-wei",
        name: "张伟",
        id_number: "370202198805120311",
        phone: "13800000001",
        verified: true,
        about: "双胞胎张子涵（370202202003150526）、张子萱（370202202003150649）的父亲，本地户籍，有房产 · Father of twins, local household with property",
    },
    DemoParent {
        subject: "demo-li-na",
        name: "李娜",
        id_number: "370202199008230424",
        phone: "13900000002",
        verified: true,
        about: "同一对双胞胎的母亲 · Mother of the same twins",
    },
    DemoParent {
        subject: "demo-wang-qiang",
        name: "王强",
        id_number: "411526198503040712",
        phone: "13700000003",
        verified: true,
        about: "进城务工人员，河南户籍，在市南区租房；孩子王小明 411526202005060031 · Migrant worker from Henan, renting in Shinan",
    },
    DemoParent {
        subject: "demo-liu-fang",
        name: "刘芳",
        id_number: "411526198609170822",
        phone: "13700000004",
        verified: true,
        about: "王强的妻子 · Wang Qiang's wife",
    },
    DemoParent {
        subject: "demo-zhao-min",
        name: "赵敏",
        id_number: "370202198202141623",
        phone: "13600000005",
        verified: false,
        about: "尚未在政务 APP 中完成实人认证 · Not yet verified by the host app",
    },
    DemoParent {
        subject: "demo-chen-jing",
        name: "陈静",
        id_number: "370203198707070046",
        phone: "13600000006",
        verified: true,
        about: "儿子已改名陈思远（370203202006180030），户籍系统仍是曾用名 · Her son was renamed; the register still has the old name",
    },
    DemoParent {
        subject: "demo-sun-li",
        name: "孙力",
        id_number: "370202198503010010",
        phone: "13600000007",
        verified: true,
        about: "新落户：女儿孙若溪（370202202002090023）还不在户籍系统中 · Newly registered household, not in the register yet",
    },
    DemoParent {
        subject: "demo-zhou-min",
        name: "周敏",
        id_number: "370202198905210023",
        phone: "13600000008",
        verified: true,
        about: "女儿刘一诺（370202202004220047）户籍随母亲，房产在父亲刘强名下 · Household with the mother, property in the father's name",
    },
    DemoParent {
        subject: "demo-gao-yan",
        name: "高岩",
        id_number: "370202198609180018",
        phone: "13600000009",
        verified: true,
        about: "集体户口：儿子高乐（370202202007300050） · A collective household",
    },
];

/// Password of every demo staff account (local runs only).
pub const DEMO_STAFF_PASSWORD: &str = "ruxue-demo-2026";

/// Demo staff: username, name, role, index of their school in [`SCHOOLS`] (reviewers).
pub const DEMO_STAFF: [(&str, &str, StaffRole, Option<usize>); 4] = [
    ("admin", "市南区教体局管理员", StaffRole::BureauAdmin, None),
    ("reviewer.sn1", "陈老师", StaffRole::Reviewer, Some(0)),
    ("reviewer.sn2", "周老师", StaffRole::Reviewer, Some(1)),
    ("point.sn", "孙老师", StaffRole::PointStaff, None),
];

/// Schools of the demo district: code, Chinese name, English name, Chinese address, English address.
const SCHOOLS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "SN01",
        "市南区第一实验小学",
        "Shinan No. 1 Experimental Primary School",
        "市南区香港西路 12 号",
        "12 Xianggang West Road, Shinan",
    ),
    (
        "SN02",
        "海滨路小学",
        "Haibin Road Primary School",
        "市南区海滨路 8 号",
        "8 Haibin Road, Shinan",
    ),
    (
        "SN03",
        "银海小学",
        "Yinhai Primary School",
        "市南区东海西路 35 号",
        "35 Donghai West Road, Shinan",
    ),
    (
        "SN04",
        "栈桥小学",
        "Zhanqiao Primary School",
        "市南区太平路 21 号",
        "21 Taiping Road, Shinan",
    ),
    (
        "SN05",
        "八大关小学",
        "Badaguan Primary School",
        "市南区居庸关路 5 号",
        "5 Juyongguan Road, Shinan",
    ),
    (
        "SN06",
        "浮山湾小学",
        "Fushan Bay Primary School",
        "市南区澳门路 66 号",
        "66 Aomen Road, Shinan",
    ),
];

/// Demo entries: subsystem, code, Chinese name, English name, Chinese and English
/// explanation, required sections.
const ENTRIES: [(Subsystem, &str, &str, &str, &str, &str, &str); 6] = [
    (
        Subsystem::Enrollment,
        "local-property",
        "本区户籍，有房产",
        "Household registered here, with property",
        "儿童户籍在本区，且父母（或祖父母、外祖父母）在本区有房产并实际居住。",
        "The child's household is registered in the district, and a parent (or grandparent) owns the home the family lives in here.",
        "child,household,residence,guardian",
    ),
    (
        Subsystem::Enrollment,
        "local-no-property",
        "本区户籍，无房产（随亲属居住或租房）",
        "Household registered here, no property (living with relatives or renting)",
        "儿童户籍在本区，但家庭在本区没有房产，借住亲属房屋或租房居住。",
        "The child's household is registered in the district, but the family owns no home here and lives with relatives or rents.",
        "child,household,residence,guardian",
    ),
    (
        Subsystem::Enrollment,
        "property-no-hukou",
        "有房产，非本区户籍",
        "Property here, household registered elsewhere",
        "父母在本区有房产并实际居住，但儿童户籍不在本区。",
        "A parent owns the home the family lives in here, but the child's household is registered elsewhere.",
        "child,household,residence,guardian",
    ),
    (
        Subsystem::Enrollment,
        "migrant",
        "进城务工人员随迁子女",
        "Child of a migrant worker",
        "父母在本区务工并持有本区居住证，儿童户籍不在本区。需填写居住证和工作信息，并预约现场登记。",
        "The parents work here and hold a residence permit; the child's household is registered elsewhere. Needs the permit and employment sections and an on-site appointment.",
        "child,household,residence,guardian,residence-permit,employment",
    ),
    (
        Subsystem::Transfer,
        "transfer-local",
        "转学：本区户籍或房产",
        "Transfer: household or property here",
        "儿童户籍在本区，或父母在本区有房产并实际居住，申请从外区转入。",
        "The child's household is registered here, or a parent owns the home here; moving in from another district.",
        "child,household,residence,guardian",
    ),
    (
        Subsystem::Transfer,
        "transfer-migrant",
        "转学：进城务工人员随迁子女",
        "Transfer: child of a migrant worker",
        "父母在本区务工并持有本区居住证，申请转入本区学校。",
        "The parents work here and hold a residence permit; moving into a school of the district.",
        "child,household,residence,guardian,residence-permit,employment",
    ),
];

/// Adds the demo entries, each leading to every school of the demo bureau, when the
/// bureau has none (also for a database made before entries existed).
pub async fn ensure_demo_entries(db: &impl ConnectionTrait) -> Result<bool, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(bureau) = demo_bureau(db).await? else {
        return Ok(false);
    };
    if entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .count(db)
        .await?
        > 0
    {
        return Ok(false);
    }
    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    for (position, (subsystem, code, name_zh, name_en, explanation_zh, explanation_en, sections)) in
        ENTRIES.into_iter().enumerate()
    {
        let row = entry::ActiveModel {
            bureau_id: Set(bureau.id),
            subsystem: Set(subsystem),
            code: Set(code.into()),
            name_zh: Set(name_zh.into()),
            name_en: Set(name_en.into()),
            explanation_zh: Set(explanation_zh.into()),
            explanation_en: Set(explanation_en.into()),
            sections: Set(sections.into()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            active: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for school in &schools {
            entry_school::ActiveModel {
                entry_id: Set(row.id),
                school_id: Set(school.id),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(true)
}

/// Whether the database holds no bureau yet.
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, ServiceError> {
    Ok(bureau::Entity::find().count(db).await? == 0)
}

/// Loads the demo data in one transaction when the database is empty; returns whether it did.
pub async fn load_demo_data<C>(db: &C, now: DateTime<Utc>) -> Result<bool, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    if !is_empty(&txn).await? {
        return Ok(false);
    }
    let china = FixedOffset::east_opt(8 * 3600)
        .ok_or_else(|| ServiceError::Unexpected("fixed offset".into()))?;
    let local_now = now.with_timezone(&china);
    // Windows open at 08:00 yesterday and close at 17:00 in 90 days, local time.
    let at_local = |date: chrono::NaiveDate, hour: u32| -> Result<DateTime<Utc>, ServiceError> {
        china
            .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap_or_default())
            .single()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| ServiceError::Unexpected("local time".into()))
    };
    let opens_at = at_local(local_now.date_naive() - Duration::days(1), 8)?;
    let closes_at = at_local(local_now.date_naive() + Duration::days(90), 17)?;

    let bureau = bureau::ActiveModel {
        code: Set("qingdao-shinan".into()),
        name_zh: Set("青岛市市南区教育和体育局".into()),
        name_en: Set("Shinan District Education and Sports Bureau, Qingdao".into()),
        platform_name_zh: Set("市南区义务教育招生平台".into()),
        platform_name_en: Set("Shinan District School Enrollment Platform".into()),
        city_zh: Set("青岛市".into()),
        city_en: Set("Qingdao".into()),
        district_zh: Set("市南区".into()),
        district_en: Set("Shinan District".into()),
        hotline: Set("0532-8000 0000".into()),
        utc_offset_minutes: Set(480),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let mut school_ids = Vec::with_capacity(SCHOOLS.len());
    for (position, (code, name_zh, name_en, address_zh, address_en)) in
        SCHOOLS.into_iter().enumerate()
    {
        let row = school::ActiveModel {
            bureau_id: Set(bureau.id),
            code: Set(code.into()),
            name_zh: Set(name_zh.into()),
            name_en: Set(name_en.into()),
            address_zh: Set(address_zh.into()),
            address_en: Set(address_en.into()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        school_ids.push(row.id);
    }

    let point = registration_point::ActiveModel {
        bureau_id: Set(bureau.id),
        name_zh: Set("市南区入学报名服务点".into()),
        name_en: Set("Shinan enrollment service point".into()),
        address_zh: Set("市南区宁夏路 200 号教体局一楼".into()),
        address_en: Set("Ground floor, 200 Ningxia Road, Shinan".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let password_hash = password::hash_password(DEMO_STAFF_PASSWORD.to_owned()).await?;
    for (username, name, role, school) in DEMO_STAFF {
        staff_account::ActiveModel {
            username: Set(username.into()),
            display_name: Set(name.into()),
            password_hash: Set(password_hash.clone()),
            role: Set(role),
            bureau_id: Set((role == StaffRole::BureauAdmin).then_some(bureau.id)),
            school_id: Set(school.and_then(|i| school_ids.get(i).copied())),
            registration_point_id: Set((role == StaffRole::PointStaff).then_some(point.id)),
            active: Set(true),
            created_at: Set(now),
            created_by: Set(None),
            last_sign_in_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    for subsystem in Subsystem::ALL {
        collection_window::ActiveModel {
            bureau_id: Set(bureau.id),
            subsystem: Set(subsystem),
            school_year: Set(local_now.year()),
            opens_at: Set(opens_at),
            closes_at: Set(closes_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    let notices = [
        (
            "市南区义务教育学校招生工作公告",
            "Announcement on school enrollment in Shinan District",
            "一年级入学报名与转学申请均已开放网上信息采集。请通过爱山东 APP 进入本平台，按平台显示的顺序逐项填写并保存。每个儿童只能报名一次，请家庭商定由一位家长报名。",
            "Online collection for first-grade enrollment and transfer applications is open. Enter the platform from the host app and fill in each section in the order shown. Each child can be registered once only: agree in your family which parent registers.",
        ),
        (
            "报名材料对照表",
            "Table of required documents",
            "不同报名入口需要上传的证件照片不同。请提前拍好原图，每张不超过 5 MB；通过微信转发的图片请下载原图后上传，不要上传缩略图。",
            "Each entry needs different document photos. Take them in advance, at most 5 MB each. If a photo came through WeChat, download the original first: a thumbnail is not clear enough.",
        ),
        (
            "审核通过不等于录取",
            "Passing review is not admission",
            "审核分为初审和复审，审核通过仅代表信息符合招生政策的基本要求。最终录取结果以教体局公布并在平台查询的结果为准。",
            "Review has two stages. Passing review only means the information meets the policy's basic requirements. The admission result is the one the bureau publishes on this platform.",
        ),
    ];
    for (index, (title_zh, title_en, body_zh, body_en)) in notices.into_iter().enumerate() {
        notice::ActiveModel {
            bureau_id: Set(bureau.id),
            title_zh: Set(title_zh.into()),
            title_en: Set(title_en.into()),
            body_zh: Set(body_zh.into()),
            body_en: Set(body_en.into()),
            published_at: Set(now - Duration::hours(i64::try_from(index).unwrap_or(0) + 1)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    ensure_demo_entries(&txn).await?;
    ensure_demo_materials(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// Demo materials table: document, condition, required, explanation (zh, en), example
/// (zh, en), and the entry codes it is limited to (empty: every entry).
type DemoRule = (
    Document,
    Condition,
    bool,
    (&'static str, &'static str),
    (&'static str, &'static str),
    &'static [&'static str],
);

const MATERIALS: [DemoRule; 10] = [
    (
        Document::HouseholdRegister,
        Condition::HandEntered,
        true,
        (
            "户籍信息未能自动回填（如新落户、改名、迁户），需核对户口簿。",
            "Household details were typed by hand (a new registration, a new name, a move): the household register is checked.",
        ),
        (
            "户主页和儿童本人页各拍一张，四角完整、文字清晰、无反光。",
            "One photo of the head's page and one of the child's page, all four corners, sharp, no glare.",
        ),
        &[],
    ),
    (
        Document::PropertyCertificate,
        Condition::HandEntered,
        true,
        (
            "房产信息未能自动回填（如新办不动产权证），需核对证书。",
            "Property details were typed by hand (a new certificate): the certificate is checked.",
        ),
        (
            "证书登记页，能看清权利人、坐落和证号。",
            "The registration page showing owner, address and certificate number.",
        ),
        &[],
    ),
    (
        Document::ResidencePermit,
        Condition::HandEntered,
        true,
        (
            "居住证信息未能自动回填，需核对居住证。",
            "Residence-permit details were typed by hand: the permit is checked.",
        ),
        ("居住证正反面。", "Both sides of the permit."),
        &[],
    ),
    (
        Document::EmploymentProof,
        Condition::HandEntered,
        true,
        (
            "工作信息未能自动回填，需核对劳动合同或社保缴费证明。",
            "Employment details were typed by hand: the contract or insurance record is checked.",
        ),
        (
            "劳动合同首页和签字页，或社保缴费明细。",
            "The contract's first and signature pages, or the insurance payment record.",
        ),
        &[],
    ),
    (
        Document::BirthCertificate,
        Condition::OwnerOutsideHousehold,
        true,
        (
            "房产在父亲（或母亲）名下、孩子户籍随另一方时，需证明产权人与孩子的关系。",
            "The home is one parent's while the child's household is with the other: proof that the owner is the child's parent.",
        ),
        (
            "出生医学证明（能看清父母姓名）或结婚证内页。",
            "The birth medical certificate (both parents' names) or the marriage certificate's inner page.",
        ),
        &[],
    ),
    (
        Document::KinshipProof,
        Condition::OwnerIsGrandparent,
        true,
        (
            "房屋在祖父母或外祖父母名下时，需证明祖孙关系。",
            "The home is a grandparent's: proof of the relation.",
        ),
        (
            "能体现祖孙关系的户口簿页，或派出所出具的亲属关系证明。",
            "Household-register pages showing the relation, or a police-station certificate.",
        ),
        &[],
    ),
    (
        Document::RentalContract,
        Condition::Renting,
        true,
        (
            "租房居住需提供租赁合同及备案证明。",
            "Renting: the contract and its registration.",
        ),
        (
            "合同首页、签字页和房屋租赁登记备案证明。",
            "The contract's first and signature pages and the rental registration.",
        ),
        &[],
    ),
    (
        Document::CollectiveHousehold,
        Condition::CollectiveHousehold,
        true,
        (
            "集体户口需提供集体户首页和孩子本人页。",
            "A collective household: its first page and the child's page.",
        ),
        (
            "集体户口首页（单位或人才市场盖章页）和孩子本人页。",
            "The first page (with the employer's or talent centre's seal) and the child's page.",
        ),
        &[],
    ),
    (
        Document::ResidencePermit,
        Condition::Always,
        true,
        (
            "随迁子女入学需提供父母一方在本区的有效居住证。",
            "A migrant worker's child needs a parent's valid residence permit for the district.",
        ),
        ("居住证正反面。", "Both sides of the permit."),
        &["migrant", "transfer-migrant"],
    ),
    (
        Document::EmploymentProof,
        Condition::Always,
        true,
        (
            "随迁子女入学需提供父母一方在本区的就业证明。",
            "A migrant worker's child needs proof of a parent's work in the district.",
        ),
        (
            "劳动合同首页和签字页，或营业执照及社保缴费明细。",
            "The contract's pages, or a business licence with the insurance record.",
        ),
        &["migrant", "transfer-migrant"],
    ),
];

/// The demo bureau, if the database has it.
async fn demo_bureau(db: &impl ConnectionTrait) -> Result<Option<bureau::Model>, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(bureau::Entity::find()
        .filter(bureau::Column::Code.eq("qingdao-shinan"))
        .one(db)
        .await?)
}

/// Adds the demo materials table when the demo bureau has none.
pub async fn ensure_demo_materials(db: &impl ConnectionTrait) -> Result<bool, ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(bureau) = demo_bureau(db).await? else {
        return Ok(false);
    };
    if material_rule::Entity::find()
        .filter(material_rule::Column::BureauId.eq(bureau.id))
        .count(db)
        .await?
        > 0
    {
        return Ok(false);
    }
    let entries = entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    for (position, (document, condition, required, explanation, example, only)) in
        MATERIALS.into_iter().enumerate()
    {
        let targets: Vec<Option<i32>> = if only.is_empty() {
            vec![None]
        } else {
            entries
                .iter()
                .filter(|e| only.contains(&e.code.as_str()))
                .map(|e| Some(e.id))
                .collect()
        };
        for entry_id in targets {
            material_rule::ActiveModel {
                bureau_id: Set(bureau.id),
                entry_id: Set(entry_id),
                document: Set(document),
                condition: Set(condition),
                required: Set(required),
                explanation_zh: Set(explanation.0.into()),
                explanation_en: Set(explanation.1.into()),
                example_zh: Set(example.0.into()),
                example_en: Set(example.1.into()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(true)
}

/// Demo first-grade places and catchments, by school code.
const DEMO_ADMINISTRATION: [(&str, i32, &[&str]); 6] = [
    ("SN01", 90, &["香港花园", "东海花园", "香港西路社区"]),
    ("SN02", 60, &["海滨花园", "八大关社区"]),
    ("SN03", 120, &["银海花园", "东海西路社区"]),
    ("SN04", 45, &["栈桥社区", "太平路小区"]),
    ("SN05", 75, &["湛山花园"]),
    ("SN06", 50, &["八大湖社区"]),
];

/// Adds demo places (of every school year the demo bureau has a window of) and catchments
/// when the demo bureau's schools have no catchment yet.
pub async fn ensure_demo_administration(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    use crate::server::{
        entities::{catchment, school_capacity},
        services::admission::place_years,
    };
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(bureau) = demo_bureau(db).await? else {
        return Ok(false);
    };
    let years = place_years(db, bureau.id, Some(Subsystem::Enrollment), now).await?;
    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    if catchment::Entity::find()
        .filter(catchment::Column::SchoolId.is_in(schools.iter().map(|s| s.id)))
        .count(db)
        .await?
        > 0
    {
        return Ok(false);
    }
    for (code, places, communities) in DEMO_ADMINISTRATION {
        let Some(school) = schools.iter().find(|s| s.code == code) else {
            continue;
        };
        for &school_year in &years {
            school_capacity::ActiveModel {
                school_id: Set(school.id),
                subsystem: Set(Subsystem::Enrollment),
                grade: Set(1),
                school_year: Set(school_year),
                capacity: Set(places),
            }
            .insert(db)
            .await?;
        }
        for community in communities {
            catchment::ActiveModel {
                school_id: Set(school.id),
                community: Set((*community).to_owned()),
                note: Set(String::new()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(true)
}

/// Adds demo appointment slots at the demo bureau's registration points (the next two
/// weeks, weekday mornings and afternoons, 20 places each) when they have none.
pub async fn ensure_demo_slots(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    use crate::server::entities::appointment_slot;
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(bureau) = demo_bureau(db).await? else {
        return Ok(false);
    };
    let points = registration_point::Entity::find()
        .filter(registration_point::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    if points.is_empty()
        || appointment_slot::Entity::find()
            .filter(appointment_slot::Column::PointId.is_in(points.iter().map(|p| p.id)))
            .count(db)
            .await?
            > 0
    {
        return Ok(false);
    }
    let offset = FixedOffset::east_opt(bureau.utc_offset_minutes * 60)
        .ok_or_else(|| ServiceError::Unexpected("bureau offset out of range".into()))?;
    let today = now.with_timezone(&offset).date_naive();
    for point in &points {
        for day in 1..=14 {
            let date = today + Duration::days(day);
            if matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
                continue;
            }
            for (start, end) in [((9, 0), (11, 30)), ((14, 0), (16, 30))] {
                let at = |(h, m): (u32, u32)| {
                    date.and_hms_opt(h, m, 0)
                        .and_then(|t| offset.from_local_datetime(&t).single())
                        .map(|t| t.with_timezone(&Utc))
                        .ok_or_else(|| ServiceError::Unexpected("slot time".into()))
                };
                appointment_slot::ActiveModel {
                    point_id: Set(point.id),
                    starts_at: Set(at(start)?),
                    ends_at: Set(at(end)?),
                    capacity: Set(20),
                    booked: Set(0),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(true)
}

/// The demo school whose first grade has more eligible children than places: a draw to try.
const DRAW_SCHOOL: &str = "SN06";
/// Its places in the draw demo.
const DRAW_PLACES: i32 = 6;
/// Families of the draw demo: the children's names and the entry (by code) each registered
/// through; a family of two children is a pair of twins, drawn together.
const DRAW_FAMILIES: [(&[&str], &str); 8] = [
    (&["林一诺", "林一言"], "local-property"),
    (&["何子墨"], "local-property"),
    (&["宋雨桐"], "local-property"),
    (&["韩沐阳"], "local-no-property"),
    (&["唐可欣"], "local-no-property"),
    (&["冯浩然"], "local-no-property"),
    (&["曹语嫣"], "local-no-property"),
    (&["邓嘉树"], "local-no-property"),
];

/// Adds, when the draw demo school has no registration yet, registrations that passed
/// review there (nine children of eight families, one pair of twins) and gives the school
/// six first-grade places: the bureau can commit and run a draw on a local run. Family `n`'s
/// parent signs in through the host app of `host_issuer` as `demo-draw-family-n`.
pub async fn ensure_demo_draw(
    db: &impl ConnectionTrait,
    host_issuer: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    use crate::{
        domain::{RegistrationState, resident_id::check_character},
        server::{
            entities::{parent_account, registration, school_capacity},
            infra::crypto,
            services::registrations::{child_key, slot_key},
        },
    };
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    // A resident ID number from its first 17 digits.
    let with_check = |first17: String| {
        let check = char::from(check_character(first17.as_bytes()));
        format!("{first17}{check}")
    };
    let Some(bureau) = demo_bureau(db).await? else {
        return Ok(false);
    };
    let Some(school) = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .filter(school::Column::Code.eq(DRAW_SCHOOL))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let Some(window) = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau.id))
        .filter(collection_window::Column::Subsystem.eq(Subsystem::Enrollment))
        .filter(collection_window::Column::OpensAt.lte(now))
        .order_by_desc(collection_window::Column::SchoolYear)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if registration::Entity::find()
        .filter(registration::Column::SchoolId.eq(school.id))
        .count(db)
        .await?
        > 0
    {
        return Ok(false);
    }
    let entries = entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    school_capacity::Entity::delete_many()
        .filter(school_capacity::Column::SchoolId.eq(school.id))
        .filter(school_capacity::Column::Subsystem.eq(Subsystem::Enrollment))
        .filter(school_capacity::Column::SchoolYear.eq(window.school_year))
        .exec(db)
        .await?;
    school_capacity::ActiveModel {
        school_id: Set(school.id),
        subsystem: Set(Subsystem::Enrollment),
        grade: Set(1),
        school_year: Set(window.school_year),
        capacity: Set(DRAW_PLACES),
    }
    .insert(db)
    .await?;
    // Born in the spring six years before the school year, in Shinan (370202).
    let born = window.school_year - 6;
    let mut child = 0_u32;
    for (family, (children, entry_code)) in (1_u32..).zip(DRAW_FAMILIES) {
        let Some(entry) = entries.iter().find(|e| e.code == entry_code) else {
            continue;
        };
        let parent_id = with_check(format!("37020219850{family}01{:03}", 100 + family));
        let account = parent_account::ActiveModel {
            host_issuer: Set(host_issuer.to_owned()),
            host_subject: Set(format!("demo-draw-family-{family}")),
            name: Set(format!("派位演示家长{family}")),
            resident_id: Set(crypto::seal(&parent_id)?),
            phone: Set(format!("1350000{family:04}")),
            real_person_verified: Set(true),
            identity_confirmed_at: Set(Some(now)),
            created_at: Set(now),
            last_sign_in_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (slot, name) in (1_usize..).zip(children.iter()) {
            child += 1;
            let number = with_check(format!("370202{born}0415{:03}", 200 + child));
            registration::ActiveModel {
                reference: Set(format!("{}E9000{child:04}", window.school_year)),
                account_id: Set(account.id),
                subsystem: Set(Subsystem::Enrollment),
                school_year: Set(window.school_year),
                entry_id: Set(entry.id),
                school_id: Set(school.id),
                child_id_number: Set(crypto::seal(&number)?),
                active_child_key: Set(Some(child_key(&number, window.school_year)?)),
                active_slot: Set(Some(slot_key(account.id, window.school_year, slot))),
                state: Set(RegistrationState::ReviewPassed),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(Some(now)),
                deleted_at: Set(None),
                child_name: Set(Some((*name).to_owned())),
                hand_entered: Set(false),
                reviewed_at: Set(Some(now)),
                grade: Set(Some(1)),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(true)
}
