//! The listener's integration tests: one binary, real loopback HTTP, real SQLite in tempdirs,
//! the real sandbox.

mod bad_input;
mod concurrency;
mod lifecycle;
mod race;
mod sandbox_delivery;
mod support;
