//! Uploads written as attacks on the server's memory, CPU and storage: a pixel flood
//! refused from its header with bounded memory, one account's loop of uploads refused
//! while other families go on, the caps on photos kept, replaced photos deleted from
//! storage after the grace period (never a submitted registration's), and an upload racing
//! a submit.

use std::{
    future::Future,
    io::Cursor,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use app::server::entities::{document_photo, registration};
use image::{DynamicImage, ImageBuffer, Luma, Rgb, codecs::jpeg::JpegEncoder};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{
    documents::{jpeg, problem_of, renting_registration, upload},
    helpers::{Browser, Options, TestApp, spawn_app, spawn_app_configured},
    registrations::{TWIN_1, section_version},
};

/// Wang Qiang's child, in the demo data.
const WANG_CHILD: &str = "411526202005060031";

/// Tests that measure memory, or make the server use a lot of it, run one at a time.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// 10000×10000 pixels of one grey: about a hundred kilobytes of PNG, 100 MB once decoded.
fn grey_png() -> Vec<u8> {
    let pixels = ImageBuffer::<Luma<u8>, Vec<u8>>::from_raw(10_000, 10_000, vec![128; 100_000_000])
        .expect("sized");
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(pixels)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    png
}

/// A smooth `width`×`height` JPEG: slow to scale, yet small enough to send (well under 5 MB).
fn smooth_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x / 16 % 256) as u8, (y / 12 % 256) as u8, 128])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&DynamicImage::ImageRgb8(image))
        .expect("encodes");
    out
}

/// A field of `/proc/self/status` in KiB (`VmRSS:`, `VmHWM:`), on Linux.
fn status_kib(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// How far (MiB) the resident memory of this process, where the server runs, rises above
/// where it was while `work` runs; `None` where `/proc` cannot say. The kernel's high-water
/// mark is reset first (`clear_refs` 5) and read after; a thread also reads the resident
/// size every millisecond, for kernels that refuse the reset.
async fn peak_growth_mib<F: Future>(work: F) -> (Option<u64>, F::Output) {
    let baseline = status_kib("VmRSS:");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut highest = 0;
            while !stop.load(Ordering::Relaxed) {
                highest = Ord::max(highest, status_kib("VmRSS:").unwrap_or(0));
                std::thread::sleep(Duration::from_millis(1));
            }
            highest
        })
    };
    let output = work.await;
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.join().expect("the sampler ends");
    let peak = if reset {
        Ord::max(sampled, status_kib("VmHWM:").unwrap_or(0))
    } else {
        sampled
    };
    let growth = baseline.map(|baseline| peak.saturating_sub(baseline) / 1024);
    (growth, output)
}

/// A folder for the document store that is removed with the test.
struct StorageDir(PathBuf);

impl StorageDir {
    fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("ruxue-photos-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("a temp dir");
        Self(path)
    }

    fn root(&self) -> String {
        self.0.display().to_string()
    }

    /// Whether the store holds the object `key`.
    fn holds(&self, key: &str) -> bool {
        self.0.join(key).is_file()
    }

    /// How many objects the store holds for a registration.
    fn files_of(&self, registration_id: i32) -> usize {
        std::fs::read_dir(self.0.join(format!("registrations/{registration_id}")))
            .map(|entries| entries.flatten().count())
            .unwrap_or(0)
    }
}

impl Drop for StorageDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server with the demo data whose photos go to `storage`, changed further by `tune`.
async fn spawn_app_storing_in(
    storage: &StorageDir,
    tune: impl FnOnce(&mut server::settings::Settings),
) -> TestApp {
    let root = storage.root();
    spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        move |settings| {
            settings.storage_options = vec![("root".to_owned(), SecretString::from(root))];
            tune(settings);
        },
    )
    .await
}

/// The same browser, for a task of its own.
fn same(browser: &Browser) -> Browser {
    Browser {
        address: browser.address.clone(),
        client: browser.client.clone(),
    }
}

/// Uploads a photo of `document` in place of the photo `replaces`, if any.
async fn upload_replacing(
    parent: &Browser,
    id: i32,
    document: &str,
    replaces: Option<i32>,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let query = replaces.map_or_else(String::new, |photo| format!("?replaces={photo}"));
    parent
        .client
        .post(format!(
            "{}/api/registrations/{id}/documents/{document}{query}",
            parent.address
        ))
        .header("origin", &parent.address)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .expect("the server answers")
}

/// The id of the photo an accepted upload answered with.
async fn photo_id(response: reqwest::Response) -> i32 {
    assert_eq!(response.status(), 200, "the photo is accepted");
    let photo: Value = response.json().await.expect("json");
    i32::try_from(photo["id"].as_i64().expect("an id")).expect("fits")
}

