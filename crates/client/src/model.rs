//! Recur's objects as typed data: the create-checkout request (written in the brief's camelCase)
//! and the session and product answers (read tolerantly in either casing, recur-api.md §2–4).
//!
//! Not here: HTTP. Decoding is pure (`&[u8]` in, typed value or `RecurError::Undecodable` out),
//! so every variant Recur has been seen to send is tested from JSON literals.

use std::collections::BTreeMap;

use recur_domain::{CheckoutId, Currency, Mode, Money, OrderId, ProductId, SessionStatus, SubscriptionId, Timestamp};
use serde_json::{Map, Value};

use crate::error::RecurError;
use crate::fields::{FieldError, Fields};

/// `POST /v1/checkout/sessions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateCheckout {
    pub product_id: ProductId,
    /// `None` lets Recur choose from the product's type.
    pub mode: Option<Mode>,
    /// HTTPS; may contain `{CHECKOUT_SESSION_ID}`.
    pub success_url: String,
    pub cancel_url: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    /// Put our own sale id here (`transaction_id`): it is how a payment finds its sale.
    pub metadata: BTreeMap<String, String>,
}

impl CreateCheckout {
    pub fn new(product_id: ProductId, success_url: impl Into<String>, cancel_url: impl Into<String>) -> Self {
        Self {
            product_id,
            mode: None,
            success_url: success_url.into(),
            cancel_url: cancel_url.into(),
            customer_email: None,
            customer_name: None,
            metadata: BTreeMap::new(),
        }
    }

    /// The request body exactly as sent: camelCase, absent options and empty metadata omitted.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("productId".into(), self.product_id.as_str().into());
        if let Some(mode) = self.mode {
            body.insert("mode".into(), mode.as_str().into());
        }
        body.insert("successUrl".into(), self.success_url.clone().into());
        body.insert("cancelUrl".into(), self.cancel_url.clone().into());
        if let Some(email) = &self.customer_email {
            body.insert("customerEmail".into(), email.clone().into());
        }
        if let Some(name) = &self.customer_name {
            body.insert("customerName".into(), name.clone().into());
        }
        if !self.metadata.is_empty() {
            let metadata: Map<String, Value> = self
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            body.insert("metadata".into(), Value::Object(metadata));
        }
        Value::Object(body)
    }
}

/// A checkout session as Recur reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: CheckoutId,
    /// The hosted payment page (empty only if a read answer left it out).
    pub url: String,
    /// A missing or unknown status reads as `Open`: the sale keeps waiting rather than
    /// inventing a payment or an expiry; `status_raw` keeps what Recur sent.
    pub status: SessionStatus,
    pub status_raw: String,
    pub mode: Option<Mode>,
    pub product_id: Option<ProductId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    pub expires_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub order_id: Option<OrderId>,
    pub subscription_id: Option<SubscriptionId>,
    pub payment_intent_id: Option<String>,
    pub setup_intent_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// A product of the shop's Recur catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: Option<String>,
    /// `ONE_TIME`, `SUBSCRIPTION`, `CREDITS`, `DONATION` (upper case; `ONE_TIME` when absent).
    pub product_type: String,
    pub price: Money,
    pub currency: Currency,
    /// `WEEKLY`, `MONTHLY`, `YEARLY`, … (upper case).
    pub billing_period: Option<String>,
    pub trial_days: Option<u32>,
    pub active: bool,
}

/// One page of `GET /v1/products`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductPage {
    pub products: Vec<Product>,
    pub has_more: bool,
}

/// Decodes a session answer (the object itself, or wrapped in `data`/`session`).
pub fn decode_session(body: &[u8]) -> Result<CheckoutSession, RecurError> {
    let value = parse_json(body)?;
    let object = unwrap_object(&value, &["data", "session", "checkout_session"])
        .ok_or_else(|| RecurError::undecodable("the session is not a JSON object"))?;
    session_from(object).map_err(|e| RecurError::undecodable(format!("session: {e}")))
}

