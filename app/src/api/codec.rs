//! How server functions' results and errors travel: JSON, read in the browser as text
//! (`serde_json::from_str`), as the islands' props and the drafts kept on the phone are
//! read. `server_fn`'s own JSON encoding reads bytes (`from_slice`): serde_json's reader
//! is generic, and a bundle with both held two copies of the parser and of every type's
//! decoder read both ways (docs/first-load.md).

use leptos::serde_json;
use serde::{Serialize, de::DeserializeOwned};
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};

/// JSON, decoded from text.
pub struct TextJsonEncoding;

/// A server function's result (and its inputs, where given as `input`): JSON in a POST.
pub type JsonText = Post<TextJsonEncoding>;

impl ContentType for TextJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for TextJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| <serde_json::Error as serde::de::Error>::custom("not UTF-8"))?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_refuses_what_is_not_text() {
        let value = vec![("儿童姓名".to_owned(), 7_i32)];
        let bytes = TextJsonEncoding::encode(&value).expect("encode");
        let back: Vec<(String, i32)> = TextJsonEncoding::decode(bytes).expect("decode");
        assert_eq!(back, value);
        let broken = Bytes::from_static(b"[\"\xff\"]");
        assert!(<TextJsonEncoding as Decodes<Vec<String>>>::decode(broken).is_err());
    }
}
