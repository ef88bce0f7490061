//! The server's photo pixels: SIMD resizing (`fast_image_resize`) and a SIMD JPEG encoder
//! (`jpeg-encoder`), both choosing AVX2 or SSE4.1 at run time. Not in the browser's
//! fallback (wasm), which keeps the `image` crate alone. Here rather than in the server so
//! that the generic code is compiled with this crate's optimisation, also in tests.

pub use fast_image_resize::{FilterType, Resizer};
use fast_image_resize::{
    PixelType, ResizeAlg, ResizeOptions,
    images::{Image, ImageRef},
};
use image::{DynamicImage, RgbImage};

use crate::Orientation;

/// Pixels that could not be scaled, turned or written (a bug or a corrupt decoder answer).
#[derive(Debug, PartialEq, Eq)]
pub struct Unreadable;

/// Decoded pixels, three bytes (RGB) each, row by row.
pub struct Pixels {
    pub rgb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Pixels {
    pub fn from_image(image: DynamicImage) -> Self {
        let rgb = image.into_rgb8();
        let (width, height) = rgb.dimensions();
        Self {
            rgb: rgb.into_raw(),
            width,
            height,
        }
    }

    /// The same pixels with their long side at most `side` (never larger): SIMD
    /// convolution with `filter`, straight from these pixels however large they are.
    pub fn fitted(
        &self,
        resizer: &mut Resizer,
        side: u32,
        filter: FilterType,
    ) -> Result<Self, Unreadable> {
        let long = self.width.max(self.height);
        if long <= side {
            return Ok(Self {
                rgb: self.rgb.clone(),
                width: self.width,
                height: self.height,
            });
        }
        let scale = |n: u32| {
            u32::try_from((u64::from(n) * u64::from(side) + u64::from(long) / 2) / u64::from(long))
                .unwrap_or(side)
                .clamp(1, side)
        };
        let (width, height) = (scale(self.width), scale(self.height));
        let source = ImageRef::new(self.width, self.height, &self.rgb, PixelType::U8x3)
            .map_err(|_| Unreadable)?;
        let mut target = Image::new(width, height, PixelType::U8x3);
        resizer
            .resize(
                &source,
                &mut target,
                &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
            )
            .map_err(|_| Unreadable)?;
        Ok(Self {
            rgb: target.into_vec(),
            width,
            height,
        })
    }

    /// Turned upright as the camera recorded (applied to the scaled copies: cheaper).
    pub fn upright(self, orientation: Option<Orientation>) -> Result<Self, Unreadable> {
        let Some(orientation) = orientation else {
            return Ok(self);
        };
        let buffer = RgbImage::from_raw(self.width, self.height, self.rgb).ok_or(Unreadable)?;
        let mut image = DynamicImage::ImageRgb8(buffer);
        image.apply_orientation(orientation);
        Ok(Self::from_image(image))
    }

    /// A baseline JPEG (4:2:0, no metadata: nothing but pixels is written).
    pub fn jpeg(&self, quality: u8) -> Result<Vec<u8>, Unreadable> {
        let width = u16::try_from(self.width).map_err(|_| Unreadable)?;
        let height = u16::try_from(self.height).map_err(|_| Unreadable)?;
        let mut out = Vec::with_capacity(self.rgb.len() / 10);
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder
            .encode(&self.rgb, width, height, jpeg_encoder::ColorType::Rgb)
            .map_err(|_| Unreadable)?;
        Ok(out)
    }
}
