//! The rules' suite on a fresh PostgreSQL database each (the shop's shared ledger).

crate::suite!(crate::support::pg_ledger);
