//! The rules' suite on a SQLite file.

crate::suite!(crate::support::file_ledger);
