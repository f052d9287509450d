//! A tolerant reader over one JSON object: every name is looked up in snake_case and in
//! camelCase, `null` counts as absent, and amounts may be numbers or numeric strings.
//!
//! Not here: which fields an object has (see [`crate::model`]).

use recur_domain::{Money, Timestamp};
use serde_json::{Map, Value};

/// Why a present field could not be read; becomes `RecurError::Undecodable`.
pub(crate) type FieldError = String;

#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    pub(crate) fn of(value: &'a Value) -> Option<Self> {
        value.as_object().map(Fields)
    }

    /// The first non-null value among `names` (snake_case; camelCase also tried).
    pub(crate) fn get(&self, names: &[&str]) -> Option<&'a Value> {
        let present = |key: &str| self.0.get(key).filter(|v| !v.is_null());
        names
            .iter()
            .find_map(|name| present(name).or_else(|| present(&camel_case(name))))
    }

    /// A string field; numbers are accepted and written out (ids sometimes arrive as numbers).
    pub(crate) fn string(&self, names: &[&str]) -> Result<Option<String>, FieldError> {
        match self.get(names) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!("{} is not a string: {other}", names[0])),
        }
    }

    pub(crate) fn required_string(&self, names: &[&str]) -> Result<String, FieldError> {
        self.string(names)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{} is missing", names[0]))
    }

    /// An integer amount; `299`, `299.0` and `"299"` alike. A fractional amount is refused:
    /// Recur's TWD amounts are whole dollars, so a fraction means the answer is not understood.
    pub(crate) fn integer(&self, names: &[&str]) -> Result<Option<i64>, FieldError> {
        let Some(value) = self.get(names) else { return Ok(None) };
        let parsed = match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| format!("{} is not a whole number: {value}", names[0]))
    }

    pub(crate) fn money(&self, names: &[&str]) -> Result<Option<Money>, FieldError> {
        Ok(self.integer(names)?.map(Money::new))
    }

    /// ISO-8601 text, or a Unix time as a number (milliseconds, or seconds when it is small).
    pub(crate) fn time(&self, names: &[&str]) -> Result<Option<Timestamp>, FieldError> {
        let Some(value) = self.get(names) else { return Ok(None) };
        let parsed = match value {
            Value::String(s) => Timestamp::parse_rfc3339(s),
            Value::Number(n) => n.as_i64().map(|t| {
                // 10^11 seconds is the year 5138; anything smaller is read as seconds.
                if t.abs() < 100_000_000_000 {
                    Timestamp::from_unix_ms(t.saturating_mul(1000))
                } else {
                    Timestamp::from_unix_ms(t)
                }
            }),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| format!("{} is not a time: {value}", names[0]))
    }

    /// `true`/`false`, also `"true"`/`"false"` and `1`/`0`.
    pub(crate) fn boolean(&self, names: &[&str]) -> Result<Option<bool>, FieldError> {
        let Some(value) = self.get(names) else { return Ok(None) };
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.trim().to_ascii_lowercase().parse().ok(),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| format!("{} is not a boolean: {value}", names[0]))
    }

    /// A flat object of strings; numbers and booleans are written out, nested values kept as JSON text.
    pub(crate) fn string_map(&self, names: &[&str]) -> Result<std::collections::BTreeMap<String, String>, FieldError> {
        let Some(value) = self.get(names) else {
            return Ok(Default::default());
        };
        let object = value
            .as_object()
            .ok_or_else(|| format!("{} is not an object", names[0]))?;
        let entry = |(k, v): (&String, &Value)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        };
        Ok(object.iter().filter(|(_, v)| !v.is_null()).map(entry).collect())
    }

    pub(crate) fn nested(&self, names: &[&str]) -> Option<Fields<'a>> {
        self.get(names).and_then(Fields::of)
    }
}

pub(crate) use recur_domain::event::camel_case;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_both_casings_and_skips_null() {
        let v = json!({"success_url": "a", "cancelUrl": "b", "order_id": null, "orderId": "o1"});
        let f = Fields::of(&v).unwrap();
        assert_eq!(f.string(&["success_url"]).unwrap().as_deref(), Some("a"));
        assert_eq!(f.string(&["cancel_url"]).unwrap().as_deref(), Some("b"));
        assert_eq!(f.string(&["order_id"]).unwrap().as_deref(), Some("o1"));
        assert_eq!(f.string(&["missing"]).unwrap(), None);
        assert!(f.required_string(&["missing"]).is_err());
    }

    #[test]
    fn integers_from_numbers_and_strings() {
        let cases = [
            (json!(299), Ok(Some(299))),
            (json!(299.0), Ok(Some(299))),
            (json!(" 1290 "), Ok(Some(1290))),
            (json!(null), Ok(None)),
            (json!(29.9), Err(())),
            (json!("NT$30"), Err(())),
            (json!([1]), Err(())),
        ];
        for (value, expected) in cases {
            let v = json!({ "amount": value });
            let got = Fields::of(&v).unwrap().integer(&["amount"]).map_err(|_| ());
            assert_eq!(got, expected, "{value}");
        }
    }

    #[test]
    fn times_from_text_seconds_and_milliseconds() {
        let t = Timestamp::parse_rfc3339("2026-11-30T09:40:08Z").unwrap();
        for value in [
            json!("2026-11-30T17:40:08.000+08:00"),
            json!(1_796_031_608),
            json!(1_796_031_608_000_i64),
        ] {
            let v = json!({ "expires_at": value });
            assert_eq!(
                Fields::of(&v).unwrap().time(&["expires_at"]).unwrap(),
                Some(t),
                "{value}"
            );
        }
        let v = json!({ "expiresAt": "tomorrow" });
        assert!(Fields::of(&v).unwrap().time(&["expires_at"]).is_err());
    }

    #[test]
    fn metadata_values_become_strings() {
        let v = json!({"metadata": {"transaction_id": "t1", "n": 3, "ok": true, "gone": null}});
        let map = Fields::of(&v).unwrap().string_map(&["metadata"]).unwrap();
        let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("n", "3"), ("ok", "true"), ("transaction_id", "t1")]);
    }
}
