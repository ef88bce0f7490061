//! The server integration suite: the real router on a real port against a real database:
//! a fresh SQLite file per test, or a fresh PostgreSQL database per test when
//! `RUXUE_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).

mod access;
mod appointments;
mod audit_reads;
mod auth;
mod bad_input;
mod bureau;
mod claims;
mod cluster;
mod documents;
mod draw;
mod encryption;
mod followers;
mod health;
mod helpers;
mod home;
mod lifecycle;
mod list_races;
mod opening_day;
mod operations;
mod registrations;
mod registry;
mod review;
mod saves;
mod security;
mod sign_in_attacks;
mod upload_attacks;
