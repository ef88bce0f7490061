//! Document photos from the network, trusted for nothing: the kind is decided from the
//! bytes (JPEG, PNG or WebP, never the name or header), decoding has hard limits on size
//! and memory and runs on blocking threads behind a semaphore, and what is kept is a fresh
//! JPEG (which also drops EXIF data such as GPS position) in three sizes.

use std::{sync::Arc, time::Duration};

use image::{DynamicImage, ImageFormat};
use photo_codec::{DecodeError, fit};
use tokio::sync::Semaphore;

use crate::{domain::photo::PhotoFormat, error::FieldProblem};

/// Largest photo accepted (the phone compresses below it).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// A photo whose short side is smaller is a thumbnail, not a readable document.
pub const MIN_SHORT_SIDE: u32 = 800;
/// Largest side decoded at all (the codec's limit): above it nothing is decoded.
const MAX_SIDE: u32 = photo_codec::MAX_SIDE;
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
                format!("照片尺寸异常（边长超过 {MAX_SIDE} 像素），请用手机重新拍摄。"),
                format!("The picture's size is abnormal (a side over {MAX_SIDE} pixels): take the photo again with the phone."),
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

fn encode(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    photo_codec::encode_jpeg(image, quality).ok_or(PhotoError::Unreadable)
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

/// Checks, decodes and re-encodes a photo. Blocking: CPU work of up to a second.
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = PhotoFormat::sniff(bytes).ok_or(PhotoError::NotAPhoto)?;
    if format == PhotoFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Unreadable);
    }
    let image = photo_codec::decode_upright(bytes, Some(image_format(format)), MIN_SHORT_SIDE)
        .map_err(|e| match e {
            DecodeError::TooManyPixels => PhotoError::TooManyPixels,
            DecodeError::Unreadable => PhotoError::Unreadable,
            DecodeError::Thumbnail { width, height } => PhotoError::TooSmall { width, height },
        })?;
    let full = fit(&image, FULL_SIDE);
    let review = fit(&full, REVIEW_SIDE);
    let thumb = full.thumbnail(THUMB_SIDE, THUMB_SIDE);
    Ok(Processed {
        width: full.width(),
        height: full.height(),
        full: encode(&full, 85)?,
        review: encode(&review, 80)?,
        thumb: encode(&thumb, 70)?,
    })
}

/// Runs [`process`] on blocking threads, a bounded number at a time, so that a burst of
/// uploads can take neither all memory nor all threads.
#[derive(Clone, Debug)]
pub struct PhotoProcessor {
    permits: Arc<Semaphore>,
    /// How long an upload may wait for its turn before being told to retry.
    wait: Duration,
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
        }
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
    use image::{ImageBuffer, Rgb, codecs::jpeg::JpegEncoder};

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
