//! Integration tests of the sandbox over real loopback HTTP: the REST API, the hosted page,
//! the control API, webhook delivery to a real receiver, faults and the binary.

mod api;
mod binary;
mod control;
mod create;
mod einvoices;
mod faults;
mod lan;
mod page;
mod refunds;
mod subscriptions;
mod support;
mod webhooks;
