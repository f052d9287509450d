//! The client's one integration-test binary: the real client against the real sandbox (and a
//! scripted stub where exact attempt counts matter), all over loopback.

mod endpoints;
mod errors;
mod retries;
mod support;