async fn photo_row(app: &TestApp, id: i32) -> Option<document_photo::Model> {
    document_photo::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
}

/// The photo [`ready_to_submit`] uploaded.
async fn rental_contract_photo(app: &TestApp, registration_id: i32) -> document_photo::Model {
    document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(registration_id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the rental contract's photo")
}

/// What an upload stores: the full size and the thumbnail (the reviewer's copy waits for
/// its first view).
fn keys_of(photo: &document_photo::Model) -> [String; 2] {
    [photo.full_key.clone(), photo.thumb_key.clone()]
}

/// Every object a photo may have, the reviewer's copy included.
fn all_keys_of(photo: &document_photo::Model) -> [String; 3] {
    [
        photo.full_key.clone(),
        photo.review_key.clone(),
        photo.thumb_key.clone(),
    ]
}

async fn photos_of(app: &TestApp, registration_id: i32) -> u64 {
    document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(registration_id))
        .count(&app.db)
        .await
        .expect("count")
}

/// Wang Qiang's renting registration with every section completed and its rental contract
/// uploaded, ready to submit: the browser, its id and the version to submit.
async fn ready_to_submit(app: &TestApp) -> (Browser, i32, i64) {
    let (parent, id) = renting_registration(app, "demo-wang-qiang", WANG_CHILD).await;
    let answers = [
        (
            "child",
            json!({ "name": "王小明", "ethnicity": "01", "contact_phone": "13700000003" }),
        ),
        (
            "household",
            json!({ "collective": "no", "address": "市南区云南路 5 号", "head_name": "王强", "head_relation": "father" }),
        ),
        (
            "residence",
            json!({ "kind": "rental", "address": "市南区云南路 5 号 3 楼", "landlord_name": "李明" }),
        ),
        (
            "guardian",
            json!({ "g1_relation": "father", "g1_name": "王强", "g1_id_number": "411526198503040712", "g1_phone": "13700000003", "has_guardian2": "no" }),
        ),
    ];
    let mut version = 0;
    for (section, data) in answers {
        let base = section_version(&parent, id, section).await;
        let outcome: Value = parent
            .call_json(
                "save_section",
                &json!({ "id": id, "section": section, "base_version": base, "data": data, "corrections": {}, "complete": true }),
            )
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(
            outcome["Saved"]["status"], "Completed",
            "{section}: {outcome}"
        );
        version = outcome["Saved"]["registration_version"]
            .as_i64()
            .expect("a version");
    }
    assert_eq!(
        upload(&parent, id, "rental-contract", jpeg(1200, 900))
            .await
            .status(),
        200
    );
    (parent, id, version)
}

async fn submit(parent: &Browser, id: i32, version: i64) -> reqwest::Response {
    parent
        .call(
            "submit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await
}

#[tokio::test]
async fn a_grey_pixel_flood_is_refused_from_its_header_with_bounded_memory() {
    let _one_at_a_time = HEAVY.lock().await;
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", WANG_CHILD).await;
    let png = grey_png();
    assert!(
        png.len() < 1024 * 1024,
        "the attack is a small file: {} bytes",
        png.len()
    );
    // The least growth of three tries: another test running meanwhile can only add to one.
    let mut growths = Vec::new();
    for _ in 0..3 {
        let (growth, response) =
            peak_growth_mib(upload(&parent, id, "rental-contract", png.clone())).await;
        assert_eq!(response.status(), 422);
        let message = problem_of(response).await;
        assert!(
            message.contains("尺寸过大") && message.contains("请用手机相机重新拍摄"),
            "{message}"
        );
        growths.extend(growth);
    }
    // The figure, for whoever runs this with `--nocapture`.
    eprintln!("peak memory growth while refusing the grey PNG, three tries: {growths:?} MiB");
    if let Some(least) = growths.iter().min() {
        assert!(
            *least < 50,
            "refusing 10000×10000 grey pixels raised the server's peak memory by {least} MiB"
        );
    }
    assert_eq!(photos_of(&app, id).await, 0, "nothing refused was kept");
}

#[tokio::test]
async fn one_account_looping_uploads_is_refused_while_another_family_goes_on() {
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", WANG_CHILD).await;
    let photo = jpeg(1000, 800);
    // Each upload replaces the one before, as a parent retaking one page would.
    let mut current = None;
    for n in 1..=30 {
        let response =
            upload_replacing(&parent, id, "rental-contract", current, photo.clone()).await;
        assert_eq!(response.status(), 200, "upload {n} is within the rate");
        current = Some(photo_id(response).await);
    }
    let refused = upload_replacing(&parent, id, "rental-contract", current, photo.clone()).await;
    assert_eq!(refused.status(), 429, "the 31st upload in ten minutes");
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    let message = problem_of(refused).await;
    assert!(
        message.contains("上传过于频繁") && message.contains("分钟后再试"),
        "{message}"
    );
    let live = document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(id))
        .filter(document_photo::Column::RemovedAt.is_null())
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(
        live.iter().map(|p| p.id).collect::<Vec<_>>(),
        current.into_iter().collect::<Vec<_>>(),
        "the refused upload replaced nothing"
    );

    let (other, other_id) = renting_registration(&app, "demo-zhang-wei", TWIN_1).await;
    assert_eq!(
        upload(&other, other_id, "rental-contract", photo)
            .await
            .status(),
        200,
        "another account still uploads"
    );
}

