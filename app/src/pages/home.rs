//! The public home page: the platform, the state of each collection window, notices and
//! schools, all read from the database.

use chrono::NaiveDateTime;
use leptos::prelude::*;

use crate::components::Loading;
use crate::{
    api::home::{HomeData, NoticeView, SchoolView, WindowView, get_home},
    components::ErrorPanel,
    domain::{Subsystem, WindowState, format_date},
    i18n::{Locale, t, use_locale},
};

/// The public home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let locale = use_locale();
    let home = Resource::new_blocking(|| (), |_| get_home());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(Some(data)) => view! { <HomeContent data /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <section class="panel">
                                <h1>{move || t("平台尚未配置", "The platform is not set up yet").get(locale.get())}</h1>
                                <p>
                                    {move || {
                                        t(
                                            "教体局完成配置后，这里会显示报名时间和公告。",
                                            "Once the bureau sets it up, dates and notices appear here.",
                                        )
                                            .get(locale.get())
                                    }}
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HomeContent(data: HomeData) -> impl IntoView {
    let locale = use_locale();
    let HomeData {
        platform_name,
        bureau_name,
        hotline,
        windows,
        notices,
        schools,
    } = data;
    let hotline_for_footer = hotline.clone();
    view! {
        <section class="hero">
            <h1>{move || platform_name.get(locale.get()).to_owned()}</h1>
            <p class="lead">
                {move || {
                    t(
                        "请在爱山东 APP 中完成实人认证后，从“义务教育入学报名”专区进入本平台报名。",
                        "Verify yourself in the host app, then open this platform from its school-enrollment section to register.",
                    )
                        .get(locale.get())
                }}
            </p>
        </section>

        <section aria-labelledby="windows-heading">
            <h2 id="windows-heading">{move || t("信息采集开放时间", "Collection windows").get(locale.get())}</h2>
            <ul class="cards">
                {windows
                    .into_iter()
                    .map(|(subsystem, window)| view! { <WindowCard subsystem window /> })
                    .collect_view()}
            </ul>
        </section>

        <section aria-labelledby="notices-heading">
            <h2 id="notices-heading">{move || t("通知公告", "Notices").get(locale.get())}</h2>
            {if notices.is_empty() {
                view! { <p>{move || t("暂无公告。", "No notices yet.").get(locale.get())}</p> }.into_any()
            } else {
                view! {
                    <ul class="notices">
                        {notices
                            .into_iter()
                            .map(|notice| view! { <NoticeItem notice /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>

        <section aria-labelledby="schools-heading">
            <h2 id="schools-heading">
                {move || t("本区学校", "Schools in the district").get(locale.get())}
                " "
                <span class="count">{schools.len()}</span>
            </h2>
            <ul class="schools">
                {schools
                    .into_iter()
                    .map(|school| {
                        let SchoolView { name, address, .. } = school;
                        view! {
                            <li>
                                <strong>{move || name.get(locale.get()).to_owned()}</strong>
                                <span class="address">{move || address.get(locale.get()).to_owned()}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>

        <footer class="site-footer" id="help-line">
            <p>{move || bureau_name.get(locale.get()).to_owned()}</p>
            <p>
                {move || t("咨询电话：", "Help line: ").get(locale.get())}
                <a href=crate::routes::tel(&hotline_for_footer)>{hotline}</a>
            </p>
        </footer>
    }
}

#[component]
fn WindowCard(subsystem: Subsystem, window: Option<WindowView>) -> impl IntoView {
    let locale = use_locale();
    let body = match window {
        None => view! {
            <p class="tag tag-muted">{move || t("暂未公布", "Not announced yet").get(locale.get())}</p>
        }
            .into_any(),
        Some(window) => {
            let state = window.state;
            let class = match state {
                WindowState::Open => "tag tag-open",
                WindowState::NotYetOpen => "tag tag-soon",
                WindowState::Closed => "tag tag-closed",
            };
            view! {
                <p class=class data-state=format!("{state:?}")>{move || state.label().get(locale.get())}</p>
                <p class="window-dates">
                    {move || format_window(&window, locale.get())}
                </p>
            }
                .into_any()
        }
    };
    view! {
        <li class="card">
            <h3>{move || subsystem.name().get(locale.get())}</h3>
            <p class="hint">{move || subsystem.audience().get(locale.get())}</p>
            {body}
        </li>
    }
}

fn format_window(window: &WindowView, locale: Locale) -> String {
    let at = |d: NaiveDateTime| format!("{} {}", format_date(d.date(), locale), d.format("%H:%M"));
    match locale {
        Locale::Zh => format!("{} 至 {}", at(window.opens_at), at(window.closes_at)),
        Locale::En => format!("{} to {}", at(window.opens_at), at(window.closes_at)),
    }
}

#[component]
fn NoticeItem(notice: NoticeView) -> impl IntoView {
    let locale = use_locale();
    let NoticeView {
        title,
        body,
        published_on,
        ..
    } = notice;
    view! {
        <li>
            <details>
                <summary>
                    <span class="notice-title">{move || title.get(locale.get()).to_owned()}</span>
                    <time datetime=published_on.to_string()>{move || format_date(published_on, locale.get())}</time>
                </summary>
                <p>{move || body.get(locale.get()).to_owned()}</p>
            </details>
        </li>
    }
}
