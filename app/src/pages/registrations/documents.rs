//! A registration's documents (证明材料): what it needs and why, an example of a good
//! photo, the photos uploaded (thumbnails that can be replaced or removed), and a picker
//! that works inside app webviews (a plain file input: camera or album, several at once).

use leptos::{prelude::*, task::spawn_local};

use super::{overview::RegistrationHeader, with_registration};
use crate::{
    api::registrations::{
        RegistrationDocuments, RegistrationView, get_registration_documents, remove_document_photo,
    },
    browser::photos::{self, Upload, UploadStage},
    components::ErrorPanel,
    domain::{materials::MaterialItem, photo::PhotoSize, provenance::Document},
    i18n::{Locale, t, use_locale},
    routes,
};

/// The documents page of a registration. The server renders it; only the list of
/// documents, with its pickers and uploads, is an island (`crate::hydration`).
#[component]
pub fn DocumentsPage() -> impl IntoView {
    with_registration(|r| view! { <Documents r /> })
}

#[component]
fn Documents(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let documents = RegistrationDocuments::of(&r);
    view! {
        <section aria-labelledby="documents-heading">
            <h1 id="documents-heading">{move || t("证明材料", "Documents").get(locale.get())}</h1>
            <RegistrationHeader r />
            <p class="hint">{move || t(
                "请拍摄原件，四角完整、文字清晰、无反光。照片会先在手机上压缩，再上传。",
                "Photograph the originals: all four corners, sharp, no glare. Photos are compressed on the phone before they are sent.",
            ).get(locale.get())}</p>
            <DocumentList documents />
            <p class="page-end">
                <a class="button" href=routes::registration(id)>{move || t("返回报名信息", "Back to the registration").get(locale.get())}</a>
            </p>
        </section>
    }
}

// An island where the page's bundle is built (`hydration::IslandBundle`).
#[cfg_attr(any(feature = "router", feature = "island-documents"), island)]
#[cfg_attr(not(any(feature = "router", feature = "island-documents")), component)]
fn DocumentList(documents: RegistrationDocuments) -> impl IntoView {
    let locale = use_locale();
    let id = documents.id;
    let documents = RwSignal::new(documents);
    // Bumped after every upload or removal: the list is read again from the server (a
    // failed read keeps the list as it was; the next change reads again).
    let changed = RwSignal::new(0_u32);
    Effect::watch(
        move || changed.get(),
        move |_, _, _| {
            spawn_local(async move {
                if let Ok(read) = get_registration_documents(id).await {
                    documents.try_set(read);
                }
            });
        },
        false,
    );
    view! {
        <div>
            {move || {
                let RegistrationDocuments { editable, change_request, materials: items, .. } = documents.get();
                let missing = items.iter().filter(|m| m.missing()).count();
                view! {
                    {(missing > 0).then(|| view! {
                        <p class="callout" role="status" data-missing=missing>{move || match locale.get() {
                            Locale::Zh => format!("还有 {missing} 份必需材料未上传。"),
                            Locale::En => format!("{missing} required documents still to upload."),
                        }}</p>
                    })}
                    {items.is_empty().then(|| view! {
                        <p>{move || t("本次报名无需上传证明材料。", "This registration needs no documents.").get(locale.get())}</p>
                    })}
                    {items.into_iter().map(|item| {
                        // While changes are requested, only the documents the school named.
                        let editable = editable
                            && change_request.as_ref().is_none_or(|r| r.allows_document(item.document));
                        view! { <DocumentCard id item editable changed /> }
                    }).collect_view()}
                }
            }}
        </div>
    }
}

