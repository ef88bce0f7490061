//! The public materials table (材料对照表): every document the bureau may ask for, when,
//! whether it is required, why, and what an acceptable photo shows.

use leptos::prelude::*;

use crate::{
    api::registrations::get_materials_table,
    components::ErrorPanel,
    i18n::{t, use_locale},
};

/// `/materials`.
#[component]
pub fn MaterialsPage() -> impl IntoView {
    let locale = use_locale();
    let table = Resource::new_blocking(|| (), |()| get_materials_table());
    view! {
        <section aria-labelledby="materials-heading">
            <h1 id="materials-heading">{move || t("报名材料对照表", "Documents table").get(locale.get())}</h1>
            <p class="lead">{move || t(
                "政务数据能自动核验的信息无需上传材料；以下情况需要拍照上传原件。",
                "What government records confirm needs no document; in these cases, photograph the original.",
            ).get(locale.get())}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(rules) => view! {
                            <div class="table-scroll" tabindex="0" role="region" aria-label=move || t("证明材料清单", "Documents to photograph").get(locale.get())>
                                <table class="materials">
                                    <thead><tr>
                                        <th scope="col">{move || t("材料", "Document").get(locale.get())}</th>
                                        <th scope="col">{move || t("适用", "Applies to").get(locale.get())}</th>
                                        <th scope="col">{move || t("何时需要", "When").get(locale.get())}</th>
                                        <th scope="col">{move || t("说明", "Why").get(locale.get())}</th>
                                        <th scope="col">{move || t("合格照片示例", "A good photo").get(locale.get())}</th>
                                    </tr></thead>
                                    <tbody>
                                        {rules.into_iter().map(|rule| {
                                            let entry = rule.entry.clone();
                                            view! {
                                                <tr data-document=rule.document.code() data-condition=rule.condition.code()>
                                                    <th scope="row">
                                                        {move || rule.document.name().get(locale.get())}
                                                        " "
                                                        <span class=if rule.required { "tag tag-error" } else { "tag tag-muted" }>
                                                            {move || if rule.required { t("必需", "Required") } else { t("选传", "Optional") }.get(locale.get())}
                                                        </span>
                                                    </th>
                                                    <td>{move || entry.as_ref().map_or_else(
                                                        || t("所有报名入口", "Every entry").get(locale.get()).to_owned(),
                                                        |e| e.get(locale.get()).to_owned(),
                                                    )}</td>
                                                    <td>{move || rule.condition.describe().get(locale.get())}</td>
                                                    <td>{let e = rule.explanation.clone(); move || e.get(locale.get()).to_owned()}</td>
                                                    <td>{let e = rule.example.clone(); move || e.get(locale.get()).to_owned()}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
