//! Database tables, one module each (sea-orm entities).

pub mod admission_decision;
pub mod audit_log;
pub mod auth_session;
pub mod bureau;
pub mod catchment;
pub mod collection_window;
pub mod document_photo;
pub mod entry;
pub mod entry_school;
pub mod material_rule;
pub mod notice;
pub mod outbox;
pub mod parent_account;
pub mod parent_message;
pub mod publication;
pub mod registration;
pub mod registration_point;
pub mod registration_section;
pub mod registry_consent;
pub mod registry_lookup;
pub mod review_event;
pub mod school;
pub mod school_capacity;
pub mod sign_in_failure;
pub mod staff_account;
pub mod used_host_token;