#[component]
fn DocumentCard(
    id: i32,
    item: MaterialItem,
    editable: bool,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let locale = use_locale();
    let document = item.document;
    let code = document.code();
    let jobs = RwSignal::new(Vec::<Upload>::new());
    let removal_error = RwSignal::new(None);
    let count = item.photos.len();
    let (class, status) = if count > 0 {
        ("tag tag-open", "uploaded")
    } else if item.required {
        ("tag tag-error", "missing")
    } else {
        ("tag tag-muted", "optional")
    };
    let reasons = item.reasons.clone();
    let example = item.example.clone();
    let photos = item.photos.clone();
    view! {
        <article class="panel document" id=format!("document-{code}") data-document=code data-status=status>
            <h2>
                {move || document.name().get(locale.get())}
                " "
                <span class=class>{move || match (status, locale.get()) {
                    ("uploaded", Locale::Zh) => format!("已上传 {count} 张"),
                    ("uploaded", Locale::En) => format!("{count} uploaded"),
                    ("missing", l) => t("必需，待上传", "Required").get(l).to_owned(),
                    (_, l) => t("选传", "Optional").get(l).to_owned(),
                }}</span>
            </h2>
            <ul class="hint">
                {reasons.into_iter().map(|r| view! { <li>{move || r.get(locale.get()).to_owned()}</li> }).collect_view()}
            </ul>
            <p class="hint"><strong>{move || t("合格的照片：", "A good photo: ").get(locale.get())}</strong>{move || example.get(locale.get()).to_owned()}</p>
            <ul class="thumbnails">
                {photos.into_iter().map(|photo| {
                    let alt = move || match locale.get() {
                        Locale::Zh => format!("{}照片 {}×{}", document.name().zh, photo.width, photo.height),
                        Locale::En => format!("Photo of {} {}×{}", document.name().en, photo.width, photo.height),
                    };
                    let size = megabytes(photo.bytes);
                    view! {
                        <li data-photo=photo.id>
                            <a href=routes::photo(photo.id, PhotoSize::Full) target="_self">
                                <img src=routes::photo(photo.id, PhotoSize::Thumb) alt=alt width="160" loading="lazy" />
                            </a>
                            <span class="hint" data-photo-size=format!("{}x{}", photo.width, photo.height)>{format!("{}×{} · {size}", photo.width, photo.height)}</span>
                            {editable.then(|| view! {
                                <PhotoPicker id document jobs changed replaces=Some(photo.id) />
                                <button type="button" class="link-button" on:click=move |_| {
                                    spawn_local(async move {
                                        match remove_document_photo(photo.id).await {
                                            Ok(()) => changed.update(|c| *c += 1),
                                            Err(error) => removal_error.set(Some(error)),
                                        }
                                    });
                                }>{move || t("删除", "Remove").get(locale.get())}</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || removal_error.get().map(|error| view! { <ErrorPanel error /> })}
            {editable.then(|| view! {
                <PhotoPicker id document jobs changed replaces=None />
            })}
            <ul class="uploads" aria-live="polite">
                <For each=move || jobs.get() key=|job| job.key let:job>
                    <UploadRow job />
                </For>
            </ul>
        </article>
    }
}

/// A file input (camera or album; several at once when adding) and what happens to each
/// file picked.
#[component]
fn PhotoPicker(
    id: i32,
    document: Document,
    jobs: RwSignal<Vec<Upload>>,
    changed: RwSignal<u32>,
    replaces: Option<i32>,
) -> impl IntoView {
    let locale = use_locale();
    let code = document.code();
    let input_id = match replaces {
        Some(photo) => format!("replace-{photo}"),
        None => format!("upload-{code}"),
    };
    let label = move || match replaces {
        Some(_) => t("替换", "Replace").get(locale.get()),
        None => t("拍照或从相册选择", "Take or choose photos").get(locale.get()),
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let locale = locale.get_untracked();
        for picked in photos::take_picked(&ev) {
            let upload = picked.start();
            jobs.update(|list| list.push(upload.clone()));
            let url = routes::upload(id, document, replaces);
            spawn_local(async move {
                if photos::upload(picked, upload, url, locale).await {
                    changed.try_update(|c| *c += 1);
                }
            });
        }
    };
    view! {
        <label class="button file-button" for=input_id.clone()>{label}</label>
        <input id=input_id class="visually-hidden" type="file" accept="image/*"
            multiple=replaces.is_none() data-upload=code on:change=on_pick />
    }
}

#[component]
fn UploadRow(job: Upload) -> impl IntoView {
    let locale = use_locale();
    let name = job.name.clone();
    let stage = job.stage;
    let progress = job.progress;
    let retries = job.retries;
    let problem = job.problem;
    let key = job.key;
    let sent_bytes = job.sent_bytes;
    let compress_ms = job.compress_ms;
    view! {
        <li class="upload" data-stage=move || stage.get().code() data-sent-bytes=move || sent_bytes.get() data-compress-ms=move || compress_ms.get()>
            <span class="upload-name">{name}</span>
            {move || match stage.get() {
                UploadStage::Compressing => view! { <span class="hint">{move || t("正在压缩…", "Compressing…").get(locale.get())}</span> }.into_any(),
                UploadStage::Uploading => view! {
                    <progress max="100" value=move || progress.get() aria-label=move || t("上传进度", "Upload progress").get(locale.get())></progress>
                    <span class="hint">{move || {
                        let n = retries.get();
                        match (n, locale.get()) {
                            (0, _) => format!("{}%", progress.get()),
                            (n, Locale::Zh) => format!("网络不稳定，第 {n} 次重试… {}%", progress.get()),
                            (n, Locale::En) => format!("Connection dropped: retry {n}… {}%", progress.get()),
                        }
                    }}</span>
                }.into_any(),
                UploadStage::Done => view! { <span class="tag tag-open">{move || t("已上传", "Uploaded").get(locale.get())}</span> }.into_any(),
                UploadStage::Failed => view! {
                    <span class="field-error" role="alert">{move || problem.get().map(|p| p.message(locale.get())).unwrap_or_default()}</span>
                }.into_any(),
            }}
            <button type="button" class="link-button" hidden=move || stage.get() != UploadStage::Uploading
                on:click=move |_| {
                    photos::cancel(key);
                }>{move || t("取消", "Cancel").get(locale.get())}</button>
        </li>
    }
}

/// A photo's size as a person reads it, in megabytes to one decimal ("1.3 MB"). In whole
/// numbers: the page's code then holds no way of printing a fraction (about 4 KB of a
/// phone's download; `scripts/wasm-snip.py --quiet`, docs/first-load.md).
fn megabytes(bytes: i64) -> String {
    const MB: i64 = 1_048_576;
    let tenths = (bytes.max(0) * 10 + MB / 2) / MB;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::megabytes;

    #[test]
    fn sizes_read_in_megabytes_to_one_decimal() {
        assert_eq!(megabytes(0), "0.0 MB");
        assert_eq!(megabytes(52_428), "0.0 MB");
        assert_eq!(megabytes(52_429), "0.1 MB");
        assert_eq!(megabytes(1_048_576), "1.0 MB");
        assert_eq!(megabytes(1_363_148), "1.3 MB");
        assert_eq!(megabytes(5 * 1_048_576), "5.0 MB");
        assert_eq!(megabytes(-1), "0.0 MB");
    }
}
