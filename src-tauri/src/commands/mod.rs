//! The commands the UI invokes: one-line adapters that take the state, call one core function
//! and convert the result to DTOs and the error to a [`crate::dto::CommandError`].
//!
//! Every command is `async`, so none runs on the window's main thread. The list here is also
//! the list in `src-tauri/build.rs` (ACL permissions) and in the capabilities.

pub mod display;
pub mod manager;
pub mod owner;
pub mod printing;
pub mod review;
pub mod sale;
pub mod settings;
pub mod shop;