/// Decodes a product list: `{"products": […]}`, `{"data": […]}` or a bare array.
pub fn decode_product_page(body: &[u8]) -> Result<ProductPage, RecurError> {
    let value = parse_json(body)?;
    let (items, has_more) = match &value {
        Value::Array(items) => (items, false),
        Value::Object(_) => {
            let fields = Fields::of(&value).expect("an object");
            let items = fields
                .get(&["products", "data", "items"])
                .and_then(Value::as_array)
                .ok_or_else(|| RecurError::undecodable("no products array in the answer"))?;
            let has_more = fields.boolean(&["has_more"]).map_err(RecurError::undecodable)?;
            (items, has_more.unwrap_or(false))
        }
        _ => return Err(RecurError::undecodable("the product list is not a JSON object")),
    };
    let products = items
        .iter()
        .enumerate()
        .map(|(i, item)| product_from(item).map_err(|e| RecurError::undecodable(format!("product #{i}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProductPage { products, has_more })
}

fn parse_json(body: &[u8]) -> Result<Value, RecurError> {
    serde_json::from_slice(body).map_err(|e| RecurError::undecodable(format!("not JSON ({e})")))
}

/// The object itself when it has an `id`, else the first wrapper under `wrappers` that does.
fn unwrap_object<'a>(value: &'a Value, wrappers: &[&str]) -> Option<Fields<'a>> {
    let fields = Fields::of(value)?;
    if fields.get(&["id"]).is_some() {
        return Some(fields);
    }
    fields
        .nested(wrappers)
        .filter(|inner| inner.get(&["id"]).is_some())
        .or(Some(fields))
}

fn session_from(f: Fields<'_>) -> Result<CheckoutSession, FieldError> {
    let status_raw = f.string(&["status"])?.unwrap_or_default();
    let mode = match f.string(&["mode"])? {
        Some(text) => Some(Mode::parse(&text).ok_or_else(|| format!("unknown mode {text:?}"))?),
        None => None,
    };
    let customer = f.nested(&["customer"]);
    let from_customer = |name: &str| customer.map(|c| c.string(&[name])).transpose().map(Option::flatten);
    Ok(CheckoutSession {
        id: CheckoutId::new(f.required_string(&["id", "checkout_id", "session_id"])?),
        url: f.string(&["url", "checkout_url"])?.unwrap_or_default(),
        status: SessionStatus::parse(&status_raw).unwrap_or(SessionStatus::Open),
        status_raw,
        mode,
        product_id: f.string(&["product_id"])?.map(ProductId::new),
        amount: f.money(&["amount", "amount_total"])?,
        currency: f.string(&["currency"])?.map(|c| Currency::new(&c)),
        expires_at: f.time(&["expires_at"])?,
        completed_at: f.time(&["completed_at"])?,
        order_id: f.string(&["order_id"])?.map(OrderId::new),
        subscription_id: f.string(&["subscription_id"])?.map(SubscriptionId::new),
        payment_intent_id: f.string(&["payment_intent_id"])?,
        setup_intent_id: f.string(&["setup_intent_id"])?,
        customer_email: f.string(&["customer_email"])?.or(from_customer("email")?),
        customer_name: f.string(&["customer_name"])?.or(from_customer("name")?),
        metadata: f.string_map(&["metadata"])?,
    })
}

fn product_from(value: &Value) -> Result<Product, FieldError> {
    let f = Fields::of(value).ok_or("not a JSON object")?;
    let upper = |s: String| s.trim().to_ascii_uppercase();
    let active = match f.boolean(&["active"])? {
        Some(active) => active,
        // Some shapes carry a status instead of a flag; only an explicit non-active one hides it.
        None => f.string(&["status"])?.is_none_or(|s| s.eq_ignore_ascii_case("active")),
    };
    let trial_days = match f.integer(&["trial_days", "trial_period_days"])? {
        Some(days) => Some(u32::try_from(days).map_err(|_| format!("trial_days out of range: {days}"))?),
        None => None,
    };
    Ok(Product {
        id: ProductId::new(f.required_string(&["id", "product_id"])?),
        name: f.string(&["name"])?.unwrap_or_default(),
        description: f.string(&["description"])?,
        product_type: f
            .string(&["type", "product_type"])?
            .map(upper)
            .unwrap_or_else(|| "ONE_TIME".into()),
        price: f
            .money(&["price", "amount", "unit_amount"])?
            .ok_or("price is missing")?,
        currency: f
            .string(&["currency"])?
            .map(|c| Currency::new(&c))
            .unwrap_or_else(Currency::twd),
        billing_period: f.string(&["billing_period", "interval"])?.map(upper),
        trial_days,
        active,
    })
}

#[cfg(test)]
mod tests;
