//! What the public home page shows: the bureau, its collection windows, notices and schools.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, prelude::*};

use crate::server::{
    entities::{bureau, collection_window, notice, school},
    failure::ServiceError,
};
use crate::{
    api::home::{HomeData, NoticeView, SchoolView, WindowView},
    domain::{Subsystem, WindowState},
    i18n::LocalizedText,
};

/// Notices shown on the home page, newest first.
const NOTICE_LIMIT: u64 = 10;

/// The platform's bureau's help line, for the pages where a parent can go no further
/// (a sign-in the platform refused): `None` when no bureau is configured or it has none.
pub async fn hotline(db: &impl ConnectionTrait) -> Result<Option<String>, ServiceError> {
    Ok(bureau::Entity::find()
        .order_by_asc(bureau::Column::Id)
        .one(db)
        .await?
        .map(|b| b.hotline.trim().to_owned())
        .filter(|h| !h.is_empty()))
}

/// Loads the home page of the platform's bureau, or `None` when no bureau is configured.
pub async fn load_home(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<HomeData>, ServiceError> {
    let Some(bureau) = bureau::Entity::find()
        .order_by_asc(bureau::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let offset = FixedOffset::east_opt(bureau.utc_offset_minutes * 60)
        .ok_or_else(|| ServiceError::Unexpected("bureau has an invalid UTC offset".into()))?;
    let local = |at: DateTime<Utc>| crate::server::services::registrations::local_time(at, offset);

    let windows = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau.id))
        .order_by_desc(collection_window::Column::SchoolYear)
        .all(db)
        .await?;
    let windows = Subsystem::ALL
        .into_iter()
        .map(|subsystem| {
            let own: Vec<&collection_window::Model> = windows
                .iter()
                .filter(|w| w.subsystem == subsystem)
                .collect();
            let window = crate::server::services::registrations::window_to_show(
                &own,
                |w| (w.opens_at, w.closes_at),
                now,
            )
            .map(|w| WindowView {
                school_year: w.school_year,
                opens_at: local(w.opens_at),
                closes_at: local(w.closes_at),
                state: WindowState::at(w.opens_at, w.closes_at, now),
            });
            (subsystem, window)
        })
        .collect();

    let notices = notice::Entity::find()
        .filter(notice::Column::BureauId.eq(bureau.id))
        .filter(notice::Column::PublishedAt.lte(now))
        .order_by_desc(notice::Column::PublishedAt)
        .limit(NOTICE_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NoticeView {
            id: n.id,
            title: LocalizedText {
                zh: n.title_zh,
                en: n.title_en,
            },
            body: LocalizedText {
                zh: n.body_zh,
                en: n.body_en,
            },
            published_on: local(n.published_at).date(),
        })
        .collect();

    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .order_by_asc(school::Column::Position)
        .order_by_asc(school::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SchoolView {
            id: s.id,
            name: LocalizedText {
                zh: s.name_zh,
                en: s.name_en,
            },
            address: LocalizedText {
                zh: s.address_zh,
                en: s.address_en,
            },
        })
        .collect();

    Ok(Some(HomeData {
        platform_name: LocalizedText {
            zh: bureau.platform_name_zh,
            en: bureau.platform_name_en,
        },
        bureau_name: LocalizedText {
            zh: bureau.name_zh,
            en: bureau.name_en,
        },
        hotline: bureau.hotline,
        windows,
        notices,
        schools,
    }))
}
