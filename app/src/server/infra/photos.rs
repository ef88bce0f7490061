//! Document photos from the network, trusted for nothing: the kind is decided from the
//! bytes (JPEG, PNG or WebP, never the name or header), the header's dimensions are held
//! to a pixel budget before anything is decoded, decoding has a hard memory limit and runs
//! on the processor's own few threads behind a semaphore, and what is kept is a JPEG
//! without metadata (EXIF with its GPS position is dropped) and its thumbnail; the
//! reviewer's copy is made from the kept JPEG when a reviewer first opens it (see
//! [`review_copy`]).

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use image::ImageFormat;
use photo_codec::{
    DecodeError, Orientation,
    pixels::{FilterType, Pixels, Resizer},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::server::infra::measure;

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
/// Bytes of uploads held in memory per photo worker, read or being read: about nine photos
/// of the usual 1.8 MB (a worker takes ~40 ms over one), or three of the largest. Counted by
/// bytes, not uploads: sixteen 5 MB photos per worker would have held 160 MB.
const UPLOAD_BYTES_HELD_PER_WORKER: usize = 16 * 1024 * 1024;
/// The unit in which those bytes are counted.
const UPLOAD_BYTES_UNIT: usize = 64 * 1024;

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

/// A photo as stored at upload: the full size and its thumbnail, with the full size's
/// dimensions.
#[derive(Clone, Debug)]
pub struct Processed {
    pub full: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Walks a JPEG from its start-of-image marker to its end-of-image marker, handing each
/// piece to `visit` with its marker: a standalone marker, a segment, or a scan's header
/// with its entropy-coded data (which runs to the next marker that is neither stuffing nor
/// a restart). Whether the end was reached with every piece whole and accepted by `visit`.
fn walk_jpeg(bytes: &[u8], mut visit: impl FnMut(u8, &[u8]) -> bool) -> bool {
    let len = bytes.len();
    if len < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return false;
    }
    let mut i = 2;
    loop {
        if i + 1 >= len || bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        let end = match marker {
            0xFF => {
                i += 1;
                continue;
            }
            0xD9 => return visit(marker, &bytes[i..i + 2]),
            0x01 | 0xD0..=0xD7 => i + 2,
            _ => {
                if i + 3 >= len {
                    return false;
                }
                let segment = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                let next = i + 2 + segment;
                if segment < 2 || next > len {
                    return false;
                }
                if marker == 0xDA {
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
                    j
                } else {
                    next
                }
            }
        };
        if !visit(marker, &bytes[i..end]) {
            return false;
        }
        i = end;
    }
}

/// Whether a JPEG's segments run whole from start to end-of-image marker. Decoders fill a
/// cut-off photo with grey rather than fail: such a photo is refused instead.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    walk_jpeg(bytes, |_, _| true)
}

/// The JPEG with only what draws its pixels: every application segment but Adobe's
/// (APP14, which says how the colours are coded) — EXIF with its GPS position, XMP, ICC,
/// maker notes — every comment, and anything after the end-of-image marker, removed;
/// the coded image itself untouched. `None` for anything it does not recognise and for
/// four-component (CMYK) photos: those are written afresh.
pub fn without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let whole = walk_jpeg(bytes, |marker, piece| {
        let keep = match marker {
            0xE0..=0xEF => marker == 0xEE,
            0xFE => false,
            // A frame header: its component count follows precision, height and width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if !matches!(piece.get(9), Some(1 | 3)) {
                    return false;
                }
                true
            }
            _ => true,
        };
        if keep {
            out.extend_from_slice(piece);
        }
        true
    });
    whole.then_some(out)
}

