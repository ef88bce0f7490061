//! The photo fallback: where a browser cannot decode a photo itself (no
//! `createImageBitmap`, or it fails), this separate wasm module — fetched only then — reads
//! it with the `image` crate, turns it upright as the camera said, scales the long side to
//! at most `max_side` and encodes a JPEG. Built at opt-level 3: at "z" it is many times
//! slower.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
    codecs::jpeg::JpegEncoder, imageops::FilterType,
};
use wasm_bindgen::prelude::*;

/// Largest side decoded at all, and most memory a decode may take.
pub const MAX_SIDE: u32 = 10_000;
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Why a photo could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A side over the limit: refused before any pixel is read (pixel floods).
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

/// Reads a photo within hard limits (side, memory) and turns it upright as the camera
/// said. The format is guessed from the bytes unless given. Shared by the browser fallback
/// and the server, which re-encodes every upload.
pub fn decode_upright(
    bytes: &[u8],
    format: Option<ImageFormat>,
    min_short_side: u32,
) -> Result<DynamicImage, DecodeError> {
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
    reader.limits(limits);
    let limited = |e: ImageError| match e {
        ImageError::Limits(_) => DecodeError::TooManyPixels,
        _ => DecodeError::Unreadable,
    };
    let mut decoder = reader.into_decoder().map_err(limited)?;
    let (width, height) = decoder.dimensions();
    if width.min(height) < min_short_side {
        return Err(DecodeError::Thumbnail { width, height });
    }
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(limited)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// Scales the long side down to `side` (never up).
pub fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width().max(image.height()) <= side {
        image.clone()
    } else {
        image.resize(side, side, FilterType::Triangle)
    }
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
    let image = decode_upright(bytes, None, min_short_side)?;
    encode_jpeg(&fit(&image, max_side), quality).ok_or(DecodeError::Unreadable)
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
    use image::{ImageBuffer, Rgb};

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
}
