//! Typed paths: every address with a part that varies (a registration, a section, a photo)
//! that a page links to, a server function redirects to or the browser posts to, built in one
//! place so that a link cannot drift from the route it names. The routes themselves are in
//! [`crate::App`] (pages) and the server's router (photos, uploads, exports).

use crate::{
    api::review::QueueQuery,
    domain::{SectionKind, photo::PhotoSize, provenance::Document},
    i18n::Locale,
};

/// A registration's task list.
pub fn registration(id: i32) -> String {
    format!("/registrations/{id}")
}

/// A registration's page, at its on-site appointment panel.
pub fn appointment_panel(id: i32) -> String {
    format!("/registrations/{id}#appointment-heading")
}

/// A draw's public page.
pub fn draw(id: i32) -> String {
    format!("/draws/{id}")
}

/// A draw's record, to download and check (once it ran).
pub fn draw_record(id: i32) -> String {
    format!("/draws/{id}/record.json")
}

/// The question asked before an action on a registration that cannot be undone, a page
/// of its own.
pub fn ask(id: i32, action: Irreversible) -> String {
    format!("/registrations/{id}/{}", action.code())
}

/// What a parent is asked about before doing it ([`ask`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Irreversible {
    /// 删除报名.
    Delete,
    /// 提交修改: the changes the school asked for go back to it, locked.
    Resubmit,
    /// 放弃学位: the offered place goes to the next on the waiting list.
    Decline,
    /// 取消预约: the on-site time's place may go to another family meanwhile.
    CancelAppointment,
}

impl Irreversible {
    /// Its part of the address.
    pub fn code(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Resubmit => "resubmit",
            Self::Decline => "decline",
            Self::CancelAppointment => "cancel-appointment",
        }
    }

    /// The action named by an address's part.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Delete,
            Self::Resubmit,
            Self::Decline,
            Self::CancelAppointment,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }
}

/// One section's form.
pub fn section(id: i32, kind: SectionKind) -> String {
    format!("/registrations/{id}/sections/{}", kind.code())
}

/// One answer on its section's form; `from_confirm` brings the parent back to the check page
/// after saving.
pub fn section_field(id: i32, kind: SectionKind, field: &str, from_confirm: bool) -> String {
    let from = if from_confirm { "?from=confirm" } else { "" };
    format!("{}{from}#field-{field}", section(id, kind))
}

/// The documents page.
pub fn documents(id: i32) -> String {
    format!("/registrations/{id}/documents")
}

/// One document on the documents page.
pub fn document(id: i32, document: Document) -> String {
    format!("{}#document-{}", documents(id), document.code())
}

/// The check page, before submitting.
pub fn confirm(id: i32) -> String {
    format!("/registrations/{id}/confirm")
}

/// The receipt after submitting.
pub fn submitted(id: i32) -> String {
    format!("/registrations/{id}/submitted")
}

/// Where a document's photo is uploaded (`replaces`: the photo it takes the place of).
pub fn upload(id: i32, document: Document, replaces: Option<i32>) -> String {
    let path = format!("/api/registrations/{id}/documents/{}", document.code());
    match replaces {
        Some(photo) => format!("{path}?replaces={photo}"),
        None => path,
    }
}

/// One size of a document photo.
pub fn photo(photo_id: i32, size: PhotoSize) -> String {
    format!("/documents/{photo_id}/{}", size.code())
}

/// A registration's review page.
pub fn review(id: i32) -> String {
    format!("/review/{id}")
}

/// A registration's review page opened from a queue whose address parameters are `queue`
/// (its filters and order), which its "back" and "next" keep.
pub fn review_from(id: i32, queue: &str) -> String {
    if queue.is_empty() {
        review(id)
    } else {
        format!("/review/{id}?{queue}")
    }
}

/// The review queue with the address parameters `queue`.
pub fn queue(queue: &str) -> String {
    if queue.is_empty() {
        "/review".to_owned()
    } else {
        format!("/review?{queue}")
    }
}

/// The reviewer's list as an Excel file: the rows the queue's filters hold, in its order.
pub fn export(query: &QueueQuery) -> String {
    format!("/exports/registrations.xlsx?{}", query.parameters(None))
}

/// Where the bureau's help line is shown: the home page's footer.
pub const HELP_LINE: &str = "/#help-line";

/// A phone number as a link that dials it (the number as people write it, with spaces or
/// dashes, dialled as digits).
pub fn tel(number: &str) -> String {
    let digits: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

/// Switches the language and comes back.
pub fn language(locale: Locale) -> String {
    format!("/lang/{}", locale.tag())
}

/// Sets the text size without JavaScript, then returns to the page.
pub fn text_size(size: crate::display::TextSize) -> String {
    format!("/text/{}", size.tag())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_parts() {
        assert_eq!(
            section(7, SectionKind::Guardian),
            "/registrations/7/sections/guardian"
        );
        assert_eq!(
            section_field(7, SectionKind::Child, "child_name", true),
            "/registrations/7/sections/child?from=confirm#field-child_name"
        );
        assert_eq!(
            section_field(7, SectionKind::Child, "child_name", false),
            "/registrations/7/sections/child#field-child_name"
        );
        assert_eq!(
            upload(7, Document::HouseholdRegister, Some(3)),
            format!(
                "/api/registrations/7/documents/{}?replaces=3",
                Document::HouseholdRegister.code()
            )
        );
        assert_eq!(photo(3, PhotoSize::Review), "/documents/3/review");
        assert_eq!(tel("0532-8000 0000"), "tel:053280000000");
        assert_eq!(review_from(7, "filter=all"), "/review/7?filter=all");
        assert_eq!(review_from(7, ""), "/review/7");
        assert_eq!(queue("filter=all"), "/review?filter=all");
        assert_eq!(queue(""), "/review");
        assert_eq!(ask(7, Irreversible::Decline), "/registrations/7/decline");
        for action in [
            Irreversible::Delete,
            Irreversible::Resubmit,
            Irreversible::Decline,
            Irreversible::CancelAppointment,
        ] {
            assert_eq!(Irreversible::from_code(action.code()), Some(action));
        }
    }
}
