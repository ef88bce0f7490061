//! The built-in demo registry for local runs and tests. Its data matches the demo
//! identities and covers the seeds' cases: a perfect match (the twins), a child renamed
//! after the register was taken (Qingdao Q5), a new household registration the register
//! does not have yet (Q6), a property owned by the father while the child's household is
//! with the mother (Jinan 11), a collective household (Qingdao Q3), and a migrant family
//! with a residence permit and employment. Latency and failure rate are settings, and can
//! be changed while running (the development controls at `/dev/registry`).

use std::{
    sync::atomic::{AtomicU32, AtomicU64, Ordering},
    time::Duration,
};

use super::{
    Answer, EmploymentRecord, HouseholdRecord, PermitRecord, PropertyRecord, Question, Record,
    Registry, RegistryError,
};

/// A child the demo household register knows.
pub struct DemoChild {
    pub id_number: &'static str,
    pub name: &'static str,
    pub collective: bool,
    pub address: &'static str,
    pub head: Option<(&'static str, &'static str)>,
    pub father_id: Option<&'static str>,
    pub mother_id: Option<&'static str>,
    /// What a person trying the demo should know about this child.
    pub about: &'static str,
}

/// Children of the demo household register.
pub const DEMO_CHILDREN: [DemoChild; 6] = [
    DemoChild {
        id_number: "370202202003150526",
        name: "张子涵",
        collective: false,
        address: "青岛市市南区香港中路 10 号",
        head: Some(("张伟", "father")),
        father_id: Some("370202198805120311"),
        mother_id: Some("370202199008230424"),
        about: "双胞胎之一，登记信息完整 · A twin: everything matches",
    },
    DemoChild {
        id_number: "370202202003150649",
        name: "张子萱",
        collective: false,
        address: "青岛市市南区香港中路 10 号",
        head: Some(("张伟", "father")),
        father_id: Some("370202198805120311"),
        mother_id: Some("370202199008230424"),
        about: "双胞胎之二 · The other twin",
    },
    DemoChild {
        id_number: "370203202006180030",
        name: "陈小宝",
        collective: false,
        address: "青岛市市北区辽宁路 88 号",
        head: Some(("陈静", "mother")),
        father_id: None,
        mother_id: Some("370203198707070046"),
        about: "已改名为陈思远，户籍系统仍是曾用名陈小宝 · Renamed 陈思远; the register still has the old name",
    },
    DemoChild {
        id_number: "370202202004220047",
        name: "刘一诺",
        collective: false,
        address: "青岛市市南区宁夏路 200 号",
        head: Some(("周敏", "mother")),
        father_id: Some("370202198802110011"),
        mother_id: Some("370202198905210023"),
        about: "户籍随母亲，房产在父亲名下 · Household with the mother, property in the father's name",
    },
    DemoChild {
        id_number: "370202202007300050",
        name: "高乐",
        collective: true,
        address: "青岛市市南区人才服务中心集体户（东海西路 76 号）",
        head: None,
        father_id: Some("370202198609180018"),
        mother_id: None,
        about: "集体户口 · A collective household",
    },
    DemoChild {
        id_number: "370202202002090023",
        name: "孙若溪",
        collective: false,
        address: "",
        head: None,
        father_id: None,
        mother_id: None,
        about: "新落户，户籍系统中还没有 · Newly registered: not in the register yet",
    },
];

/// Children the household register does not know (listed for people trying the demo).
pub const NOT_IN_REGISTER: [&str; 2] = ["370202202002090023", "411526202005060031"];

fn properties() -> Vec<PropertyRecord> {
    let owned = |certificate: &str, address: &str, name: &str, id: &str| PropertyRecord {
        certificate_number: certificate.to_owned(),
        address: address.to_owned(),
        owner_name: name.to_owned(),
        owner_id: id.to_owned(),
    };
    vec![
        owned(
            "鲁(2021)青岛市不动产权第0012345号",
            "青岛市市南区香港中路 10 号 2 单元 301",
            "张伟",
            "370202198805120311",
        ),
        owned(
            "鲁(2019)青岛市不动产权第0054321号",
            "青岛市市南区东海西路 15 号 1 单元 502",
            "刘强",
            "370202198802110011",
        ),
        owned(
            "鲁(2026)青岛市不动产权第0100001号",
            "青岛市市南区福州南路 8 号 3 单元 1201",
            "孙力",
            "370202198503010010",
        ),
        owned(
            "鲁(2018)青岛市不动产权第0077777号",
            "青岛市市北区辽宁路 88 号 1 单元 202",
            "陈静",
            "370203198707070046",
        ),
    ]
}

