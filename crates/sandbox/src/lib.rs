//! A faithful, stateful emulator of Recur (recur.tw) for development and tests.
//!
//! It serves Recur's REST API under `/v1` (checkout sessions, products, with Recur's auth,
//! errors and rate limit), a hosted checkout page at `/checkout/{id}` that takes the test cards,
//! signed webhooks with retries (payments, subscriptions and their renewals, refunds,
//! e-invoices, as recur-api.md §6 describes them), fault injection, quirks for the places
//! where Recur's material disagrees with itself, and a control API under `/_sandbox/` for
//! scripts and tests. See README.md for the routes and the differences from Recur.
//!
//! It is deliberately synchronous (tiny_http + threads + `reqwest::blocking`) and keeps
//! everything in memory: nothing survives a restart, and nothing here is meant to face the
//! internet. It binds 127.0.0.1; in the opt-in phone-test mode the hosted pages (only) also
//! listen on one LAN address.

mod api;
mod billing;
pub mod cards;
pub mod catalog;
mod config;
mod control;
mod control_billing;
mod delivery;
mod dice;
mod einvoice;
mod email;
mod error;
mod events;
mod html;
pub mod http;
mod ids;
mod listen;
mod order;
mod page;
mod payment;
mod refund;
mod server;
mod session;
mod shared;
mod shortcuts;
mod state;
mod subscription;
mod webhook;

pub use catalog::{BillingPeriod, Catalog, Product, ProductType};
pub use config::{EinvoiceMode, Faults, Quirks, SandboxConfig};
pub use delivery::DeliveryRecord;
pub use error::SandboxError;
pub use listen::guess_lan_address;
pub use server::Sandbox;
pub use shortcuts::Refused;
