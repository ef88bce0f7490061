//! What a file's first bytes say it is: the only way the platform decides a photo's format,
//! on the phone (before sending) and on the server (before decoding), never from a name or
//! a header.

use crate::domain::coded::coded;

/// A photo format the platform accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    WebP,
}

impl PhotoFormat {
    /// Decides the format from the first bytes only.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else {
            None
        }
    }
}

coded! {
    /// The copies a document photo is kept in: the full photo, the reviewer's, the thumbnail.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PhotoSize {
        Full = "full",
        Review = "review",
        Thumb = "thumb",
    }
}
