//! The bureau's configuration page: entries and the sections they require, the materials
//! table, exports. Each form shows the effect of a change before it is saved.

use leptos::prelude::*;

use crate::components::{CancelButton, ConfirmDialog, LoadFailed, Loading};
use crate::{
    api::configuration::{
        AddMaterialRule, EntryAdmin, EntryInput, RemoveMaterialRule, RuleInput, SaveEntry,
        SetExportFullIds, get_configuration,
    },
    components::ErrorPanel,
    domain::{SectionKind, Subsystem, materials::Condition, provenance::Document},
    i18n::{Locale, LocalizedText, t, use_locale},
};

/// The configuration page.
#[component]
pub fn ConfigurationPage() -> impl IntoView {
    let locale = use_locale();
    let save = ServerAction::<SaveEntry>::new();
    let add = ServerAction::<AddMaterialRule>::new();
    let remove = ServerAction::<RemoveMaterialRule>::new();
    let export = ServerAction::<SetExportFullIds>::new();
    let data = Resource::new(
        move || {
            (
                save.version().get(),
                add.version().get(),
                remove.version().get(),
                export.version().get(),
            )
        },
        |_| get_configuration(),
    );
    let errors = move || {
        [
            save.value().get().and_then(Result::err),
            add.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
            export.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|error| view! { <ErrorPanel error /> })
        .collect_view()
    };
    view! {
        <section class="review" aria-labelledby="configuration-heading">
            <h1 id="configuration-heading">{move || t("报名入口与材料", "Entries and materials").get(locale.get())}</h1>
            <div aria-live="assertive">{errors}</div>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(c) => {
                            let rule_count = c.rules.len();
                            let entry_choices: Vec<(i32, LocalizedText)> = c.entries.iter().map(|e| (e.id, e.name.clone())).collect();
                            view! {
                                <h2>{move || t("报名入口", "Entries").get(locale.get())}</h2>
                                {c.entries.into_iter().map(|e| view! { <EntryForm e=Some(e) save /> }).collect_view()}
                                <h3>{move || t("新建报名入口", "New entry").get(locale.get())}</h3>
                                <EntryForm e=None save />
                                <h2>{move || t("材料对照表", "Materials table").get(locale.get())}</h2>
                                <table class="table" data-rules=rule_count>
                                    <tbody>
                                        {c.rules.into_iter().map(|r| {
                                            let (d, cond) = (r.document, r.condition);
                                            let scope = r.entry.clone();
                                            view! {
                                                <tr data-rule=d.code()>
                                                    <td>{move || d.name().get(locale.get())}</td>
                                                    <td>{move || cond.describe().get(locale.get())}</td>
                                                    <td>{move || if r.required { t("必传", "Required") } else { t("选传", "Optional") }.get(locale.get())}</td>
                                                    <td>{move || scope.as_ref().map_or_else(|| t("所有入口", "Every entry").get(locale.get()).to_owned(), |s| s.get(locale.get()).to_owned())}</td>
                                                    <td>
                                                        <ActionForm action=remove attr:class="inline">
                                                            <input type="hidden" name="rule_id" value=r.id />
                                                            <button type="submit" class="link-button">{move || t("删除", "Remove").get(locale.get())}</button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <RuleForm entries=entry_choices add />
                                <h2>{move || t("导出", "Exports").get(locale.get())}</h2>
                                <ExportSetting full=c.export_full_ids export />
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Whether exports carry full ID numbers. Masking them again is one press; allowing them is
/// asked once, saying what it means, as every step that cannot be taken back is.
#[component]
fn ExportSetting(full: bool, export: ServerAction<SetExportFullIds>) -> impl IntoView {
    let locale = use_locale();
    let asking = RwSignal::new(false);
    view! {
        <div class="inline-form">
            <span data-export-full-ids=full.to_string()>{move || if full {
                t("导出的名单包含完整身份证号。", "Exports carry full ID numbers.")
            } else {
                t("导出的名单中身份证号已隐去中间部分。", "Exports mask ID numbers.")
            }.get(locale.get())}</span>
            {if full {
                view! {
                    <button type="button" class="button" disabled=move || export.pending().get()
                        on:click=move |_| { export.dispatch(SetExportFullIds { allow: false }); }>
                        {move || t("改为隐去", "Mask them").get(locale.get())}
                    </button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button" data-dialog-opener="export-question" on:click=move |_| asking.set(true)>
                        {move || t("允许完整身份证号", "Allow full numbers").get(locale.get())}
                    </button>
                }.into_any()
            }}
            {move || asking.get().then(|| view! {
                <ConfirmDialog question="export-question" close=move |_| asking.set(false)>
                    <p id="export-question">{move || t(
                        "确定让导出的名单包含儿童和监护人的完整身份证号吗？名单一旦下载就会离开平台：只在确有需要时允许，用完请改回隐去。每次导出都记入审计日志。",
                        "Let exports carry children's and guardians' full ID numbers? A downloaded list leaves the platform: allow it only when truly needed, and mask them again after. Every export is in the audit log.",
                    ).get(locale.get())}</p>
                    <button type="button" class="button button-danger" data-confirm="export-full-ids" disabled=move || export.pending().get()
                        on:click=move |_| {
                            export.dispatch(SetExportFullIds { allow: true });
                            asking.set(false);
                        }>
                        {move || t("确定允许", "Allow them").get(locale.get())}
                    </button>
                    <CancelButton />
                </ConfirmDialog>
            })}
        </div>
    }
}

/// An entry's form, with a live preview of the sections parents will fill, in order.
#[component]
fn EntryForm(e: Option<EntryAdmin>, save: ServerAction<SaveEntry>) -> impl IntoView {
    let locale = use_locale();
    let key = e
        .as_ref()
        .map_or_else(|| "new".to_owned(), |e| e.id.to_string());
    let chosen = RwSignal::new(
        e.as_ref()
            .map_or_else(|| vec![SectionKind::Child], |e| e.sections.clone()),
    );
    let name_zh = RwSignal::new(e.as_ref().map(|e| e.name.zh.clone()).unwrap_or_default());
    let name_en = RwSignal::new(e.as_ref().map(|e| e.name.en.clone()).unwrap_or_default());
    let explanation_zh = RwSignal::new(
        e.as_ref()
            .map(|e| e.explanation.zh.clone())
            .unwrap_or_default(),
    );
    let explanation_en = RwSignal::new(
        e.as_ref()
            .map(|e| e.explanation.en.clone())
            .unwrap_or_default(),
    );
    let code = RwSignal::new(e.as_ref().map(|e| e.code.clone()).unwrap_or_default());
    let subsystem = RwSignal::new(e.as_ref().map_or(Subsystem::Enrollment, |e| e.subsystem));
    let active = RwSignal::new(e.as_ref().is_none_or(|e| e.active));
    let id = e.as_ref().map(|e| e.id);
    let registrations = e.as_ref().map_or(0, |e| e.registrations);
    let is_new = id.is_none();
    view! {
        <div class="panel" data-entry=key.clone()>
            <div class="form-grid">
                {is_new.then(|| view! {
                    <label for="new-entry-code">{move || t("入口代码（字母、数字、连字符）", "Code (letters, digits, hyphens)").get(locale.get())}</label>
                    <input id="new-entry-code" type="text" on:input=move |ev| code.set(event_target_value(&ev)) />
                    <label for="new-entry-subsystem">{move || t("类型", "Subsystem").get(locale.get())}</label>
                    <select id="new-entry-subsystem" on:change=move |ev| subsystem.set(Subsystem::from_code(&event_target_value(&ev)).unwrap_or(Subsystem::Enrollment))>
                        {Subsystem::ALL.into_iter().map(|s| view! { <option value=s.code()>{move || s.name().get(locale.get())}</option> }).collect_view()}
                    </select>
                })}
                <label for=format!("entry-name-{key}")>{move || t("名称（中文）", "Name (Chinese)").get(locale.get())}</label>
                <input id=format!("entry-name-{key}") type="text" maxlength="60" prop:value=move || name_zh.get() on:input=move |ev| name_zh.set(event_target_value(&ev)) />
                <label for=format!("entry-name-en-{key}")>{move || t("名称（英文）", "Name (English)").get(locale.get())}</label>
                <input id=format!("entry-name-en-{key}") type="text" maxlength="120" prop:value=move || name_en.get() on:input=move |ev| name_en.set(event_target_value(&ev)) />
                <label for=format!("entry-explanation-{key}")>{move || t("说明（中文）", "Explanation (Chinese)").get(locale.get())}</label>
                <textarea id=format!("entry-explanation-{key}") rows="3" maxlength="2000" prop:value=move || explanation_zh.get() on:input=move |ev| explanation_zh.set(event_target_value(&ev))></textarea>
                <label for=format!("entry-explanation-en-{key}")>{move || t("说明（英文）", "Explanation (English)").get(locale.get())}</label>
                <textarea id=format!("entry-explanation-en-{key}") rows="3" maxlength="4000" prop:value=move || explanation_en.get() on:input=move |ev| explanation_en.set(event_target_value(&ev))></textarea>
            </div>
            <fieldset class="choices inline-choices">
                <legend>{move || t("需要填写的信息项目", "Sections parents fill in").get(locale.get())}</legend>
                {SectionKind::ALL.into_iter().map(|kind| view! {
                    <label class="choice">
                        <input type="checkbox" value=kind.code()
                            prop:checked=move || chosen.with(|c| c.contains(&kind))
                            on:change=move |_| chosen.update(|c| {
                                if let Some(at) = c.iter().position(|k| *k == kind) { c.remove(at); } else { c.push(kind); c.sort(); }
                            }) />
                        {move || kind.title().get(locale.get())}
                    </label>
                }).collect_view()}
            </fieldset>
            <p class="hint" data-preview="sections">{move || {
                let list: Vec<&str> = chosen.with(|c| c.iter().map(|k| k.title().get(locale.get())).collect());
                match locale.get() {
                    Locale::Zh => format!("家长将依次填写：{}（共 {} 项）", list.join(" → "), list.len()),
                    Locale::En => format!("Parents will fill in: {} ({} sections)", list.join(" → "), list.len()),
                }
            }}</p>
            {(registrations > 0).then(|| view! {
                <p class="callout">{move || match locale.get() {
                    Locale::Zh => format!("已有 {registrations} 条报名使用此入口：修改信息项目会改变尚未提交的报名需要填写的内容；已提交的报名，审核时仍显示家长提交的全部信息，但去掉的项目不能再要求修改。"),
                    Locale::En => format!("{registrations} registrations use this entry: changing its sections changes what unsubmitted ones must fill in. Submitted ones still show reviewers everything the parent sent, but a section taken off can no longer be sent back for changes."),
                }}</p>
            })}
            <label class="choice">
                <input type="checkbox" prop:checked=move || active.get() on:change=move |_| active.update(|a| *a = !*a) />
                {move || t("开放报名", "Open for registrations").get(locale.get())}
            </label>
            <button type="button" class="button button-primary" disabled=move || save.pending().get() on:click=move |_| {
                save.dispatch(SaveEntry { input: EntryInput {
                    id,
                    subsystem: subsystem.get_untracked().code().to_owned(),
                    code: code.get_untracked(),
                    name_zh: name_zh.get_untracked(),
                    name_en: name_en.get_untracked(),
                    explanation_zh: explanation_zh.get_untracked(),
                    explanation_en: explanation_en.get_untracked(),
                    sections: chosen.get_untracked().iter().map(|k| k.code().to_owned()).collect(),
                    active: active.get_untracked(),
                } });
            }>{move || if is_new { t("创建入口", "Create entry") } else { t("保存入口", "Save entry") }.get(locale.get())}</button>
        </div>
    }
}

/// A new materials rule, with a preview of what parents will be asked.
#[component]
fn RuleForm(
    entries: Vec<(i32, LocalizedText)>,
    add: ServerAction<AddMaterialRule>,
) -> impl IntoView {
    let locale = use_locale();
    let document = RwSignal::new(Document::HouseholdRegister);
    let condition = RwSignal::new(Condition::Always);
    let required = RwSignal::new(true);
    let entry_id = RwSignal::new(None::<i32>);
    let explanation_zh = RwSignal::new(String::new());
    let explanation_en = RwSignal::new(String::new());
    view! {
        <div class="panel form" data-rule-form="true">
            <h3>{move || t("新增材料规则", "New rule").get(locale.get())}</h3>
            <label for="rule-document">{move || t("材料", "Document").get(locale.get())}</label>
            <select id="rule-document" on:change=move |ev| if let Some(d) = Document::from_code(&event_target_value(&ev)) { document.set(d) }>
                {Document::ALL.into_iter().map(|d| view! { <option value=d.code()>{move || d.name().get(locale.get())}</option> }).collect_view()}
            </select>
            <label for="rule-condition">{move || t("何时需要", "When").get(locale.get())}</label>
            <select id="rule-condition" on:change=move |ev| if let Some(c) = Condition::from_code(&event_target_value(&ev)) { condition.set(c) }>
                {Condition::ALL.into_iter().map(|c| view! { <option value=c.code()>{move || c.describe().get(locale.get())}</option> }).collect_view()}
            </select>
            <label for="rule-entry">{move || t("适用入口", "Entry").get(locale.get())}</label>
            <select id="rule-entry" on:change=move |ev| entry_id.set(event_target_value(&ev).parse().ok())>
                <option value="">{move || t("所有入口", "Every entry").get(locale.get())}</option>
                {entries.into_iter().map(|(id, name)| view! { <option value=id>{move || name.get(locale.get()).to_owned()}</option> }).collect_view()}
            </select>
            <label class="choice">
                <input type="checkbox" prop:checked=move || required.get() on:change=move |_| required.update(|r| *r = !*r) />
                {move || t("必须上传", "Required").get(locale.get())}
            </label>
            <label for="rule-explanation">{move || t("要求说明（家长可见）", "What it must show (parents read this)").get(locale.get())}</label>
            <textarea id="rule-explanation" rows="2" maxlength="1000" on:input=move |ev| explanation_zh.set(event_target_value(&ev))></textarea>
            <label for="rule-explanation-en">{move || t("要求说明（英文，可空）", "In English (optional)").get(locale.get())}</label>
            <textarea id="rule-explanation-en" rows="2" maxlength="2000" on:input=move |ev| explanation_en.set(event_target_value(&ev))></textarea>
            <p class="hint" data-preview="rule">{move || match locale.get() {
                Locale::Zh => format!("预览：{}{}上传“{}”。", condition.get().describe().zh, if required.get() { "，必须" } else { "，可选" }, document.get().name().zh),
                Locale::En => format!("Preview: {}, {} “{}”.", condition.get().describe().en, if required.get() { "upload" } else { "may upload" }, document.get().name().en),
            }}</p>
            <button type="button" class="button button-primary" disabled=move || add.pending().get() on:click=move |_| {
                add.dispatch(AddMaterialRule { input: RuleInput {
                    document: document.get_untracked().code().to_owned(),
                    condition: condition.get_untracked().code().to_owned(),
                    required: required.get_untracked(),
                    explanation_zh: explanation_zh.get_untracked(),
                    explanation_en: explanation_en.get_untracked(),
                    entry_id: entry_id.get_untracked(),
                } });
            }>{move || t("添加规则", "Add rule").get(locale.get())}</button>
        </div>
    }
}
