//! The listener's integration tests: one binary, real loopback HTTP, real SQLite in tempdirs,
//! the real sandbox.

mod bad_input;
mod bodies;
mod concurrency;
mod hooks;
mod in_process;
mod lifecycle;
mod load;
mod pressure;
mod race;
mod random_input;
mod sandbox_delivery;
mod support;
