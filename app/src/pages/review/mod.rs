//! The desktop side of review: the queue of a school's (or the bureau's) registrations
//! and a registration's review page.

mod detail;
mod queue;

pub use detail::ReviewDetailPage;
pub use queue::ReviewQueuePage;
