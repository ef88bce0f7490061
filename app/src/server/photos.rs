//! Document photos from the network, trusted for nothing: the kind is decided from the
//! bytes (JPEG, PNG or WebP, never the name or header), the header's dimensions are held
//! to a pixel budget before anything is decoded, decoding has a hard memory limit and runs
//! on blocking threads behind a semaphore, and what is kept is a fresh JPEG (which also
//! drops EXIF data such as GPS position) in three sizes.

use std::{sync::Arc, time::Duration};

use image::ImageFormat;
use photo_codec::{
    DecodeError,
    pixels::{FilterType, Pixels, Resizer},
};
use tokio::sync::Semaphore;

use crate::{domain::photo::PhotoFormat, error::FieldProblem};

/// Largest photo accepted (the phone compresses below it).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// A photo whose short side is smaller is a thumbnail, not a readable document.
pub const MIN_SHORT_SIDE: u32 = 800;
/// Largest side decoded at all, and most pixels (the codec's limits, shared with the
/// browser's fallback): above them nothing is decoded.
const MAX_SIDE: u32 = photo_codec::MAX_SIDE;
const MAX_MEGAPIXELS: u64 = photo_codec::MAX_PIXELS / 1_000_000;
/// The same in 万 (ten thousands), as pixel counts are said in Chinese.
const MAX_WAN_PIXELS: u64 = photo_codec::MAX_PIXELS / 10_000;
/// Long side of the stored full-size, reviewer and thumbnail copies.
const FULL_SIDE: u32 = 2560;
const REVIEW_SIDE: u32 = 1600;
const THUMB_SIDE: u32 = 320;

/// The decoder's name for a sniffed format.
fn image_format(format: PhotoFormat) -> ImageFormat {
    match format {
        PhotoFormat::Jpeg => ImageFormat::Jpeg,
        PhotoFormat::Png => ImageFormat::Png,
        PhotoFormat::WebP => ImageFormat::WebP,
    }
}

/// Why a photo was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("not a photo")]
    NotAPhoto,
    #[error("too large")]
    TooLarge,
    #[error("too many pixels")]
    TooManyPixels,
    #[error("too small: {width}x{height}")]
    TooSmall { width: u32, height: u32 },
    #[error("unreadable")]
    Unreadable,
    #[error("busy")]
    Busy,
}

impl PhotoError {
    /// The message for the parent, in both languages, on the `photo` field.
    pub fn problem(&self) -> FieldProblem {
        let (zh, en) = match self {
            Self::NotAPhoto => (
                "这不是照片。请拍照或从相册选择 JPG、PNG 或 WebP 格式的照片。".to_owned(),
                "This is not a photo. Take one, or choose a JPG, PNG or WebP photo from the album."
                    .to_owned(),
            ),
            Self::TooLarge => (
                "照片超过 5 MB。请重新选择，平台会先在手机上压缩。".to_owned(),
                "The photo is over 5 MB. Choose it again: the platform compresses it on the phone first."
                    .to_owned(),
            ),
            Self::TooManyPixels => (
                format!(
                    "照片尺寸过大（超过 {MAX_WAN_PIXELS} 万像素，或边长超过 {MAX_SIDE} 像素），属于尺寸异常的图片。请用手机相机重新拍摄。"
                ),
                format!(
                    "The photo is too large in pixels (over {MAX_MEGAPIXELS} megapixels, or a side over {MAX_SIDE} pixels). Take it again with the phone's camera."
                ),
            ),
            Self::TooSmall { width, height } => (
                format!(
                    "这张照片只有 {width}×{height} 像素，像是缩略图，看不清内容。请发送原图（微信请勾选“原图”）。"
                ),
                format!(
                    "This photo is only {width}×{height} pixels: it looks like a thumbnail and cannot be read. Send the original photo."
                ),
            ),
            Self::Unreadable => (
                "照片文件已损坏或不完整，请重新拍摄或选择。".to_owned(),
                "The photo file is damaged or incomplete: take or choose it again.".to_owned(),
            ),
            Self::Busy => (
                "上传的人较多，请稍后重试。".to_owned(),
                "Many photos are arriving now: try again in a moment.".to_owned(),
            ),
        };
        FieldProblem::new("photo", &zh, &en)
    }
}

/// A photo as stored: three JPEGs and the full size's dimensions.
#[derive(Clone, Debug)]
pub struct Processed {
    pub full: Vec<u8>,
    pub review: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Whether a JPEG's segments run whole from start to end-of-image marker. Decoders fill a
/// cut-off photo with grey rather than fail: such a photo is refused instead.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let len = bytes.len();
    let mut i = 2;
    loop {
        if i + 1 >= len || bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            0xFF => i += 1,
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                if i + 3 >= len {
                    return false;
                }
                let segment = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                let next = i + 2 + segment;
                if segment < 2 || next > len {
                    return false;
                }
                if marker != 0xDA {
                    i = next;
                    continue;
                }
                // Entropy-coded data runs to the next marker that is not stuffing or a restart.
                let mut j = next;
                loop {
                    if j + 1 >= len {
                        return false;
                    }
                    if bytes[j] == 0xFF {
                        match bytes[j + 1] {
                            0x00 | 0xD0..=0xD7 => j += 2,
                            0xFF => j += 1,
                            _ => break,
                        }
                    } else {
                        j += 1;
                    }
                }
                i = j;
            }
        }
    }
}

