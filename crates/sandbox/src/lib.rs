//! A faithful, stateful emulator of Recur (recur.tw) for development and tests.
//!
//! It serves Recur's REST API under `/v1` (checkout sessions, products, with Recur's auth,
//! errors and rate limit), a hosted checkout page at `/checkout/{id}` that takes the test cards,
//! signed webhooks with retries, fault injection, and a control API under `/_sandbox/` for
//! scripts and tests. See README.md for the routes and the differences from Recur.
//!
//! It is deliberately synchronous (tiny_http + threads + `reqwest::blocking`) and keeps
//! everything in memory: nothing survives a restart, and nothing here is meant to face the
//! internet (it binds 127.0.0.1 only).

mod api;
pub mod cards;
pub mod catalog;
mod config;
mod control;
mod delivery;
mod events;
mod html;
pub mod http;
mod ids;
mod page;
mod payment;
mod server;
mod session;
mod shortcuts;
mod state;
mod webhook;

pub use catalog::{BillingPeriod, Catalog, Product, ProductType};
pub use config::{Faults, SandboxConfig, SandboxError};
pub use delivery::DeliveryRecord;
pub use server::Sandbox;
pub use shortcuts::Refused;