#[tokio::test]
async fn more_photos_of_one_document_than_the_cap_are_refused() {
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", WANG_CHILD).await;
    let photo = jpeg(1000, 800);
    let mut first = None;
    for n in 1..=5 {
        let response = upload(&parent, id, "rental-contract", photo.clone()).await;
        assert_eq!(response.status(), 200, "page {n}");
        let photo = photo_id(response).await;
        if first.is_none() {
            first = Some(photo);
        }
    }
    let refused = upload(&parent, id, "rental-contract", photo.clone()).await;
    assert_eq!(refused.status(), 422, "a sixth page");
    let message = problem_of(refused).await;
    assert!(message.contains("每份材料最多 5 张"), "{message}");
    assert_eq!(photos_of(&app, id).await, 5);
    // Replacing one of them is still possible.
    let replaced = upload_replacing(&parent, id, "rental-contract", first, photo).await;
    assert_eq!(replaced.status(), 200);
}

#[tokio::test]
async fn more_photos_kept_for_one_registration_than_the_cap_are_refused() {
    let app = spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        |settings| settings.uploads.per_registration = 3,
    )
    .await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", WANG_CHILD).await;
    let photo = jpeg(1000, 800);
    let first = photo_id(upload(&parent, id, "rental-contract", photo.clone()).await).await;
    // A replaced photo is still kept (until the sweep deletes it): it counts.
    let second = photo_id(
        upload_replacing(&parent, id, "rental-contract", Some(first), photo.clone()).await,
    )
    .await;
    assert_ne!(first, second);
    assert_eq!(
        upload(&parent, id, "household-register", photo.clone())
            .await
            .status(),
        200
    );
    let refused = upload(&parent, id, "birth-certificate", photo).await;
    assert_eq!(refused.status(), 422);
    let message = problem_of(refused).await;
    assert!(message.contains("已保存 3 张照片"), "{message}");
    assert_eq!(photos_of(&app, id).await, 3);
}

