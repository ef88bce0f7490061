//! Answers changed on two pages at once, shown side by side.

use leptos::prelude::*;

use super::{Answers, autosave::Autosave, machine::Conflicted};
use crate::{
    domain::sections,
    i18n::{t, use_locale},
};

/// Both versions of the answers changed on two pages, side by side with their labels and
/// in words (never keys or codes), and one tap to keep either.
#[component]
pub fn ConflictPanel(found: Conflicted, answers: Answers, autosave: Autosave) -> impl IntoView {
    let locale = use_locale();
    let mine = autosave.data.get_untracked();
    let specs = answers.with(&mine, |ctx| {
        found
            .fields
            .iter()
            .filter_map(|field| {
                sections::find_field(answers.kind, field, &[&mine, &found.theirs], ctx)
            })
            .collect::<Vec<_>>()
    });
    let rows: Vec<_> = specs
        .into_iter()
        .map(|spec| {
            let field = spec.name;
            let yours = mine.get(field).cloned().unwrap_or_default();
            let theirs = found.theirs.get(field).cloned().unwrap_or_default();
            (spec, yours, theirs)
        })
        .collect();
    let empty = t("（空）", "(empty)");
    view! {
        <div class="panel panel-error conflict" role="alert" data-conflict="true">
            <h2>{move || t("这些内容在另一个页面也改过了", "These answers were also changed on another page").get(locale.get())}</h2>
            <p>{move || t(
                "本页的修改已暂存在本机，没有覆盖任何内容。请选择保留哪一份：",
                "This page's changes are kept on this phone and nothing was overwritten. Choose which to keep:",
            ).get(locale.get())}</p>
            <table class="conflict-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t("项目", "Question").get(locale.get())}</th>
                        <th scope="col">{move || t("本页填写", "On this page").get(locale.get())}</th>
                        <th scope="col">{move || t("另一页面保存的", "Saved on the other page").get(locale.get())}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(spec, yours, theirs)| {
                        let show = move |value: &str| {
                            let l = locale.get();
                            if value.trim().is_empty() { empty.get(l).to_owned() } else { sections::display_value_in_full(&spec, value, l) }
                        };
                        view! {
                            <tr data-conflict-field=spec.name>
                                <th scope="row">{move || spec.label.get(locale.get())}</th>
                                <td>{move || show(&yours)}</td>
                                <td>{move || show(&theirs)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="button-row">
                <button type="button" class="button button-primary" on:click=move |_| autosave.resolve(true)>
                    {move || t("保留本页填写", "Keep this page's answers").get(locale.get())}
                </button>
                <button type="button" class="button" on:click=move |_| autosave.resolve(false)>
                    {move || t("使用另一页面的内容", "Use the other page's answers").get(locale.get())}
                </button>
            </div>
        </div>
    }
}
