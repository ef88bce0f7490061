//! The photo fallback: where a browser cannot decode a photo itself (no
//! `createImageBitmap`, or it fails), this separate wasm module — fetched only then — reads
//! it with the `image` crate, turns it upright as the camera said, scales the long side to
//! at most `max_side` and encodes a JPEG. Built at opt-level 3: at "z" it is many times
//! slower.

use std::io::Cursor;

pub use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
    codecs::jpeg::JpegEncoder, imageops::FilterType,
};
use wasm_bindgen::prelude::*;

#[cfg(not(target_arch = "wasm32"))]
pub mod pixels;

/// Largest side decoded at all: a longer one is refused from the header, before any pixel
/// is read.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels decoded at all (40 megapixels: more than any phone camera's normal photo),
/// checked from the header before anything is allocated. 100 megapixels of one grey
/// compress to ~120 KB of PNG: the file size says nothing about what decoding costs.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Most memory a decoded image may take (the second guard, after the pixel budget: a
/// 40-megapixel photo of 16-bit RGBA would need 320 MiB).
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Why a photo could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Over the pixel budget: refused before any pixel is read (pixel floods).
    TooManyPixels,
    /// Not a photo, or damaged.
    Unreadable,
    /// Smaller than a readable document photo.
    Thumbnail { width: u32, height: u32 },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooManyPixels | Self::Unreadable => f.write_str("not-a-photo"),
            Self::Thumbnail { width, height } => write!(f, "thumbnail:{width}x{height}"),
        }
    }
}

/// Whether a picture of `width`×`height` is within the pixel budget.
pub fn within_pixel_budget(width: u32, height: u32) -> bool {
    width <= MAX_SIDE
        && height <= MAX_SIDE
        && u64::from(width).saturating_mul(u64::from(height)) <= MAX_PIXELS
}

/// Reads a photo within hard limits and turns it upright as the camera said, without
/// scaling it.
pub fn decode_upright(
    bytes: &[u8],
    format: Option<ImageFormat>,
    min_short_side: u32,
) -> Result<DynamicImage, DecodeError> {
    decode_fitted(bytes, format, min_short_side, u32::MAX)
}

