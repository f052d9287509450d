//! The ledger's SQL on two engines: SQLite (rusqlite, the one counter's file) and PostgreSQL
//! (the `postgres` crate, the ledger several counters and a hub share).
//!
//! Every rule of the ledger is written once, against [`Db`] — one open transaction on either
//! engine — with statements in the subset both engines read the same way. What differs is
//! isolated here and in the few places that ask [`Db::dialect`] (the text search, the schema's
//! version, backups):
//! - placeholders: the ledger writes SQLite's `?1`/`?`; [`translate`] numbers them `$1` for
//!   PostgreSQL;
//! - a short table of whole fragments ([`PG_FRAGMENTS`]), written out on both sides;
//! - values: SQLite is dynamically typed, PostgreSQL strict. [`Value`] is encoded as the type
//!   PostgreSQL inferred for the parameter, and a column is read through [`Column`] from whatever
//!   integer, text or numeric type PostgreSQL returns (a `sum` of `BIGINT` is `NUMERIC`).
//!
//! Written by hand because no kept crate does this at the size we need: sqlx and diesel would
//! replace rusqlite everywhere (and sqlx's SQLite is async-only), sea-query would move ~150
//! reviewed statements into a builder. This module is small, and its translation is a pure
//! function with tests. Not here: connecting, pooling or transactions (`db`, `pg`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;

use postgres_types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

/// Which engine a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A failure of either engine, or of reading a column.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("the query returned no rows")]
    NoRows,
    #[error("{0}")]
    Failed(String),
    #[error("column {index}: {message}")]
    Column { index: usize, message: String },
}

/// A PostgreSQL error with the server's own words (the driver's `Display` alone says only "db
/// error").
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl SqlError {
    /// A column holding what the ledger cannot read (a corrupt or foreign row).
    pub(crate) fn column(index: usize, message: impl Into<String>) -> SqlError {
        SqlError::Column {
            index,
            message: message.into(),
        }
    }

    /// PostgreSQL's SQLSTATE, when the server answered with an error.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            SqlError::Postgres(e) => e.code().map(|c| c.code()),
            _ => None,
        }
    }

    /// The connection itself failed (the server went away, the network broke): the handle
    /// must be opened again rather than reused. The server shutting down or restarting ends
    /// sessions with an error of class 57P ("operator intervention": admin shutdown, crash
    /// shutdown, cannot connect now) before the socket closes: that is the server going away.
    pub fn connection_lost(&self) -> bool {
        match self {
            SqlError::Postgres(e) => {
                e.is_closed()
                    || (e.as_db_error().is_none() && e.code().is_none())
                    || e.code().is_some_and(|c| c.code().starts_with("57P"))
            }
            _ => false,
        }
    }
}

pub(crate) type SqlResult<T> = Result<T, SqlError>;

/// `.optional()`: no row is `None`, as rusqlite's `OptionalExtension`.
pub(crate) trait Optional<T> {
    fn optional(self) -> SqlResult<Option<T>>;
}

