//! Taking a document photo on the phone: the browser's own decoder reads it (upright, as
//! the camera meant it), a canvas scales it to at most 2560 px on the long side and encodes
//! a JPEG around quality 0.85 (a second, lower pass only if still over 5 MB; never larger
//! than the original), and an XMLHttpRequest sends it with progress, cancel and retries.
//! Thumbnails and non-images are refused here with the reason, before any upload.

#[cfg(target_arch = "wasm32")]
use device::{compress, send};
use leptos::prelude::*;

use crate::i18n::{Locale, Text, t};

/// Largest photo sent.
pub const MAX_BYTES: f64 = 5.0 * 1024.0 * 1024.0;
/// Long side of what is sent.
pub const MAX_SIDE: u32 = 2560;
/// A photo with a shorter short side is a thumbnail.
pub const MIN_SHORT_SIDE: u32 = 800;

/// Why a photo is not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhotoProblem {
    NotAPhoto,
    Thumbnail {
        width: u32,
        height: u32,
    },
    TooLarge,
    /// The server refused it, with its message.
    Refused(String),
    /// The connection failed after every retry.
    Offline,
    Cancelled,
}

impl PhotoProblem {
    pub fn message(&self, locale: Locale) -> String {
        let fixed = |text: Text| text.get(locale).to_owned();
        match self {
            Self::NotAPhoto => fixed(t(
                "这不是照片。请拍照或从相册选择照片。",
                "This is not a photo. Take one or choose one from the album.",
            )),
            Self::Thumbnail { width, height } => match locale {
                Locale::Zh => format!(
                    "这张照片只有 {width}×{height} 像素，像是缩略图，看不清内容。请发送原图（微信请勾选“原图”）。"
                ),
                Locale::En => format!(
                    "This photo is only {width}×{height} pixels: it looks like a thumbnail. Send the original photo."
                ),
            },
            Self::TooLarge => fixed(t(
                "照片压缩后仍超过 5 MB，请换一张照片。",
                "Even compressed the photo is over 5 MB: choose another one.",
            )),
            Self::Refused(message) => message.clone(),
            Self::Offline => fixed(t(
                "网络中断，照片没有上传成功。请检查网络后点“重试”。",
                "The connection dropped and the photo was not uploaded. Check the network and press Retry.",
            )),
            Self::Cancelled => fixed(t("已取消上传。", "Upload cancelled.")),
        }
    }
}

/// The size to scale a photo to: the long side at most [`MAX_SIDE`], never enlarged.
pub fn scaled(width: u32, height: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= MAX_SIDE {
        return (width, height);
    }
    let ratio = f64::from(MAX_SIDE) / f64::from(long);
    let scale = |side: u32| ((f64::from(side) * ratio).round() as u32).max(1);
    (scale(width), scale(height))
}

/// Where a photo's upload is (the browser moves it along; the server renders none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadStage {
    Compressing,
    Uploading,
    Done,
    Failed,
}

impl UploadStage {
    /// As the page marks it (`data-stage`), for styles and tests.
    pub fn code(self) -> &'static str {
        match self {
            Self::Compressing => "compressing",
            Self::Uploading => "uploading",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// One photo being prepared or sent, as a page shows it.
#[derive(Clone)]
pub struct Upload {
    /// What [`cancel`] takes.
    pub key: u32,
    pub name: String,
    pub stage: RwSignal<UploadStage>,
    pub progress: RwSignal<u32>,
    pub retries: RwSignal<u32>,
    pub problem: RwSignal<Option<PhotoProblem>>,
    /// What compression produced and how long it took (shown to the bench, not to parents).
    pub sent_bytes: RwSignal<u64>,
    pub compress_ms: RwSignal<u32>,
}

/// A file picked in a file input.
pub struct Picked {
    #[cfg(target_arch = "wasm32")]
    file: web_sys::File,
    name: String,
}

/// The files a file input's `change` event picked, taken out of the input (emptied, so that
/// the same photo can be picked again). None on the server.
pub fn take_picked(ev: &leptos::ev::Event) -> Vec<Picked> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return Vec::new();
        };
        let Some(files) = input.files() else {
            return Vec::new();
        };
        let picked = (0..files.length())
            .filter_map(|i| files.get(i))
            .map(|file| Picked {
                name: file.name(),
                file,
            })
            .collect();
        input.set_value("");
        picked
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = ev;
        Vec::new()
    }
}