fn permits() -> Vec<PermitRecord> {
    vec![PermitRecord {
        holder_id: "411526198503040712".into(),
        permit_number: "370202202305100071".into(),
        issuing_office: "青岛市公安局市南分局".into(),
        valid_from: "2023-05-10".into(),
    }]
}

fn employments() -> Vec<EmploymentRecord> {
    let job = |id: &str, employer: &str, code: &str, since: &str| EmploymentRecord {
        person_id: id.to_owned(),
        employer: employer.to_owned(),
        credit_code: code.to_owned(),
        employed_since: since.to_owned(),
    };
    vec![
        job(
            "370202198805120311",
            "青岛海岸科技有限公司",
            "91370200MA3C12345E",
            "2015-07-01",
        ),
        job(
            "370202199008230424",
            "青岛市市南区人民医院",
            "12370200MB12345671",
            "2014-09-01",
        ),
        job(
            "411526198503040712",
            "青岛市政建设集团有限公司",
            "91370202MA3D67890T",
            "2021-03-01",
        ),
        job(
            "370202198802110011",
            "青岛东海物流有限公司",
            "91370212MA3E24680U",
            "2016-04-15",
        ),
    ]
}

/// The demo registry: every source, from the data above.
#[derive(Debug, Default)]
pub struct DemoRegistry {
    latency_ms: AtomicU64,
    /// Out of 1000 attempts, how many fail.
    failure_per_mille: AtomicU32,
}

impl DemoRegistry {
    pub fn new(latency: Duration, failure_rate: f64) -> Self {
        let registry = Self::default();
        registry.set(latency, failure_rate);
        registry
    }

    /// Changes latency and failure rate (0.0 to 1.0).
    pub fn set(&self, latency: Duration, failure_rate: f64) {
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(latency_ms, Ordering::Relaxed);
        let per_mille = (failure_rate.clamp(0.0, 1.0) * 1000.0).round() as u32;
        self.failure_per_mille.store(per_mille, Ordering::Relaxed);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    pub fn failure_rate(&self) -> f64 {
        f64::from(self.failure_per_mille.load(Ordering::Relaxed)) / 1000.0
    }

    fn answer(question: &Question) -> Record {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b.trim());
        match question {
            Question::Household { child_id } => Record::Household(
                DEMO_CHILDREN
                    .iter()
                    .filter(|c| !NOT_IN_REGISTER.contains(&c.id_number))
                    .find(|c| same(c.id_number, child_id))
                    .map(|c| HouseholdRecord {
                        name: c.name.into(),
                        ethnicity: "01".into(),
                        collective: c.collective,
                        address: c.address.into(),
                        head_name: c.head.map(|(name, _)| name.into()),
                        head_relation: c.head.map(|(_, relation)| relation.into()),
                        father_id: c.father_id.map(Into::into),
                        mother_id: c.mother_id.map(Into::into),
                    }),
            ),
            Question::RealEstate { person_ids } => Record::RealEstate(
                properties()
                    .into_iter()
                    .filter(|p| person_ids.iter().any(|id| same(&p.owner_id, id)))
                    .collect(),
            ),
            Question::ResidencePermit { person_ids } => Record::ResidencePermit(
                permits()
                    .into_iter()
                    .filter(|p| person_ids.iter().any(|id| same(&p.holder_id, id)))
                    .collect(),
            ),
            Question::Employment { person_ids } => Record::Employment(
                employments()
                    .into_iter()
                    .filter(|e| person_ids.iter().any(|id| same(&e.person_id, id)))
                    .collect(),
            ),
        }
    }
}

impl Registry for DemoRegistry {
    fn ask<'a>(&'a self, question: &'a Question) -> Answer<'a> {
        Box::pin(async move {
            let latency = self.latency();
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let roll = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
            if roll < self.failure_per_mille.load(Ordering::Relaxed) {
                return Err(RegistryError::Unavailable("demo registry failure".into()));
            }
            Ok(Self::answer(question))
        })
    }
}
