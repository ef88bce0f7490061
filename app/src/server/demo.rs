//! Demo data for local runs: one district bureau of Qingdao, its schools, this year's
//! collection windows (open now) and notices. Loaded only into an empty database.

use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, Set, TransactionSession,
    TransactionTrait,
};

use super::{
    entities::{bureau, collection_window, notice, school},
    failure::ServiceError,
};
use crate::domain::Subsystem;

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

    for (position, (code, name_zh, name_en, address_zh, address_en)) in
        SCHOOLS.into_iter().enumerate()
    {
        school::ActiveModel {
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
    }

    for subsystem in Subsystem::ALL {
        collection_window::ActiveModel {
            bureau_id: Set(bureau.id),
            subsystem: Set(subsystem.code().into()),
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
    txn.commit().await?;
    Ok(true)
}