impl<T> Optional<T> for SqlResult<T> {
    fn optional(self) -> SqlResult<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(SqlError::NoRows) | Err(SqlError::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A bound value. Money and times are `Int`; flags are `Int` 0/1 as SQLite keeps them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Blob(Vec<u8>),
}

/// What [`args!`] accepts.
pub(crate) trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_value!(i64, i32, u32, u16, u8, u64, usize);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// The values of one statement: `args![a, b]`, an array of one kind, a `Vec` or `()`.
pub(crate) trait Params {
    fn into_values(self) -> Vec<Value>;
}
impl Params for () {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}
impl Params for &[Value] {
    fn into_values(self) -> Vec<Value> {
        self.to_vec()
    }
}
impl Params for &Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self.clone()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// The values of a statement, of mixed types: `args![id.as_str(), amount, now.unix_ms()]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::sql::ToValue::to_value(&$value)),*]
    };
}
pub(crate) use args;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// Encoded as whatever PostgreSQL inferred for the parameter: an integer bound where a boolean
/// is wanted is that flag, a number where text is wanted is its digits.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        let int = |v: &Value| -> Result<i64, BoxError> {
            match v {
                Value::Int(i) => Ok(*i),
                Value::Bool(b) => Ok(i64::from(*b)),
                Value::Real(r) => Ok(*r as i64),
                Value::Text(t) => t.parse().map_err(|_| format!("{t:?} is not an integer").into()),
                Value::Blob(_) | Value::Null => Err("a blob is not an integer".into()),
            }
        };
        let text = |v: &Value| -> Result<String, BoxError> {
            match v {
                Value::Text(t) => Ok(t.clone()),
                Value::Int(i) => Ok(i.to_string()),
                Value::Real(r) => Ok(r.to_string()),
                Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
                Value::Blob(b) => String::from_utf8(b.clone()).map_err(Into::into),
                Value::Null => Err("null".into()),
            }
        };
        if *self == Value::Null {
            return Ok(IsNull::Yes);
        }
        match *ty {
            Type::INT8 => int(self)?.to_sql(ty, out),
            Type::INT4 => i32::try_from(int(self)?)?.to_sql(ty, out),
            Type::INT2 => i16::try_from(int(self)?)?.to_sql(ty, out),
            Type::BOOL => (int(self)? != 0).to_sql(ty, out),
            Type::FLOAT8 => match self {
                Value::Real(r) => r.to_sql(ty, out),
                other => (int(other)? as f64).to_sql(ty, out),
            },
            Type::FLOAT4 => match self {
                Value::Real(r) => (*r as f32).to_sql(ty, out),
                other => (int(other)? as f32).to_sql(ty, out),
            },
            Type::NUMERIC => numeric_to_sql(int(self)?, out),
            Type::BYTEA => match self {
                Value::Blob(b) => b.to_sql(ty, out),
                other => text(other)?.into_bytes().to_sql(ty, out),
            },
            Type::JSONB => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(text(self)?.as_bytes());
                Ok(IsNull::No)
            }
            _ => {
                out.extend_from_slice(text(self)?.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// An integer as PostgreSQL's binary NUMERIC: base-10000 digits, most significant first.
fn numeric_to_sql(value: i64, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
    let mut rest = value.unsigned_abs();
    let mut digits = Vec::new();
    while rest > 0 {
        digits.push((rest % 10_000) as i16);
        rest /= 10_000;
    }
    digits.reverse();
    let weight = digits.len() as i16 - 1;
    out.extend_from_slice(&(digits.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.max(0).to_be_bytes());
    out.extend_from_slice(&(if value < 0 { 0x4000u16 } else { 0 }).to_be_bytes());
    out.extend_from_slice(&0i16.to_be_bytes());
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
    Ok(IsNull::No)
}

/// A PostgreSQL value of any type the ledger reads, before it becomes a Rust one.
pub(crate) enum Scalar {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl<'a> FromSql<'a> for Scalar {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(match *ty {
            Type::INT8 => Scalar::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Scalar::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Scalar::Int(i16::from_sql(ty, raw)?.into()),
            Type::OID => Scalar::Int(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Scalar::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Scalar::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Scalar::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric_from_sql(raw)?,
            Type::BYTEA => Scalar::Blob(raw.to_vec()),
            Type::JSONB => Scalar::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?.to_owned()),
            _ => Scalar::Text(std::str::from_utf8(raw)?.to_owned()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Scalar::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// NUMERIC (what `sum` of `BIGINT` returns): an integer when it has no fraction, else a real.
fn numeric_from_sql(raw: &[u8]) -> Result<Scalar, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        let bytes = raw.get(i * 2..i * 2 + 2).ok_or("a short NUMERIC")?;
        Ok(i16::from_be_bytes([bytes[0], bytes[1]]))
    };
    let (count, weight, sign) = (word(0)? as usize, word(1)?, word(2)? as u16);
    if sign == 0xC000 {
        return Ok(Scalar::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut fraction = 0f64;
    for i in 0..count {
        let digit = i128::from(word(4 + i)?);
        let power = i32::from(weight) - i as i32;
        if power >= 0 {
            whole += digit * 10_000i128.pow(power as u32);
        } else {
            fraction += digit as f64 * 10_000f64.powi(power);
        }
    }
    let negative = sign == 0x4000;
    if fraction == 0.0 {
        let whole = if negative { -whole } else { whole };
        return Ok(Scalar::Int(i64::try_from(whole)?));
    }
    let value = whole as f64 + fraction;
    Ok(Scalar::Real(if negative { -value } else { value }))
}

/// A Rust type a column is read as, from either engine.
pub(crate) trait Column: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self>;
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self>;
}

macro_rules! int_column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
                Ok(row.get(index)?)
            }
            fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
                match value {
                    Scalar::Int(i) => <$t>::try_from(i).map_err(|e| SqlError::column(index, e.to_string())),
                    Scalar::Null => Err(SqlError::column(index, "null where a number is needed")),
                    _ => Err(SqlError::column(index, "not an integer")),
                }
            }
        }
    )*};
}
int_column!(i64, i32, u32, u64, usize, u8);

impl Column for bool {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
        Ok(row.get(index)?)
    }
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
        i64::from_scalar(value, index).map(|i| i != 0)
    }
}