#[tokio::test]
async fn a_replaced_photo_leaves_storage_after_the_grace_period_a_submitted_one_stays() {
    let storage = StorageDir::new();
    let app = spawn_app_storing_in(&storage, |settings| {
        settings.uploads.removed_grace = Duration::ZERO;
        settings.uploads.sweep_interval = Duration::from_millis(100);
    })
    .await;

    // A submitted registration whose photo is then replaced (as a change the school asked
    // for would): the school saw it, so it stays.
    let (owner, submitted_id, version) = ready_to_submit(&app).await;
    assert_eq!(submit(&owner, submitted_id, version).await.status(), 200);
    let reviewed = rental_contract_photo(&app, submitted_id).await;
    document_photo::Entity::update_many()
        .col_expr(
            document_photo::Column::RemovedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(document_photo::Column::Id.eq(reviewed.id))
        .exec(&app.db)
        .await
        .expect("marked replaced");

    // A draft: a photo, then a better one in its place.
    let (parent, id) = renting_registration(&app, "demo-zhang-wei", TWIN_1).await;
    let first = photo_id(upload(&parent, id, "rental-contract", jpeg(1200, 900)).await).await;
    let old = photo_row(&app, first).await.expect("the first photo");
    assert!(keys_of(&old).iter().all(|k| storage.holds(k)), "stored");
    // The parent opens the reviewer's copy of the first photo: made then, and kept.
    assert_eq!(
        parent
            .get(&format!("/documents/{first}/review"))
            .await
            .status(),
        200
    );
    assert!(
        storage.holds(&old.review_key),
        "the reviewer's copy is kept"
    );
    let second = photo_id(
        upload_replacing(
            &parent,
            id,
            "rental-contract",
            Some(first),
            jpeg(1600, 1200),
        )
        .await,
    )
    .await;

    let mut waited = Duration::ZERO;
    while photo_row(&app, first).await.is_some() {
        assert!(
            waited < Duration::from_secs(15),
            "the replaced photo is swept within the grace period and a few sweeps"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    for key in all_keys_of(&old) {
        assert!(!storage.holds(&key), "{key} is deleted from storage");
    }
    let current = photo_row(&app, second)
        .await
        .expect("the current photo stays");
    assert!(keys_of(&current).iter().all(|k| storage.holds(k)));
    assert_eq!(
        storage.files_of(id),
        2,
        "only the current photo's full size and thumbnail"
    );

    // Sweeps have run meanwhile; the submitted registration's replaced photo is untouched.
    let reviewed = photo_row(&app, reviewed.id)
        .await
        .expect("a submitted registration's photo is never swept");
    assert!(reviewed.removed_at.is_some());
    assert!(keys_of(&reviewed).iter().all(|k| storage.holds(k)));
}

/// Opening morning pays for what a parent needs now (the full size, checked, and the
/// thumbnail); the reviewer's copy is made when a reviewer first opens it, once, on any
/// server (it is stored), and only for those who may see the photo.
#[tokio::test]
async fn the_reviewers_copy_is_made_on_its_first_view_and_kept() {
    let storage = StorageDir::new();
    let app = spawn_app_storing_in(&storage, |_| {}).await;
    let (parent, id, version) = ready_to_submit(&app).await;
    let photo = rental_contract_photo(&app, id).await;
    assert!(keys_of(&photo).iter().all(|k| storage.holds(k)));
    assert!(
        !storage.holds(&photo.review_key),
        "no reviewer's copy is made at upload"
    );
    assert_eq!(submit(&parent, id, version).await.status(), 200);

    // Another school's reviewer makes nothing.
    let other_school = app.staff("reviewer.sn2").await;
    let address = format!("/documents/{}/review", photo.id);
    assert_eq!(other_school.get(&address).await.status(), 404);
    assert!(!storage.holds(&photo.review_key));

    let reviewer = app.staff("reviewer.sn1").await;
    let first = reviewer.get(&address).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()["content-type"].to_str().expect("text"),
        "image/jpeg"
    );
    let first = first.bytes().await.expect("bytes");
    let copy = image::load_from_memory(&first).expect("a JPEG");
    let full =
        image::load_from_memory(&std::fs::read(storage.0.join(&photo.full_key)).expect("full"))
            .expect("a JPEG");
    assert_eq!(
        copy.width().max(copy.height()),
        full.width().max(full.height()).min(1600),
        "the reviewer's size, never larger than the photo"
    );
    assert!(storage.holds(&photo.review_key), "kept for the next view");
    let second = reviewer.get(&address).await.bytes().await.expect("bytes");
    assert_eq!(first, second, "the kept copy is served again");
}

#[tokio::test]
async fn an_upload_racing_a_submit_never_lands_on_the_submitted_registration() {
    let _one_at_a_time = HEAVY.lock().await;
    let storage = StorageDir::new();
    let app = spawn_app_storing_in(&storage, |settings| settings.photo_workers = 1).await;
    let (parent, id, version) = ready_to_submit(&app).await;
    let (other, other_id) = renting_registration(&app, "demo-zhang-wei", TWIN_1).await;

    // Another family's large photos hold the only photo worker for a few seconds...
    let large = smooth_jpeg(4000, 3000);
    assert!(
        large.len() < 4 * 1024 * 1024,
        "sent whole: {} bytes",
        large.len()
    );
    // (Ten, ~0.1-0.2 s each: enough to keep it busy well past the submit, few enough that
    // the racing upload never waits out the photo queue's 20 s on a loaded machine.)
    let blockers: Vec<_> = ["rental-contract"; 5]
        .into_iter()
        .chain(["household-register"; 5])
        .map(|document| {
            let other = same(&other);
            let bytes = large.clone();
            tokio::spawn(async move { upload(&other, other_id, document, bytes).await.status() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...so that this upload, checked while the registration is a draft, waits its turn...
    let racing = {
        let parent = same(&parent);
        tokio::spawn(async move { upload(&parent, id, "rental-contract", jpeg(1200, 900)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !racing.is_finished(),
        "the upload waits behind the large photos (the race this test needs)"
    );
    // ...while the registration is submitted.
    assert_eq!(submit(&parent, id, version).await.status(), 200);
    assert!(
        !racing.is_finished(),
        "the upload was still under way when the registration was submitted"
    );

    let response = racing.await.expect("the upload ends");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(
        status, 423,
        "a photo decoded after the submit is refused as locked: {body}"
    );
    for blocker in blockers {
        assert_eq!(blocker.await.expect("a large upload ends"), 200);
    }
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the registration");
    assert_eq!(row.state.code(), "submitted");
    assert_eq!(
        photos_of(&app, id).await,
        1,
        "only the photo uploaded before the submit"
    );
    assert_eq!(
        storage.files_of(id),
        2,
        "the refused photo's files are deleted again"
    );
}