/// Reads a photo within hard limits, scales its long side down to at most `side` and turns
/// it upright as the camera said. The format is guessed from the bytes unless given.
/// Shared by the browser fallback and the server, which re-encodes every upload.
///
/// The header alone decides first: a side over [`MAX_SIDE`] or more than [`MAX_PIXELS`]
/// is refused before any pixel buffer exists; the decoder's memory limit is the second
/// guard. The decoded image is scaled before it is turned, so that turning copies the
/// small image rather than the large one.
pub fn decode_fitted(
    bytes: &[u8],
    format: Option<ImageFormat>,
    min_short_side: u32,
    side: u32,
) -> Result<DynamicImage, DecodeError> {
    let (image, orientation) = decode_checked(bytes, format, min_short_side)?;
    let mut image = shrink(image, side);
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// Reads a photo within hard limits (see [`decode_fitted`]) as it was stored, with the
/// orientation the camera recorded (to be applied by the caller, after scaling).
pub fn decode_checked(
    bytes: &[u8],
    format: Option<ImageFormat>,
    min_short_side: u32,
) -> Result<(DynamicImage, Option<Orientation>), DecodeError> {
    let cursor = Cursor::new(bytes);
    let mut reader = match format {
        Some(format) => ImageReader::with_format(cursor, format),
        None => ImageReader::new(cursor)
            .with_guessed_format()
            .map_err(|_| DecodeError::Unreadable)?,
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    let limited = |e: ImageError| match e {
        ImageError::Limits(_) => DecodeError::TooManyPixels,
        _ => DecodeError::Unreadable,
    };
    // Reads the header only (dimensions, colour type, orientation).
    let mut decoder = reader.into_decoder().map_err(limited)?;
    let (width, height) = decoder.dimensions();
    if !within_pixel_budget(width, height) {
        return Err(DecodeError::TooManyPixels);
    }
    if width.min(height) < min_short_side {
        return Err(DecodeError::Thumbnail { width, height });
    }
    // `from_decoder` does not charge the output buffer to the limits: charge it here.
    limits.reserve(decoder.total_bytes()).map_err(limited)?;
    let orientation = decoder
        .orientation()
        .ok()
        .filter(|o| *o != Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(limited)?;
    Ok((image, orientation))
}

/// Scales the long side down to `side` (never up), taking the image: its memory is given
/// back as soon as the smaller copy exists.
fn shrink(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width().max(image.height()) <= side {
        image
    } else {
        fit(&image, side)
    }
}

/// Scales the long side down to `side` (never up).
///
/// The triangle filter of `image` works through an intermediate of 16 bytes per pixel of
/// the source's width times the target's height: from a large source that is hundreds of
/// megabytes. So a source at least twice the target is first averaged down by a whole
/// factor (a box filter: exact, one pass, no intermediate), and the filter only finishes
/// from under twice the target.
pub fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    let long = width.max(height);
    if long <= side {
        return image.clone();
    }
    let factor = long / side.max(1);
    if factor >= 2 {
        let averaged = image.thumbnail_exact((width / factor).max(1), (height / factor).max(1));
        if averaged.width().max(averaged.height()) <= side {
            return averaged;
        }
        return averaged.resize(side, side, FilterType::Triangle);
    }
    image.resize(side, side, FilterType::Triangle)
}

/// A JPEG of the image (no EXIF: nothing but pixels is written).
pub fn encode_jpeg(image: &DynamicImage, quality: u8) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode_image(&image.to_rgb8())
        .ok()?;
    Some(out)
}

/// Decodes, checks, turns, scales and encodes: the whole fallback, for any bytes.
pub fn compress_photo(
    bytes: &[u8],
    max_side: u32,
    min_short_side: u32,
    quality: u8,
) -> Result<Vec<u8>, DecodeError> {
    let image = decode_fitted(bytes, None, min_short_side, max_side)?;
    encode_jpeg(&image, quality).ok_or(DecodeError::Unreadable)
}

/// The browser's entry: a JPEG, or an error whose text is the problem's code.
#[wasm_bindgen]
pub fn compress(
    bytes: &[u8],
    max_side: u32,
    min_short_side: u32,
    quality: u8,
) -> Result<Vec<u8>, JsError> {
    compress_photo(bytes, max_side, min_short_side, quality)
        .map_err(|e| JsError::new(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, Luma, Rgb};

    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 251) as u8, (y % 241) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&DynamicImage::ImageRgb8(image))
            .expect("encodes");
        out
    }

    #[test]
    fn scales_the_long_side_and_refuses_thumbnails_and_non_photos() {
        let out = compress_photo(&jpeg(3000, 2000), 2560, 800, 85).expect("a photo");
        let decoded = image::load_from_memory(&out).expect("a JPEG");
        assert_eq!((decoded.width(), decoded.height()), (2560, 1707));
        assert_eq!(
            compress_photo(&jpeg(640, 480), 2560, 800, 85),
            Err(DecodeError::Thumbnail {
                width: 640,
                height: 480
            })
        );
        assert_eq!(
            compress_photo(b"<svg/>", 2560, 800, 85),
            Err(DecodeError::Unreadable)
        );
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

    /// A small grey PNG whose header claims `width`×`height`: only the header is right.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(900, 900, Luma([128])));
        let mut png = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("encodes");
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn the_pixel_budget_is_decided_from_the_header_alone() {
        assert!(within_pixel_budget(8000, 5000));
        assert!(!within_pixel_budget(8000, 5001), "over 40 megapixels");
        assert!(!within_pixel_budget(12_001, 900), "a side over the limit");
        assert!(!within_pixel_budget(10_000, 10_000));
        // Were these decoded, their missing pixel data would make them unreadable: the
        // budget refuses them first.
        for (width, height) in [(10_000, 10_000), (7_000, 6_000), (60_000, 60_000)] {
            assert_eq!(
                decode_upright(&png_claiming(width, height), None, 800).err(),
                Some(DecodeError::TooManyPixels),
                "{width}x{height}"
            );
        }
        assert_eq!(
            decode_upright(&png_claiming(900, 900), None, 800).map(|i| (i.width(), i.height())),
            Ok((900, 900))
        );
    }

    #[test]
    fn a_large_picture_is_averaged_down_before_it_is_filtered() {
        let wide = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(9000, 900, Luma([7])));
        let fitted = fit(&wide, 2560);
        assert_eq!((fitted.width(), fitted.height()), (2560, 256));
        let exact = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(5120, 1000, Luma([7])));
        let fitted = fit(&exact, 2560);
        assert_eq!((fitted.width(), fitted.height()), (2560, 500));
    }
}