impl Column for f64 {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
        Ok(row.get(index)?)
    }
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
        match value {
            Scalar::Real(r) => Ok(r),
            Scalar::Int(i) => Ok(i as f64),
            _ => Err(SqlError::column(index, "not a number")),
        }
    }
}

impl Column for String {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
        Ok(row.get(index)?)
    }
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
        match value {
            Scalar::Text(t) => Ok(t),
            Scalar::Null => Err(SqlError::column(index, "null where text is needed")),
            _ => Err(SqlError::column(index, "not text")),
        }
    }
}

impl Column for Vec<u8> {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
        Ok(row.get(index)?)
    }
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
        match value {
            Scalar::Blob(b) => Ok(b),
            Scalar::Text(t) => Ok(t.into_bytes()),
            _ => Err(SqlError::column(index, "not bytes")),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> SqlResult<Self> {
        match row.get_ref(index)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            _ => T::from_sqlite(row, index).map(Some),
        }
    }
    fn from_scalar(value: Scalar, index: usize) -> SqlResult<Self> {
        match value {
            Scalar::Null => Ok(None),
            other => T::from_scalar(other, index).map(Some),
        }
    }
}

/// One row of a result, from either engine.
pub(crate) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    pub(crate) fn get<T: Column>(&self, index: usize) -> SqlResult<T> {
        match self {
            Row::Sqlite(row) => T::from_sqlite(row, index),
            Row::Postgres(row) => T::from_scalar(row.try_get::<_, Scalar>(index)?, index),
        }
    }
}

/// A PostgreSQL connection with its prepared statements (each text translated and planned once
/// per connection, as SQLite's statement cache does).
pub(crate) struct PgConn {
    pub(crate) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

/// Statements kept per PostgreSQL connection; the ledger's texts are a bounded set.
const PG_STATEMENTS: usize = 512;

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    /// A transaction on this connection, as a [`Db`].
    pub(crate) fn begin(&mut self, read_only: bool) -> SqlResult<Db<'_>> {
        let PgConn { client, statements } = self;
        let tx = if read_only {
            client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?
        } else {
            client.transaction()?
        };
        Ok(Db::Postgres(PgTx {
            tx: RefCell::new(Some(tx)),
            statements: RefCell::new(statements),
        }))
    }
}

/// An open PostgreSQL transaction and its connection's statements.
pub(crate) struct PgTx<'a> {
    tx: RefCell<Option<postgres::Transaction<'a>>>,
    statements: RefCell<&'a mut HashMap<String, postgres::Statement>>,
}

/// One open transaction (or, for SQLite's readers, one connection) on either engine: what every
/// ledger rule runs its statements through.
pub(crate) enum Db<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(PgTx<'a>),
}

