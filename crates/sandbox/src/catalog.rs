//! The products the sandbox sells: a built-in café catalogue, or one loaded from a JSON file.
//!
//! The file format is exactly the `products` array that `GET /v1/products` answers (a bare
//! array, or `{"products": [...]}`). Prices are whole TWD, at least NT$30 as at Recur. Sessions
//! and payments live in `state.rs`, not here.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;

/// Recur's minimum product price, NT$30.
pub const MIN_PRICE: i64 = 30;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
}

/// A product as `GET /v1/products` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    /// What integrators send as `productSlug` instead of `productId`.
    #[serde(default)]
    pub slug: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub product_type: ProductType,
    /// Whole TWD.
    pub price: i64,
    #[serde(default = "twd")]
    pub currency: String,
    #[serde(default)]
    pub billing_period: Option<BillingPeriod>,
    #[serde(default)]
    pub trial_days: Option<u32>,
    /// Days a failed renewal may be retried before the subscription expires; none = no grace
    /// (a sandbox field: Recur configures grace per product, its API does not show it).
    #[serde(default)]
    pub grace_period_days: Option<u32>,
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductType {
    OneTime,
    Subscription,
    Credits,
    Donation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingPeriod {
    Weekly,
    Monthly,
    Yearly,
    OneTime,
    Custom,
}

fn twd() -> String {
    "TWD".to_owned()
}

fn yes() -> bool {
    true
}

impl Catalog {
    /// A small Taiwanese café: drinks, beans, pastry, a gift box, point top-ups, a monthly card
    /// with a 7-day trial, a yearly membership and one retired product.
    pub fn builtin() -> Catalog {
        use BillingPeriod::{Monthly, Yearly};
        use ProductType::{OneTime, Subscription};
        let p = |id: &str, name: &str, desc: &str, t: ProductType, price: i64, period: Option<BillingPeriod>| Product {
            id: id.to_owned(),
            slug: Some(id.trim_start_matches("prod_").replace('_', "-")),
            name: name.to_owned(),
            description: Some(desc.to_owned()),
            product_type: t,
            price,
            currency: twd(),
            billing_period: period,
            trial_days: None,
            grace_period_days: None,
            active: true,
        };
        let mut products = vec![
            p("prod_latte", "拿鐵咖啡", "熱／冰 中杯", OneTime, 120, None),
            p("prod_americano", "美式咖啡", "熱／冰 中杯", OneTime, 90, None),
            p(
                "prod_beans_half",
                "手沖咖啡豆 半磅",
                "衣索比亞 耶加雪菲 淺焙 227g",
                OneTime,
                450,
                None,
            ),
            p("prod_cinnamon_roll", "肉桂捲", "每日現烤", OneTime, 85, None),
            p("prod_gift_box", "禮盒", "咖啡豆兩包＋濾掛十入", OneTime, 1290, None),
            p("prod_points_100", "儲值 100 點", "會員點數 100 點", OneTime, 100, None),
            p(
                "prod_points_1000",
                "儲值 1000 點",
                "會員點數 1000 點",
                OneTime,
                1000,
                None,
            ),
            p(
                "prod_coffee_monthly",
                "咖啡月卡",
                "每日一杯美式，首 7 天免費",
                Subscription,
                299,
                Some(Monthly),
            ),
            p(
                "prod_member_yearly",
                "年度會員",
                "全品項九折，生日禮",
                Subscription,
                2990,
                Some(Yearly),
            ),
            p(
                "prod_mooncake_2024",
                "中秋月餅禮盒（已下架）",
                "2024 中秋限定",
                OneTime,
                880,
                None,
            ),
        ];
        products[7].trial_days = Some(7);
        products[7].grace_period_days = Some(3);
        products[9].active = false;
        Catalog { products }
    }

    /// Reads a catalogue file (see the module docs for the format) and checks it.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Catalog, SandboxError> {
        let path = path.as_ref();
        let err = |message: String| SandboxError::Catalog {
            source_name: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Catalog::from_json_str(&text).map_err(|e| match e {
            SandboxError::Catalog { message, .. } => err(message),
            other => other,
        })
    }

    /// Parses a bare products array or `{"products": [...]}` and checks it.
    pub fn from_json_str(text: &str) -> Result<Catalog, SandboxError> {
        let err = |message: String| SandboxError::Catalog {
            source_name: "JSON".to_owned(),
            message,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let products = match value {
            serde_json::Value::Object(mut o) => o.remove("products").unwrap_or(serde_json::Value::Null),
            other => other,
        };
        let products: Vec<Product> = serde_json::from_value(products).map_err(|e| err(e.to_string()))?;
        let catalog = Catalog { products };
        catalog.validate().map_err(err)?;
        Ok(catalog)
    }

    /// Ids and slugs unique, ids non-empty, prices at least NT$30, subscriptions with a
    /// billing period.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for p in &self.products {
            if p.id.trim().is_empty() {
                return Err(format!("a product has an empty id ({})", p.name));
            }
            if !seen.insert(p.id.as_str()) {
                return Err(format!("duplicate product id {}", p.id));
            }
            if let Some(slug) = &p.slug {
                if self.products.iter().filter(|q| q.slug.as_ref() == Some(slug)).count() > 1 {
                    return Err(format!("duplicate product slug {slug}"));
                }
            }
            if p.price < MIN_PRICE {
                return Err(format!(
                    "{}: price {} is below the minimum of NT${MIN_PRICE}",
                    p.id, p.price
                ));
            }
            if p.product_type == ProductType::Subscription && p.billing_period.is_none() {
                return Err(format!("{}: a SUBSCRIPTION product needs a billing_period", p.id));
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.slug.as_deref() == Some(slug))
    }
}

impl BillingPeriod {
    /// Lower case, as inside webhook bodies.
    pub fn as_lower(self) -> &'static str {
        match self {
            BillingPeriod::Weekly => "weekly",
            BillingPeriod::Monthly => "monthly",
            BillingPeriod::Yearly => "yearly",
            BillingPeriod::OneTime => "one_time",
            BillingPeriod::Custom => "custom",
        }
    }
}

impl Product {
    pub fn is_subscription(&self) -> bool {
        self.product_type == ProductType::Subscription
    }

    /// The JSON `GET /v1/products` answers for this product.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_valid_and_round_trips_through_its_own_json() {
        let builtin = Catalog::builtin();
        builtin.validate().unwrap();
        let text = serde_json::to_string(&builtin.products).unwrap();
        assert_eq!(Catalog::from_json_str(&text).unwrap(), builtin);
        let wrapped = format!("{{\"products\":{text}}}");
        assert_eq!(Catalog::from_json_str(&wrapped).unwrap(), builtin);
    }

    #[test]
    fn rejects_bad_catalogues() {
        let cases = [
            r#"[{"id":"a","name":"x","type":"ONE_TIME","price":29}]"#,
            r#"[{"id":"a","name":"x","type":"ONE_TIME","price":30},{"id":"a","name":"y","type":"ONE_TIME","price":40}]"#,
            r#"[{"id":"s","name":"x","type":"SUBSCRIPTION","price":300}]"#,
            r#"[{"id":"a","name":"x","type":"GIFT","price":300}]"#,
            r#"{"items":[]}"#,
            "not json",
        ];
        for text in cases {
            assert!(Catalog::from_json_str(text).is_err(), "{text}");
        }
    }
}