/// Checks, decodes and re-encodes a photo. Blocking: CPU work, ~55 ms for a phone's
/// 2560×1920 photo on a 2-core development machine, half of it decoding (measured with
/// `make bench-load`).
///
/// The pixel budget is checked on the header before any pixel is decoded. The photo is
/// decoded once (which also proves it whole); the full size is scaled from it when larger,
/// the thumbnail from the full size; the camera's orientation is applied to the scaled
/// copies; each is written by a SIMD JPEG encoder. The reviewer's copy is not made here:
/// on opening morning it would be half the work of every upload, for a copy first looked
/// at days later ([`review_copy`] makes it then, once).
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = PhotoFormat::sniff(bytes).ok_or(PhotoError::NotAPhoto)?;
    if format == PhotoFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Unreadable);
    }
    let (decoded, orientation) = decode(bytes, format)?;
    let unreadable = |_| PhotoError::Unreadable;
    // A phone's JPEG already upright and no larger than the full size (what the page
    // sends after compressing) is kept as coded, without its metadata: writing it afresh
    // would cost a third of the work and some of its quality. It was decoded whole above.
    let kept = (format == PhotoFormat::Jpeg
        && orientation.is_none()
        && decoded.width.max(decoded.height) <= FULL_SIDE)
        .then(|| without_metadata(bytes))
        .flatten();
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
    let thumb = full
        .fitted(&mut resizer, THUMB_SIDE, FilterType::CatmullRom)
        .map_err(unreadable)?
        .upright(orientation)
        .map_err(unreadable)?
        .jpeg(70)
        .map_err(unreadable)?;
    let (width, height, full) = match kept {
        Some(kept) => (full.width, full.height, kept),
        None => {
            let full = full.upright(orientation).map_err(unreadable)?;
            (full.width, full.height, full.jpeg(85).map_err(unreadable)?)
        }
    };
    Ok(Processed {
        width,
        height,
        full,
        thumb,
    })
}

/// Decodes within the codec's limits, with the orientation the camera recorded.
fn decode(bytes: &[u8], format: PhotoFormat) -> Result<(Pixels, Option<Orientation>), PhotoError> {
    let (decoded, orientation) =
        photo_codec::decode_checked(bytes, Some(image_format(format)), MIN_SHORT_SIDE).map_err(
            |e| match e {
                DecodeError::TooManyPixels => PhotoError::TooManyPixels,
                DecodeError::Unreadable => PhotoError::Unreadable,
                DecodeError::Thumbnail { width, height } => PhotoError::TooSmall { width, height },
            },
        )?;
    Ok((Pixels::from_image(decoded), orientation))
}

/// The reviewer's copy (long side 1600) of a stored full size, which is upright already.
/// Blocking, like [`process`]; the stored JPEG is still decoded within the codec's limits.
pub fn review_copy(full: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let format = PhotoFormat::sniff(full).ok_or(PhotoError::NotAPhoto)?;
    let (decoded, _) = decode(full, format)?;
    decoded
        .fitted(&mut Resizer::new(), REVIEW_SIDE, FilterType::Lanczos3)
        .and_then(|review| review.jpeg(80))
        .map_err(|_| PhotoError::Unreadable)
}

/// What one parent may keep and send, and how long a replaced or removed photo stays.
///
/// The rate is counted in the database ([`crate::server::services::documents`]), not in the memory of
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

