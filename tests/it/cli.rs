//! The headless CLI end to end against a real sandbox.
