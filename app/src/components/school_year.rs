//! The school year on staff pages, once a second year has opened: the choice of year in a
//! filter form, and the way to a year with work left.

use leptos::prelude::*;

use crate::i18n::{Locale, t, use_locale};

/// A year's name in the reader's language.
fn year_name(year: i32, locale: Locale) -> String {
    match locale {
        Locale::Zh => format!("{year} 学年"),
        Locale::En => year.to_string(),
    }
}

/// The 学年 label and choice (`name="year"`) of a filter form: `years` newest first,
/// `shown` chosen. Nothing while there is one year only.
pub fn year_choice(id: &'static str, years: Vec<i32>, shown: i32) -> Option<impl IntoView> {
    let locale = use_locale();
    (years.len() > 1).then(|| {
        view! {
            <label for=id>{move || t("学年", "School year").get(locale.get())}</label>
            <select id=id name="year">
                {years.into_iter().map(|year| view! {
                    <option value=year selected=year == shown>{move || year_name(year, locale.get())}</option>
                }).collect_view()}
            </select>
        }
    })
}

/// A link to `href`, the page of school year `year`.
pub fn year_link(href: String, year: i32) -> impl IntoView {
    let locale = use_locale();
    view! {
        <a href=href>{move || match locale.get() {
            Locale::Zh => format!("查看 {year} 学年"),
            Locale::En => format!("Show {year}"),
        }}</a>
    }
}