impl Picked {
    /// Starts showing this file's upload: what [`upload`] then moves along.
    pub fn start(&self) -> Upload {
        Upload {
            key: crate::browser::clock::random_key(),
            name: self.name.clone(),
            stage: RwSignal::new(UploadStage::Compressing),
            progress: RwSignal::new(0),
            retries: RwSignal::new(0),
            problem: RwSignal::new(None),
            sent_bytes: RwSignal::new(0),
            compress_ms: RwSignal::new(0),
        }
    }
}

/// Compresses a picked photo and sends it to `url`, moving `upload` along; whether the
/// server took it.
pub async fn upload(picked: Picked, upload: Upload, url: String, locale: Locale) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let started = crate::browser::clock::now_ms();
        let compressed = compress(&picked.file).await;
        upload
            .compress_ms
            .try_set((crate::browser::clock::now_ms() - started) as u32);
        let blob = match compressed {
            Ok(blob) => {
                upload.sent_bytes.try_set(blob.size() as u64);
                blob
            }
            Err(problem) => {
                upload.problem.try_set(Some(problem));
                upload.stage.try_set(UploadStage::Failed);
                return false;
            }
        };
        upload.stage.try_set(UploadStage::Uploading);
        match send(
            url,
            blob,
            upload.progress,
            upload.retries,
            upload.key,
            locale,
        )
        .await
        {
            Ok(_) => {
                upload.stage.try_set(UploadStage::Done);
                true
            }
            Err(problem) => {
                upload.problem.try_set(Some(problem));
                upload.stage.try_set(UploadStage::Failed);
                false
            }
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (picked, upload, url, locale);
        false
    }
}

/// Cancels the upload with this key, if it is under way.
pub fn cancel(key: u32) {
    #[cfg(target_arch = "wasm32")]
    device::cancel(key);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = key;
}