/// Runs [`process`] on threads of its own, as many as photos are processed at once, so that
/// a burst of uploads can take neither all memory nor all threads. Carries the
/// [`UploadPolicy`] the upload route applies before it hands a photo over.
#[derive(Clone, Debug)]
pub struct PhotoProcessor {
    permits: Arc<Semaphore>,
    workers: PhotoWorkers,
    /// Room for the bytes of uploads held in memory at once (waiting for a worker or being
    /// read), in [`UPLOAD_BYTES_UNIT`]s: a crowd's photos wait in the network, not in the
    /// server's memory.
    bodies: Arc<Semaphore>,
    /// All of that room, in units.
    body_units: u32,
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
        let at_once = at_once.max(1);
        let body_units = u32::try_from(at_once * UPLOAD_BYTES_HELD_PER_WORKER / UPLOAD_BYTES_UNIT)
            .unwrap_or(u32::MAX);
        Self {
            permits: Arc::new(Semaphore::new(at_once)),
            workers: PhotoWorkers::start(at_once),
            bodies: Arc::new(Semaphore::new(body_units as usize)),
            body_units,
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

    /// Room to read an upload of `bytes` (what its `Content-Length` announces, or the most
    /// it may be) into memory, held until the photo is processed; none after waiting as long
    /// as a photo may wait for a worker (the upload is then answered "busy, try again").
    /// Uploads get their room in the order they asked.
    pub async fn room_for_upload(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let units = u32::try_from(bytes.div_ceil(UPLOAD_BYTES_UNIT))
            .unwrap_or(u32::MAX)
            .clamp(1, self.body_units);
        tokio::time::timeout(self.wait, self.bodies.clone().acquire_many_owned(units))
            .await
            .ok()?
            .ok()
    }

    pub async fn process(&self, bytes: Vec<u8>) -> Result<Processed, PhotoError> {
        self.on_worker(move || process(&bytes)).await
    }

    /// [`review_copy`] on a photo worker, in turn with uploads.
    pub async fn review_copy(&self, full: Vec<u8>) -> Result<Vec<u8>, PhotoError> {
        self.on_worker(move || review_copy(&full)).await
    }

    async fn on_worker<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PhotoError> + Send + 'static,
    ) -> Result<T, PhotoError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| PhotoError::Busy)?
            .map_err(|_| PhotoError::Busy)?;
        let (answer, answered) = oneshot::channel();
        self.workers.run(Box::new(move || {
            let _permit = permit;
            measure::photo_workers_busy(1.0);
            let started = std::time::Instant::now();
            // A photo that panics a codec is unreadable; the thread goes on.
            let done = std::panic::catch_unwind(AssertUnwindSafe(work))
                .unwrap_or(Err(PhotoError::Unreadable));
            measure::photo_processed(started.elapsed());
            measure::photo_workers_busy(-1.0);
            // The upload may have gone (its client left): nothing to answer then.
            let _ = answer.send(done);
        }));
        // No answer: the photo threads are gone.
        answered.await.map_err(|_| PhotoError::Unreadable)?
    }
}

type PhotoJob = Box<dyn FnOnce() + Send>;

/// The photo threads: a fixed few, living as long as the processor. A photo's buffers (a
/// 2560×1920 decode is 14.7 MB) are allocated and freed on the same threads photo after
/// photo, so the allocator reuses them; on tokio's blocking pool each photo could land on
/// another of dozens of threads, each keeping the memory of the last photo it decoded.
#[derive(Clone, Debug)]
struct PhotoWorkers {
    jobs: mpsc::Sender<PhotoJob>,
}

