//! Document photos: the materials a registration needs, a hostile corpus refused with a
//! clear message and bounded memory, re-encoded output without EXIF and upright, access
//! only for the registrant, and submission refused while a required document is missing.

use std::io::Cursor;

use app::server::entities::document_photo;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use image::{DynamicImage, ImageBuffer, Rgb, codecs::jpeg::JpegEncoder};
use serde_json::{Value, json};

use crate::{
    helpers::{Browser, TestApp, spawn_app},
    registrations::{create, entry_and_school, view},
};

/// A JPEG of `width`×`height` with some texture, as a camera would send.
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&DynamicImage::ImageRgb8(image))
        .expect("encodes");
    out
}

/// `jpeg` with an EXIF block saying "rotate 90° to view" and carrying a GPS latitude.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    // IFD0: orientation = 6, GPS IFD at offset 38.
    tiff.extend([0x00, 0x02]);
    tiff.extend([
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend([
        0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x26,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    // GPS IFD: GPSLatitudeRef = "N".
    tiff.extend([0x00, 0x01]);
    tiff.extend([
        0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let length = u16::try_from(app1.len() + 2).expect("fits");
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(length.to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header claims 60000×60000 pixels (a decompression bomb's shape).
fn pixel_flood_png() -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(ImageBuffer::from_pixel(8, 8, Rgb([0, 0, 0])));
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    // IHDR data starts at byte 16: width, height, then the chunk's CRC at 29.
    png[16..20].copy_from_slice(&60_000_u32.to_be_bytes());
    png[20..24].copy_from_slice(&60_000_u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A parent with a renting registration: it needs a rental contract.
pub(crate) async fn renting_registration(
    app: &TestApp,
    subject: &str,
    child: &str,
) -> (Browser, i32) {
    let parent = app.confirmed_parent(subject).await;
    let (entry, school) = entry_and_school(app, "local-no-property").await;
    let response = create(&parent, entry, school, child).await;
    assert_eq!(response.status(), 200);
    let id = i32::try_from(response.json::<i64>().await.expect("id")).expect("fits");
    (parent, id)
}

pub(crate) async fn upload(
    parent: &Browser,
    id: i32,
    document: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    parent
        .client
        .post(format!(
            "{}/api/registrations/{id}/documents/{document}",
            parent.address
        ))
        .header("origin", &parent.address)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .expect("the server answers")
}

pub(crate) async fn problem_of(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("a JSON error");
    body["Invalid"]["problems"][0]["message"]["zh"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_hostile_corpus_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", "411526202005060031").await;

    let mut polyglot = jpeg(16, 16)[..20].to_vec();
    polyglot.extend(b"<html><script>alert(document.cookie)</script></html>");
    let mut truncated = jpeg(1600, 1200);
    truncated.truncate(truncated.len() / 3);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("pixel flood", pixel_flood_png(), "尺寸异常"),
        ("JPEG/HTML polyglot", polyglot, "损坏"),
        (
            "SVG",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "不是照片",
        ),
        ("text named .jpg", b"just some text\n".to_vec(), "不是照片"),
        ("truncated JPEG", truncated, "损坏"),
        ("thumbnail", jpeg(640, 480), "缩略图"),
    ];
    let before = peak_memory_kib();
    for (what, bytes, expected) in cases {
        let response = upload(&parent, id, "rental-contract", bytes).await;
        assert_eq!(response.status(), 422, "{what}");
        let message = problem_of(response).await;
        assert!(message.contains(expected), "{what}: {message}");
    }
    let grown_mib = peak_memory_kib().saturating_sub(before) / 1024;
    assert!(
        grown_mib < 1024,
        "the corpus raised peak memory by {grown_mib} MiB"
    );
    let kept = document_photo::Entity::find()
        .filter(document_photo::Column::RegistrationId.eq(id))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(kept, 0, "nothing refused was kept");
}

#[tokio::test]
async fn fifty_megabytes_without_a_length_are_cut_off() {
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", "411526202005060031").await;
    let chunk = bytes::Bytes::from(vec![0xFF_u8; 1024 * 1024]);
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        (0..50).map(|_| Ok(chunk.clone())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = parent
        .client
        .post(format!(
            "{}/api/registrations/{id}/documents/rental-contract",
            parent.address
        ))
        .header("origin", &parent.address)
        .body(body)
        .send()
        .await;
    // The server answers 413 and stops reading; the client may see the reset instead.
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
    let v = view(&parent, id).await;
    assert!(
        v["materials"]
            .as_array()
            .is_some_and(|items| items.iter().all(|i| i["photos"] == json!([])))
    );
}

#[tokio::test]
async fn a_photo_is_stored_upright_without_exif_and_only_its_registrant_sees_it() {
    let app = spawn_app().await;
    let (parent, id) = renting_registration(&app, "demo-wang-qiang", "411526202005060031").await;
    let response = upload(&parent, id, "rental-contract", jpeg_with_exif(1600, 1200)).await;
    assert_eq!(response.status(), 200);
    let photo: Value = response.json().await.expect("json");
    assert_eq!(
        (photo["width"].as_i64(), photo["height"].as_i64()),
        (Some(1200), Some(1600)),
        "turned as the camera said"
    );
    let photo_id = photo["id"].as_i64().expect("id");

    let full = parent.get(&format!("/documents/{photo_id}/full")).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "image/jpeg");
    assert_eq!(full.headers()["x-content-type-options"], "nosniff");
    assert_eq!(full.headers()["cache-control"], "no-store");
    assert!(
        full.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|v| v.starts_with("inline; filename=\"photo-"))
    );
    let bytes = full.bytes().await.expect("bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "no EXIF (and so no GPS) in what is kept"
    );
    let thumb = parent.get(&format!("/documents/{photo_id}/thumb")).await;
    assert_eq!(thumb.status(), 200);

    let other = app.confirmed_parent("demo-li-na").await;
    assert_eq!(
        other
            .get(&format!("/documents/{photo_id}/full"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.browser()
            .get(&format!("/documents/{photo_id}/full"))
            .await
            .status(),
        401
    );
    // A reviewer of the school sees nothing of a draft.
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer
            .get(&format!("/documents/{photo_id}/review"))
            .await
            .status(),
        404
    );
    // Nor can another parent upload to this registration.
    assert_eq!(
        upload(&other, id, "rental-contract", jpeg(1200, 900))
            .await
            .status(),
        404
    );
}

/// A renting registration of 王强's with every section answered: ready to send but for
/// its rental contract. The parent, its id and version.
pub(crate) async fn renting_answered(app: &TestApp) -> (Browser, i32, i64) {
    let (parent, id) = renting_registration(app, "demo-wang-qiang", "411526202005060031").await;
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
        let base = crate::registrations::section_version(&parent, id, section).await;
        let response = parent
            .call_json(
                "save_section",
                &json!({ "id": id, "section": section, "base_version": base, "data": data, "corrections": {}, "complete": true }),
            )
            .await;
        let outcome: Value = response.json().await.expect("json");
        assert_eq!(
            outcome["Saved"]["status"], "Completed",
            "{section}: {outcome}"
        );
        version = outcome["Saved"]["registration_version"]
            .as_i64()
            .expect("v");
    }
    (parent, id, version)
}

#[tokio::test]
async fn submission_waits_for_the_required_documents() {
    let app = spawn_app().await;
    let (parent, id, version) = renting_answered(&app).await;
    let submit = |version: i64| {
        let parent = &parent;
        async move {
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
    };
    let refused = submit(version).await;
    assert_eq!(refused.status(), 422);
    assert!(problem_of(refused).await.contains("租赁合同"));

    // A photo, then a better one in its place, then a second page.
    let first = upload(&parent, id, "rental-contract", jpeg(1200, 900)).await;
    assert_eq!(first.status(), 200);
    let first_id = first.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let replacement = parent
        .client
        .post(format!(
            "{}/api/registrations/{id}/documents/rental-contract?replaces={first_id}",
            parent.address
        ))
        .header("origin", &parent.address)
        .body(jpeg(1600, 1200))
        .send()
        .await
        .expect("answers");
    assert_eq!(replacement.status(), 200);
    let v = view(&parent, id).await;
    let photos = v["materials"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["document"] == "RentalContract"))
        .map(|i| i["photos"].clone())
        .expect("rental contract");
    assert_eq!(
        photos.as_array().map(Vec::len),
        Some(1),
        "replaced, not added"
    );
    assert_eq!(photos[0]["width"], 1600);
    assert_eq!(
        parent
            .get(&format!("/documents/{first_id}/full"))
            .await
            .status(),
        404,
        "a replaced photo is no longer shown"
    );

    let submitted = submit(version).await;
    assert_eq!(submitted.status(), 200);
    // Locked: no more photos.
    assert_eq!(
        upload(&parent, id, "rental-contract", jpeg(1200, 900))
            .await
            .status(),
        423
    );
    // Now the school's reviewer may look.
    let reviewer = app.staff("reviewer.sn1").await;
    let photo_id = photos[0]["id"].as_i64().expect("id");
    assert_eq!(
        reviewer
            .get(&format!("/documents/{photo_id}/review"))
            .await
            .status(),
        200
    );
    let other_school = app.staff("reviewer.sn2").await;
    assert_eq!(
        other_school
            .get(&format!("/documents/{photo_id}/review"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_materials_table_is_public() {
    let app = spawn_app().await;
    let response = app.browser().call("get_materials_table", &[]).await;
    assert_eq!(response.status(), 200);
    let rules: Value = response.json().await.expect("json");
    let rules = rules.as_array().expect("a list");
    assert!(rules.iter().any(|r| r["document"] == "BirthCertificate"
        && r["condition"] == "OwnerOutsideHousehold"
        && r["required"] == json!(true)));
    assert!(
        rules
            .iter()
            .any(|r| r["document"] == "ResidencePermit"
                && r["entry"]["zh"] == "进城务工人员随迁子女")
    );
    let page = app.get("/materials").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("出生医学证明或结婚证"));
}

#[tokio::test]
async fn a_photo_removed_while_the_registration_is_sent_is_missed_by_neither() {
    let app = spawn_app().await;
    let (parent, id, version) = renting_answered(&app).await;
    let only = upload(&parent, id, "rental-contract", jpeg(1200, 900)).await;
    assert_eq!(only.status(), 200);
    let photo = only.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    // On the phone the parent removes the contract's only photo; on the computer, sends.
    let (removed, sent) = crate::list_races::at_once(
        &app.db,
        parent.call("remove_document_photo", &[("photo_id", &photo.to_string())]),
        crate::registrations::submit(&parent, id, version),
    )
    .await;
    let (removed, sent_status, sent) = (
        removed.status(),
        sent.status(),
        sent.text().await.unwrap_or_default(),
    );
    let row = app::server::entities::registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let kept = app::server::entities::document_photo::Entity::find_by_id(
        i32::try_from(photo).expect("fits"),
    )
    .one(&app.db)
    .await
    .expect("query")
    .expect("row")
    .removed_at
    .is_none();
    // Before: both stood, and the school received a registration without its contract.
    if sent_status == 200 {
        assert_eq!(row.state.code(), "submitted");
        assert!(
            kept,
            "sent to the school without its rental contract (removal answered {removed})"
        );
        assert_eq!(removed, 423, "a sent registration's photos stay");
    } else {
        assert_eq!(removed, 200);
        assert!(!kept);
        assert_eq!(sent_status, 422, "{sent}");
        assert!(sent.contains("租赁合同"), "{sent}");
        assert_eq!(row.state.code(), "draft");
    }
}
