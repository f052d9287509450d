//! Integration tests of the sandbox over real loopback HTTP: the REST API, the hosted page,
//! the control API, webhook delivery to a real receiver, faults and the binary.

mod api;
mod binary;
mod control;
mod create;
mod faults;
mod page;
mod support;
mod webhooks;