#[cfg(target_arch = "wasm32")]
mod device {
    use std::{cell::RefCell, rc::Rc};

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions,
        ImageOrientation, ProgressEvent, XmlHttpRequest,
    };

    use super::{MAX_BYTES, MIN_SHORT_SIDE, PhotoProblem, scaled};
    use crate::{domain::materials::PhotoView, error::AppError, i18n::Locale};

    /// Waits `ms` milliseconds.
    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    async fn to_jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Option<Blob> {
        let slot: Rc<RefCell<Option<Blob>>> = Rc::new(RefCell::new(None));
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let slot = slot.clone();
            let done = resolve.clone();
            let callback = Closure::once_into_js(move |blob: Option<Blob>| {
                *slot.borrow_mut() = blob;
                let _ = done.call0(&JsValue::NULL);
            });
            if canvas
                .to_blob_with_type_and_encoder_options(
                    callback.unchecked_ref(),
                    "image/jpeg",
                    &JsValue::from_f64(quality),
                )
                .is_err()
            {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ = JsFuture::from(promise).await;
        slot.borrow_mut().take()
    }

    #[wasm_bindgen::prelude::wasm_bindgen(inline_js = "let codec;
export async function codec_compress(bytes, maxSide, minShortSide, quality) {
  if (!codec) {
    codec = await import('/pkg/photo-codec/photo_codec.js');
    await codec.default();
  }
  return codec.compress(bytes, maxSide, minShortSide, quality);
}")]
    extern "C" {
        /// The photo fallback module (frontend/photo-codec), imported on first use.
        #[wasm_bindgen(catch)]
        async fn codec_compress(
            bytes: js_sys::Uint8Array,
            max_side: u32,
            min_short_side: u32,
            quality: u8,
        ) -> Result<JsValue, JsValue>;
    }

    /// Whether the photo should go through the fallback: the browser has no decoder of its
    /// own, or the page was told so (`localStorage["ruxue:photo-path"] = "wasm"`, for the
    /// bench and tests).
    fn use_fallback() -> bool {
        let Some(window) = web_sys::window() else {
            return true;
        };
        let forced = window
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item("ruxue:photo-path").ok().flatten())
            .is_some_and(|v| v == "wasm");
        forced
            || !js_sys::Reflect::has(&window, &JsValue::from_str("createImageBitmap"))
                .unwrap_or(false)
    }

    async fn bytes_of(file: &File) -> Option<js_sys::Uint8Array> {
        let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
        Some(js_sys::Uint8Array::new(&buffer))
    }

    /// The `image` crate in its own wasm, loaded now: decode, turn, scale, encode.
    async fn compress_with_codec(bytes: js_sys::Uint8Array) -> Result<Blob, PhotoProblem> {
        let mut quality = 85;
        loop {
            let out = codec_compress(bytes.clone(), super::MAX_SIDE, MIN_SHORT_SIDE, quality)
                .await
                .map_err(|error| {
                    let message = js_sys::Error::from(error)
                        .message()
                        .as_string()
                        .unwrap_or_default();
                    match message
                        .strip_prefix("thumbnail:")
                        .and_then(|d| d.split_once('x'))
                    {
                        Some((w, h)) => PhotoProblem::Thumbnail {
                            width: w.parse().unwrap_or(0),
                            height: h.parse().unwrap_or(0),
                        },
                        None => PhotoProblem::NotAPhoto,
                    }
                })?;
            let array = js_sys::Uint8Array::new(&out);
            if f64::from(array.length()) > MAX_BYTES && quality > 70 {
                quality = 70;
                continue;
            }
            if f64::from(array.length()) > MAX_BYTES {
                return Err(PhotoProblem::TooLarge);
            }
            let parts = js_sys::Array::of1(&array);
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("image/jpeg");
            return Blob::new_with_u8_array_sequence_and_options(&parts, &options)
                .map_err(|_| PhotoProblem::NotAPhoto);
        }
    }

    /// Decodes, checks, scales and compresses a picked file.
    pub(super) async fn compress(file: &File) -> Result<Blob, PhotoProblem> {
        if !file.type_().starts_with("image/") && !file.type_().is_empty() {
            return Err(PhotoProblem::NotAPhoto);
        }
        if use_fallback() {
            let bytes = bytes_of(file).await.ok_or(PhotoProblem::NotAPhoto)?;
            return compress_with_codec(bytes).await;
        }
        let window = web_sys::window().ok_or(PhotoProblem::NotAPhoto)?;
        let options = ImageBitmapOptions::new();
        options.set_image_orientation(ImageOrientation::FromImage);
        let promise = window
            .create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)
            .map_err(|_| PhotoProblem::NotAPhoto)?;
        let bitmap: ImageBitmap = match JsFuture::from(promise).await {
            Ok(bitmap) => bitmap.dyn_into().map_err(|_| PhotoProblem::NotAPhoto)?,
            // The browser could not read it: if it is a photo all the same, the fallback can.
            Err(_) => {
                let bytes = bytes_of(file).await.ok_or(PhotoProblem::NotAPhoto)?;
                let head = bytes.subarray(0, bytes.length().min(16)).to_vec();
                if crate::domain::photo::PhotoFormat::sniff(&head).is_none() {
                    return Err(PhotoProblem::NotAPhoto);
                }
                return compress_with_codec(bytes).await;
            }
        };
        let (width, height) = (bitmap.width(), bitmap.height());
        if width.min(height) < MIN_SHORT_SIDE {
            bitmap.close();
            return Err(PhotoProblem::Thumbnail { width, height });
        }
        let (w, h) = scaled(width, height);
        let canvas: HtmlCanvasElement = document()
            .create_element("canvas")
            .map_err(|_| PhotoProblem::NotAPhoto)?
            .dyn_into()
            .map_err(|_| PhotoProblem::NotAPhoto)?;
        canvas.set_width(w);
        canvas.set_height(h);
        let context: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into().ok())
            .ok_or(PhotoProblem::NotAPhoto)?;
        let drawn = context.draw_image_with_image_bitmap_and_dw_and_dh(
            &bitmap,
            0.0,
            0.0,
            f64::from(w),
            f64::from(h),
        );
        bitmap.close();
        drawn.map_err(|_| PhotoProblem::NotAPhoto)?;
        let mut blob = to_jpeg(&canvas, 0.85)
            .await
            .ok_or(PhotoProblem::NotAPhoto)?;
        if blob.size() > MAX_BYTES {
            blob = to_jpeg(&canvas, 0.7).await.ok_or(PhotoProblem::NotAPhoto)?;
        }
        // Free the canvas' memory at once: phones have little.
        canvas.set_width(0);
        canvas.set_height(0);
        // Never larger than the original: an already small JPEG is sent as it is.
        let original_fits = file.type_() == "image/jpeg"
            && (w, h) == (width, height)
            && file.size() <= blob.size()
            && file.size() <= MAX_BYTES;
        if original_fits {
            return Ok(file.clone().into());
        }
        if blob.size() > MAX_BYTES {
            return Err(PhotoProblem::TooLarge);
        }
        Ok(blob)
    }

    thread_local! {
        /// Uploads under way, by the page's key for them, so that they can be cancelled.
        static IN_FLIGHT: RefCell<std::collections::HashMap<u32, XmlHttpRequest>> =
            RefCell::new(std::collections::HashMap::new());
    }

    /// Cancels the upload with this key, if it is under way.
    pub(super) fn cancel(key: u32) {
        if let Some(xhr) = IN_FLIGHT.with(|map| map.borrow_mut().remove(&key)) {
            let _ = xhr.abort();
        }
    }

    enum Attempt {
        Done(PhotoView),
        Refused(String),
        Retry,
        Cancelled,
    }

    async fn attempt(
        url: &str,
        blob: &Blob,
        progress: RwSignal<u32>,
        key: u32,
        locale: Locale,
    ) -> Attempt {
        let Ok(xhr) = XmlHttpRequest::new() else {
            return Attempt::Retry;
        };
        if xhr.open_with_async("POST", url, true).is_err() {
            return Attempt::Retry;
        }
        let _ = xhr.set_request_header("accept", "application/json");
        let outcome: Rc<RefCell<&'static str>> = Rc::new(RefCell::new("error"));
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                let percent = (event.loaded() / event.total() * 100.0).clamp(0.0, 100.0);
                progress.try_set(percent as u32);
            }
        });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            for (event, name) in [
                ("load", "load"),
                ("error", "error"),
                ("abort", "abort"),
                ("timeout", "error"),
            ] {
                let resolve = resolve.clone();
                let outcome = outcome.clone();
                let handler = Closure::once_into_js(move || {
                    *outcome.borrow_mut() = name;
                    let _ = resolve.call0(&JsValue::NULL);
                });
                let _ = xhr.add_event_listener_with_callback(event, handler.unchecked_ref());
            }
        });
        IN_FLIGHT.with(|map| map.borrow_mut().insert(key, xhr.clone()));
        if xhr.send_with_opt_blob(Some(blob)).is_err() {
            return Attempt::Retry;
        }
        let _ = JsFuture::from(promise).await;
        drop(on_progress);
        IN_FLIGHT.with(|map| map.borrow_mut().remove(&key));
        let what = *outcome.borrow();
        match what {
            "abort" => Attempt::Cancelled,
            "load" => {
                let status = xhr.status().unwrap_or(0);
                let body = xhr.response_text().ok().flatten().unwrap_or_default();
                match status {
                    200 => serde_json::from_str::<PhotoView>(&body)
                        .map(Attempt::Done)
                        .unwrap_or(Attempt::Retry),
                    0 | 502..=504 | 429 => Attempt::Retry,
                    _ => Attempt::Refused(
                        serde_json::from_str::<AppError>(&body)
                            .map(|e| e.message(locale))
                            .unwrap_or_else(|_| AppError::BadRequest.message(locale)),
                    ),
                }
            }
            _ => Attempt::Retry,
        }
    }

    /// Sends a photo, retrying a dropped connection with backoff (1, 2, 4 s).
    pub(super) async fn send(
        url: String,
        blob: Blob,
        progress: RwSignal<u32>,
        retries: RwSignal<u32>,
        key: u32,
        locale: Locale,
    ) -> Result<PhotoView, PhotoProblem> {
        let mut wait = 1000;
        for round in 0..4 {
            if round > 0 {
                retries.try_set(round);
                sleep(wait).await;
                wait *= 2;
            }
            progress.try_set(0);
            match attempt(&url, &blob, progress, key, locale).await {
                Attempt::Done(photo) => return Ok(photo),
                Attempt::Refused(message) => return Err(PhotoProblem::Refused(message)),
                Attempt::Cancelled => return Err(PhotoProblem::Cancelled),
                Attempt::Retry => {}
            }
        }
        Err(PhotoProblem::Offline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_12_megapixel_photo_is_scaled_to_the_long_side_and_a_small_one_is_kept() {
        assert_eq!(scaled(4000, 3000), (2560, 1920));
        assert_eq!(scaled(3000, 4000), (1920, 2560));
        assert_eq!(scaled(1600, 1200), (1600, 1200));
    }
}
