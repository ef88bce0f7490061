//! Domain types shared by the browser and the server. Each validates on construction and
//! explains its errors in Chinese and English.

pub mod admission;
pub mod coded;
pub mod credit_code;
pub mod dates;
pub mod follower;
pub mod materials;
pub mod merge;
pub mod name;
pub mod phone;
pub mod photo;
pub mod provenance;
pub mod registration;
pub mod resident_id;
pub mod review;
pub mod role;
pub mod sections;
pub mod subsystem;

pub use dates::{SchoolYear, format_date};
pub use name::{PersonName, PersonNameError};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use registration::RegistrationState;
pub use resident_id::{ResidentId, ResidentIdError, Sex};
pub use role::StaffRole;
pub use sections::{SectionData, SectionKind, SectionStatus};
pub use subsystem::{Subsystem, WindowState};