impl Db<'_> {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement; the count of rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: impl Params) -> SqlResult<usize> {
        let values = params.into_values();
        match self {
            Db::Sqlite(conn) => Ok(conn
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter()))?),
            Db::Postgres(pg) => pg.with(sql, |tx, statement| Ok(tx.execute(statement, &refs(&values))? as usize)),
        }
    }

    /// The first row of a query, through `f`; [`SqlError::NoRows`] when there is none.
    pub(crate) fn row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let values = params.into_values();
        match self {
            Db::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(row) => f(&Row::Sqlite(row)),
                    None => Err(SqlError::NoRows),
                }
            }
            Db::Postgres(pg) => {
                let row = pg.with(sql, |tx, statement| Ok(tx.query_opt(statement, &refs(&values))?))?;
                match row {
                    Some(row) => f(&Row::Postgres(&row)),
                    None => Err(SqlError::NoRows),
                }
            }
        }
    }

    /// Every row of a query, through `f`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, params, |row| {
            out.push(f(row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The rows of a query one at a time, as they arrive (an export of a million rows never
    /// holds them all); `f` returns false to stop. Returns how many were handed over.
    pub(crate) fn each(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> SqlResult<bool>,
    ) -> SqlResult<u64> {
        let values = params.into_values();
        let mut handed = 0;
        match self {
            Db::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                while let Some(row) = rows.next()? {
                    handed += 1;
                    if !f(&Row::Sqlite(row))? {
                        break;
                    }
                }
            }
            Db::Postgres(pg) => pg.with(sql, |tx, statement| {
                use postgres::fallible_iterator::FallibleIterator;
                let mut rows = tx.query_raw(statement, values.iter())?;
                while let Some(row) = rows.next()? {
                    handed += 1;
                    if !f(&Row::Postgres(&row))? {
                        break;
                    }
                }
                Ok(())
            })?,
        }
        Ok(handed)
    }

    /// Several statements without parameters (savepoints, schema).
    pub(crate) fn batch(&self, sql: &str) -> SqlResult<()> {
        match self {
            Db::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Db::Postgres(pg) => {
                let mut tx = pg.tx.borrow_mut();
                let tx = tx.as_mut().ok_or(SqlError::NoRows)?;
                Ok(tx.batch_execute(&translate(sql))?)
            }
        }
    }

    /// Commits a PostgreSQL transaction (SQLite's are committed by their owner, `db`).
    pub(crate) fn commit(self) -> SqlResult<()> {
        match self {
            Db::Sqlite(_) => Ok(()),
            Db::Postgres(pg) => match pg.tx.into_inner() {
                Some(tx) => Ok(tx.commit()?),
                None => Ok(()),
            },
        }
    }
}

fn refs(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl PgTx<'_> {
    /// Runs `work` with the transaction and the prepared form of `sql`.
    fn with<T>(
        &self,
        sql: &str,
        work: impl FnOnce(&mut postgres::Transaction<'_>, &postgres::Statement) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let mut tx = self.tx.borrow_mut();
        let tx = tx.as_mut().ok_or(SqlError::NoRows)?;
        let statement = {
            let mut statements = self.statements.borrow_mut();
            match statements.get(sql) {
                Some(statement) => statement.clone(),
                None => {
                    let text = translate(sql);
                    let statement = tx.prepare(&text).map_err(|e| {
                        // The statement's text is ours (never input): it names what to fix.
                        tracing::error!(sql = %text, error = %pg_message(&e), "PostgreSQL refused a ledger statement");
                        SqlError::from(e)
                    })?;
                    if statements.len() >= PG_STATEMENTS {
                        statements.clear();
                    }
                    statements.insert(sql.to_owned(), statement.clone());
                    statement
                }
            }
        };
        work(tx, &statement)
    }
}

/// Whole fragments the two engines spell differently: (SQLite, PostgreSQL). Everything else the
/// ledger writes reads the same on both.
pub(crate) const PG_FRAGMENTS: &[(&str, &str)] = &[
    (
        "json_group_array(json_array(a.code, json(a.params)))",
        "json_agg(json_build_array(a.code, a.params::json))::text",
    ),
    (
        "json_extract(figures, '$.net')",
        "CAST(figures::json ->> 'net' AS BIGINT)",
    ),
    // SQLite's LIKE ignores ASCII case; PostgreSQL's does not.
    (" LIKE ", " ILIKE "),
    ("INSERT OR IGNORE INTO", "INSERT INTO"),
    // SQLite's unary `+` keeps its planner off a column's index (the trend reads the covering
    // totals index instead); PostgreSQL has no `+` for text, and its planner needs no hint.
    ("AND +state IN", "AND state IN"),
];

/// SQLite's statement as PostgreSQL reads it: the fragments of [`PG_FRAGMENTS`], `INSERT OR
/// IGNORE` as `ON CONFLICT DO NOTHING`, and `?N`/`?` as `$N` (outside string literals).
pub(crate) fn translate(sql: &str) -> String {
    let mut text = sql.to_owned();
    let ignore = text.contains("INSERT OR IGNORE INTO");
    for (sqlite, postgres) in PG_FRAGMENTS {
        text = text.replace(sqlite, postgres);
    }
    if ignore {
        text = format!("{} ON CONFLICT DO NOTHING", text.trim_end().trim_end_matches(';'));
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut highest = 0u32;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else if c == '?' && !in_string {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            let n = if digits.is_empty() {
                highest + 1
            } else {
                digits.parse().unwrap_or(0)
            };
            highest = highest.max(n);
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_literals() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1 AND e = '?x'"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1 AND e = '?x'"
        );
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        assert_eq!(translate("WHERE a = ?3 AND b = ?"), "WHERE a = $3 AND b = $4");
    }

    #[test]
    fn fragments_and_insert_or_ignore() {
        assert_eq!(
            translate("INSERT OR IGNORE INTO n (a, b) VALUES (?1, ?2)"),
            "INSERT INTO n (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(translate("WHERE name LIKE ?1"), "WHERE name ILIKE $1");
    }

    #[test]
    fn numeric_round_trips_through_the_binary_format() {
        for value in [0i64, 1, -1, 9_999, 10_000, 123_456_789, -987_654_321_012, i64::MAX / 7] {
            let mut out = bytes::BytesMut::new();
            numeric_to_sql(value, &mut out).unwrap();
            match numeric_from_sql(&out).unwrap() {
                Scalar::Int(back) => assert_eq!(back, value),
                _ => panic!("{value} came back as something else"),
            }
        }
    }
}