/// Checks, decodes and re-encodes a photo. Blocking: CPU work, ~50 ms for a phone's
/// 2560×1920 photo (measured by `make bench-load`).
///
/// The pixel budget is checked on the header before any pixel is decoded. The photo is
/// decoded once; the full size is scaled from it, the reviewer's copy from the full size
/// and the thumbnail from the reviewer's copy (SIMD convolution, each from the nearest
/// larger copy); the camera's orientation is applied to the scaled copies; each is
/// written by a SIMD JPEG encoder.
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = PhotoFormat::sniff(bytes).ok_or(PhotoError::NotAPhoto)?;
    if format == PhotoFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Unreadable);
    }
    let (decoded, orientation) =
        photo_codec::decode_checked(bytes, Some(image_format(format)), MIN_SHORT_SIDE).map_err(
            |e| match e {
                DecodeError::TooManyPixels => PhotoError::TooManyPixels,
                DecodeError::Unreadable => PhotoError::Unreadable,
                DecodeError::Thumbnail { width, height } => PhotoError::TooSmall { width, height },
            },
        )?;
    let unreadable = |_| PhotoError::Unreadable;
    let decoded = Pixels::from_image(decoded);
    let mut resizer = Resizer::new();
    let full = if decoded.width.max(decoded.height) <= FULL_SIDE {
        decoded
    } else {
        let full = decoded
            .fitted(&mut resizer, FULL_SIDE, FilterType::Lanczos3)
            .map_err(unreadable)?;
        drop(decoded);
        full
    };
    let review = full
        .fitted(&mut resizer, REVIEW_SIDE, FilterType::Lanczos3)
        .map_err(unreadable)?;
    let thumb = review
        .fitted(&mut resizer, THUMB_SIDE, FilterType::CatmullRom)
        .map_err(unreadable)?;
    let full = full.upright(orientation).map_err(unreadable)?;
    let encoded = |pixels: Pixels, quality| pixels.upright(orientation)?.jpeg(quality);
    Ok(Processed {
        width: full.width,
        height: full.height,
        full: full.jpeg(85).map_err(unreadable)?,
        review: encoded(review, 80).map_err(unreadable)?,
        thumb: encoded(thumb, 70).map_err(unreadable)?,
    })
}

/// What one parent may keep and send, and how long a replaced or removed photo stays.
///
/// The rate is counted in the database ([`crate::server::documents`]), not in the memory of
/// one process (as `tower_governor` would): the platform runs as several stateless app
/// servers behind a load balancer, and a limit each of them kept alone would multiply by
/// their number and reset with every restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadPolicy {
    /// Uploads one parent account may send within `window` (each one decoded counts,
    /// accepted or not).
    pub per_window: u64,
    pub window: Duration,
    /// Photos kept for one registration: current ones, and replaced or removed ones not yet
    /// deleted from storage.
    pub per_registration: u64,
    /// Current photos of one document (a household register has several pages).
    pub per_document: u64,
    /// How long a replaced or removed photo of a draft stays in storage, so that a page
    /// still showing it does not break at once.
    pub removed_grace: Duration,
    /// How often the sweep looks for such photos.
    pub sweep_interval: Duration,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        Self {
            per_window: 30,
            window: Duration::from_secs(600),
            per_registration: 40,
            per_document: 5,
            removed_grace: Duration::from_secs(600),
            sweep_interval: Duration::from_secs(60),
        }
    }
}

/// Runs [`process`] on blocking threads, a bounded number at a time, so that a burst of
/// uploads can take neither all memory nor all threads. Carries the [`UploadPolicy`] the
/// upload route applies before it hands a photo over.
#[derive(Clone, Debug)]
pub struct PhotoProcessor {
    permits: Arc<Semaphore>,
    /// How long an upload may wait for its turn before being told to retry.
    wait: Duration,
    policy: UploadPolicy,
}

impl Default for PhotoProcessor {
    fn default() -> Self {
        Self::new(2, Duration::from_secs(20))
    }
}

impl PhotoProcessor {
    pub fn new(at_once: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            wait,
            policy: UploadPolicy::default(),
        }
    }

    /// The same processor applying `policy`.
    #[must_use]
    pub fn with_policy(self, policy: UploadPolicy) -> Self {
        Self { policy, ..self }
    }

    /// The limits uploads are held to.
    pub fn policy(&self) -> UploadPolicy {
        self.policy
    }

    pub async fn process(&self, bytes: Vec<u8>) -> Result<Processed, PhotoError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| PhotoError::Busy)?
            .map_err(|_| PhotoError::Busy)?;
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            process(&bytes)
        })
        .await;
        result.map_err(|_| PhotoError::Unreadable)?
    }
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, ImageBuffer, Rgb, codecs::jpeg::JpegEncoder};

    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&DynamicImage::ImageRgb8(image))
            .expect("encodes");
        out
    }

    #[test]
    fn the_format_comes_from_the_bytes_not_the_name() {
        assert_eq!(PhotoFormat::sniff(&jpeg(8, 8)), Some(PhotoFormat::Jpeg));
        assert_eq!(PhotoFormat::sniff(b"<html><script>"), None);
        assert_eq!(PhotoFormat::sniff(b"<svg xmlns="), None);
        assert_eq!(
            PhotoFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(PhotoFormat::WebP)
        );
    }

    #[test]
    fn a_cut_off_jpeg_is_incomplete_and_a_whole_one_is_complete() {
        let whole = jpeg(900, 900);
        assert!(jpeg_is_complete(&whole));
        for cut in [3, 100, whole.len() / 2, whole.len() - 1] {
            assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn a_photo_is_scaled_to_its_sizes_and_a_thumbnail_is_refused() {
        let processed = process(&jpeg(3000, 2000)).expect("a photo");
        assert_eq!((processed.width, processed.height), (2560, 1707));
        assert!(processed.thumb.len() < processed.review.len());
        assert_eq!(
            process(&jpeg(640, 480)).err(),
            Some(PhotoError::TooSmall {
                width: 640,
                height: 480
            })
        );
    }
}