impl PhotoWorkers {
    fn start(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<PhotoJob>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("photo-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        // Every sender gone: the processor was dropped. (A job catches its
                        // codec's panics itself: see `on_worker`.)
                        let Ok(job) = job else { return };
                        job();
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "a photo thread could not start");
            }
        }
        Self { jobs }
    }

    fn run(&self, job: PhotoJob) {
        if self.jobs.send(job).is_err() {
            tracing::error!("the photo threads are gone");
        }
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

    #[tokio::test]
    async fn a_photo_that_panics_the_codec_is_refused_and_its_thread_goes_on() {
        let processor = PhotoProcessor::new(1, Duration::from_secs(5));
        let failed: Result<(), PhotoError> = processor
            .on_worker(|| panic!("a codec bug on a hostile photo"))
            .await;
        assert_eq!(failed, Err(PhotoError::Unreadable));
        // The only thread is still there: the next photo is processed.
        let processed = processor.process(jpeg(1200, 900)).await.expect("processed");
        assert_eq!((processed.width, processed.height), (1200, 900));
        let on = std::thread::current().id();
        let ran_on = processor
            .on_worker(move || Ok(std::thread::current().id()))
            .await
            .expect("ran");
        assert_ne!(ran_on, on, "photos are processed off the async runtime");
    }

    #[tokio::test]
    async fn uploads_are_held_by_their_bytes_not_their_count() {
        const MB: usize = 1024 * 1024;
        // One worker: 16 MB of uploads at once.
        let processor = PhotoProcessor::new(1, Duration::from_millis(50));
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(processor.room_for_upload(5 * MB).await.expect("room"));
        }
        // 15 MB held: a fourth large photo waits, and is told to come back.
        assert!(processor.room_for_upload(5 * MB).await.is_none());
        // A small one fits in what is left.
        let small = processor.room_for_upload(900 * 1024).await.expect("room");
        assert!(processor.room_for_upload(200 * 1024).await.is_none());
        // A processed photo frees its bytes for the next.
        held.pop();
        drop(small);
        assert!(processor.room_for_upload(5 * MB).await.is_some());
        // More than all the room asks for all of it, and gets it once the room is empty.
        held.clear();
        assert!(processor.room_for_upload(usize::MAX).await.is_some());
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
    fn a_phone_jpeg_is_kept_as_coded_without_its_metadata_comments_or_trailing_bytes() {
        let clean = jpeg(1600, 1200);
        // EXIF with a GPS position after SOI, a comment, and a page after the image.
        let exif = b"Exif\0\0GPSLatitude 36.06N GPSLongitude 120.38E";
        let mut tagged = vec![0xFF, 0xD8, 0xFF, 0xE1];
        tagged.extend_from_slice(&u16::try_from(exif.len() + 2).expect("fits").to_be_bytes());
        tagged.extend_from_slice(exif);
        let comment = b"<script>alert(1)</script>";
        tagged.extend_from_slice(&[0xFF, 0xFE]);
        tagged.extend_from_slice(
            &u16::try_from(comment.len() + 2)
                .expect("fits")
                .to_be_bytes(),
        );
        tagged.extend_from_slice(comment);
        tagged.extend_from_slice(&clean[2..]);
        tagged.extend_from_slice(b"<html>after the end</html>");
        let processed = process(&tagged).expect("a photo");
        let contains = |needle: &[u8]| processed.full.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(b"GPS") && !contains(b"Exif") && !contains(b"<script>"));
        assert!(!contains(b"<html>"));
        assert!(processed.full.ends_with(&[0xFF, 0xD9]));
        let decoded = image::load_from_memory(&processed.full).expect("still a JPEG");
        assert_eq!((decoded.width(), decoded.height()), (1600, 1200));
        assert_eq!((processed.width, processed.height), (1600, 1200));
        // The coded image itself is untouched (only the JFIF header segment went).
        let scan = |b: &[u8]| {
            b.windows(2)
                .position(|w| w == [0xFF, 0xDA])
                .map(|p| b[p..].to_vec())
        };
        assert_eq!(scan(&processed.full), scan(&clean));
        // Not a JPEG as expected (four components, cut off): nothing is kept as coded.
        assert_eq!(without_metadata(&clean[..clean.len() / 2]), None);
        assert_eq!(without_metadata(b"GIF89a"), None);
    }

    #[test]
    fn a_photo_is_scaled_to_its_sizes_and_a_thumbnail_is_refused() {
        let processed = process(&jpeg(3000, 2000)).expect("a photo");
        assert_eq!((processed.width, processed.height), (2560, 1707));
        let side = |bytes: &[u8]| {
            let image = image::load_from_memory(bytes).expect("a JPEG");
            (image.width(), image.height())
        };
        assert_eq!(side(&processed.full), (2560, 1707));
        assert_eq!(side(&processed.thumb), (320, 213));
        let review = review_copy(&processed.full).expect("the reviewer's copy");
        assert_eq!(side(&review), (1600, 1067));
        assert_eq!(
            review_copy(b"not a photo").err(),
            Some(PhotoError::NotAPhoto)
        );
        assert_eq!(
            process(&jpeg(640, 480)).err(),
            Some(PhotoError::TooSmall {
                width: 640,
                height: 480
            })
        );
    }
}
