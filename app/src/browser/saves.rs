//! The section saves of this browser tab, kept outside any page so that a save outlives the
//! page that started it: a page left within two seconds of typing (the back button) still
//! sends its last answers, after the save already on its way, and the next page reads the
//! registration only once every save has been answered.

use std::collections::BTreeMap;

use crate::domain::SectionData;

/// Where one section's saves stand in this tab.
#[derive(Clone, Debug, Default)]
pub struct Book {
    /// The section's version the server last confirmed to this tab.
    pub version: i64,
    /// The answers as the server holds them at `version`: what a save's changes are
    /// measured against.
    pub base: SectionData,
    /// A save is on its way.
    pub in_flight: bool,
    /// The answers a page held when it was left while a save was on its way: sent next.
    pub left: Option<(SectionData, BTreeMap<String, String>)>,
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::{Cell, RefCell};

    use futures_channel::oneshot;

    use super::Book;

    thread_local! {
        // One book for each section opened in this tab (a few dozen at most): a list, which
        // spares the page's code a hash map and its hasher.
        static BOOKS: RefCell<Vec<((i32, &'static str), Book)>> = const { RefCell::new(Vec::new()) };
        static PENDING: Cell<usize> = const { Cell::new(0) };
        static WAITERS: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
    }

    pub fn open(
        registration_id: i32,
        section: &'static str,
        version: i64,
        base: super::SectionData,
    ) {
        BOOKS.with_borrow_mut(|books| {
            let book = entry(books, (registration_id, section));
            // A save still on its way (the page was read before it finished) will bring the
            // newer version; keep its bookkeeping.
            if !book.in_flight {
                *book = Book {
                    version,
                    base,
                    in_flight: false,
                    left: None,
                };
            }
        });
    }

    pub fn with<R>(
        registration_id: i32,
        section: &'static str,
        f: impl FnOnce(&mut Book) -> R,
    ) -> R {
        BOOKS.with_borrow_mut(|books| f(entry(books, (registration_id, section))))
    }

    /// The book of section `key`, a new one if it has none yet.
    fn entry<'a>(
        books: &'a mut Vec<((i32, &'static str), Book)>,
        key: (i32, &'static str),
    ) -> &'a mut Book {
        let at = match books.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                books.push((key, Book::default()));
                books.len() - 1
            }
        };
        &mut books[at].1
    }

    /// Counts a request that changes a registration until the guard is dropped.
    pub struct Pending(());

    pub fn begin() -> Pending {
        PENDING.set(PENDING.get() + 1);
        Pending(())
    }

    impl Drop for Pending {
        fn drop(&mut self) {
            let left = PENDING.get().saturating_sub(1);
            PENDING.set(left);
            if left == 0 {
                for waiter in WAITERS.take() {
                    let _ = waiter.send(());
                }
            }
        }
    }

    pub async fn settled() {
        if PENDING.get() == 0 {
            return;
        }
        let (sender, receiver) = oneshot::channel();
        WAITERS.with_borrow_mut(|w| w.push(sender));
        let _ = receiver.await;
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::Book;

    pub fn open(_: i32, _: &'static str, _: i64, _: super::SectionData) {}

    pub fn with<R>(_: i32, _: &'static str, f: impl FnOnce(&mut Book) -> R) -> R {
        f(&mut Book::default())
    }

    pub struct Pending(());

    pub fn begin() -> Pending {
        Pending(())
    }

    pub async fn settled() {}
}

/// Starts a section's book from what a page read from the server.
pub fn open(registration_id: i32, section: &'static str, version: i64, base: SectionData) {
    imp::open(registration_id, section, version, base);
}

/// Reads or changes a section's book.
pub fn with<R>(registration_id: i32, section: &'static str, f: impl FnOnce(&mut Book) -> R) -> R {
    imp::with(registration_id, section, f)
}

pub use imp::Pending;

/// Marks a save as on its way until the returned guard is dropped.
pub fn begin() -> Pending {
    imp::begin()
}

/// Waits until no save of this tab is on its way (at once on the server).
pub async fn settled() {
    imp::settled().await;
}
