//! One question of a section: its input, hint, problem, and the 自动回填 tag with the way to
//! say a prefilled value is wrong.

use leptos::prelude::*;

use super::autosave::Autosave;
use crate::{
    domain::{
        SectionData,
        provenance::{CORRECTION_REASONS, RegistrySource, is_prefilled},
        sections::{FieldKind, FieldSpec},
    },
    i18n::{Locale, t, use_locale},
};

#[component]
pub fn Field(
    spec: FieldSpec,
    autosave: Autosave,
    editable: bool,
    /// Checks the answer when the parent leaves it.
    check_field: impl Fn(FieldSpec) + Copy + Send + Sync + 'static,
    /// What the registries confirm for the section.
    prefill: RwSignal<SectionData>,
    source: Option<RegistrySource>,
) -> impl IntoView {
    let locale = use_locale();
    let Autosave {
        data,
        problems,
        corrections,
        ..
    } = autosave;
    let on_change = move |name: &'static str, value: String| autosave.change(name, value);
    let touch = move || autosave.touch();
    let name = spec.name;
    // 自动回填: the registry's own value, read-only until the parent says it is wrong.
    let auto =
        move || data.with(|d| prefill.with(|p| corrections.with(|c| is_prefilled(name, d, p, c))));
    let correction = move || corrections.with(|c| c.get(name).cloned());
    let locked = move || !editable || auto();
    let id = format!("field-{name}");
    let value = move || data.with(|d| d.get(name).cloned().unwrap_or_default());
    let problem = move || {
        problems.with(|p| {
            p.iter()
                .find(|x| x.field == name)
                .map(|x| x.message.get(locale.get()).to_owned())
        })
    };
    let hint = spec.hint;
    let label = spec.label;
    let optional = !spec.required;
    let input = match spec.kind {
        FieldKind::Choice(options) if options.len() <= 3 => view! {
            <fieldset class="choices inline-choices" id=id.clone()>
                <legend>{move || label.get(locale.get())}</legend>
                {options.iter().map(|(code, text)| {
                    let code: &'static str = code;
                    let text = *text;
                    view! {
                        <label class="choice">
                            <input type="radio" name=name value=code disabled=locked
                                checked=value() == code
                                prop:checked=move || value() == code
                                on:change=move |_| { on_change(name, code.to_owned()); check_field(spec); } />
                            <span>{move || text.get(locale.get())}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        }.into_any(),
        FieldKind::Choice(options) => view! {
            <label for=id.clone()>{move || label.get(locale.get())}</label>
            <select id=id.clone() name=name disabled=locked
                prop:value=value
                on:change=move |ev| { on_change(name, event_target_value(&ev)); check_field(spec); }>
                <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                {options.iter().map(|(code, text)| {
                    let code: &'static str = code;
                    let text = *text;
                    view! { <option value=code selected=move || value() == code>{move || text.get(locale.get())}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
        kind => {
            let (input_type, input_mode) = match kind {
                FieldKind::Phone => ("tel", Some("numeric")),
                FieldKind::Date => ("date", None),
                _ => ("text", None),
            };
            let autocapitalize = matches!(kind, FieldKind::ResidentId | FieldKind::CreditCode).then_some("characters");
            view! {
                <label for=id.clone()>
                    {move || label.get(locale.get())}
                    {optional.then(|| view! { <span class="hint">{move || t("（选填）", " (optional)").get(locale.get())}</span> })}
                </label>
                // The value as an attribute too: the server's page shows the answers before
                // the page's code runs (a property is set in the browser only).
                <input id=id.clone() name=name type=input_type inputmode=input_mode autocapitalize=autocapitalize
                    autocomplete=spec.autocomplete() spellcheck="false" disabled=!editable readonly=auto
                    value=value()
                    prop:value=value
                    on:input=move |ev| on_change(name, event_target_value(&ev))
                    on:blur=move |_| check_field(spec) />
            }.into_any()
        }
    };
    let tag = move || {
        auto().then(|| {
            view! { <span class="tag tag-prefilled" data-prefilled=name>{move || t("自动回填", "Prefilled").get(locale.get())}</span> }
        })
    };
    let document = source.map(|s| s.document().name());
    let reason_id = format!("reason-{name}");
    let correcting = move || {
        correction().map(|chosen| {
            let reason_id = reason_id.clone();
            view! {
                <div class="correction" data-correction=name>
                    <label for=reason_id.clone()>{move || t("更正原因", "Why it is wrong").get(locale.get())}</label>
                    <select id=reason_id name=format!("reason-{name}") prop:value=chosen.clone()
                        on:change=move |ev| {
                            let reason = event_target_value(&ev);
                            corrections.update(|c| { c.insert(name.to_owned(), reason); });
                            touch();
                        }>
                        <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                        {CORRECTION_REASONS.iter().map(|(code, text)| {
                            let code: &'static str = code;
                            let text = *text;
                            let chosen = chosen.clone();
                            view! { <option value=code selected=move || chosen == code>{move || text.get(locale.get())}</option> }
                        }).collect_view()}
                    </select>
                    {document.map(|d| view! {
                        <p class="hint">{move || match locale.get() {
                            Locale::Zh => format!("请上传{}作为证明，审核老师会核对。", d.zh),
                            Locale::En => format!("Upload this as proof; the school checks it: {}.", d.en),
                        }}</p>
                    })}
                    <button type="button" class="link-button" on:click=move |_| {
                        let original = prefill.with_untracked(|p| p.get(name).cloned()).unwrap_or_default();
                        corrections.update(|c| { c.remove(name); });
                        if original.is_empty() {
                            touch();
                        } else {
                            on_change(name, original);
                        }
                    }>{move || t("恢复系统信息", "Use the register's value").get(locale.get())}</button>
                </div>
            }
        })
    };
    view! {
        <div class="field" class:field-invalid=move || problem().is_some() class:field-prefilled=auto data-field=name>
            {tag}
            {input}
            {hint.map(|h| view! {
                <p class="hint">
                    {move || h.get(locale.get())}
                    {spec.example.map(|e| view! { <span lang="zh-CN" translate="no">{e}</span> })}
                </p>
            })}
            {move || problem().map(|m| view! { <p class="field-error">{m}</p> })}
            {move || (editable && auto()).then(|| view! {
                <button type="button" class="link-button" data-wrong=name on:click=move |_| {
                    corrections.update(|c| { c.insert(name.to_owned(), String::new()); });
                    touch();
                }>{move || t("信息有误", "This is wrong").get(locale.get())}</button>
            })}
            {correcting}
        </div>
    }
}
