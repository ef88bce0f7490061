pub mod audit;
pub mod auth;
pub mod crypto;
pub mod photos;
pub mod registry;
pub mod sealing;
pub mod security;
pub mod storage;
