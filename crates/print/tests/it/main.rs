//! recur-print's integration tests: the layout table, raster and Big5 round trips through the
//! fake printer's decoder, and the transport's deadlines.

mod layout;
mod render;
mod transport;

use recur_domain::{Mode, Money};
use recur_print::{Payment, Receipt, Shop};

pub fn shop() -> Shop {
    Shop {
        name: "阿里山咖啡 Alishan Coffee".to_owned(),
        address: vec!["台北市大安區復興南路一段 100 號".to_owned(), "02-2700-1234".to_owned()],
        footer: Some("謝謝光臨，歡迎再來！".to_owned()),
    }
}

pub fn receipt(product: &str, amount: i64, payment: Payment) -> Receipt {
    Receipt {
        shop: shop(),
        sale_id: "01KBF3ZQ8V6W3M2T9X4Y7N5R1A".to_owned(),
        at: "2026-12-02 14:05".to_owned(),
        product: product.to_owned(),
        mode: Mode::Payment,
        amount: Money::new(amount),
        payment,
        invoice_number: Some("AB-12345678".to_owned()),
        reprint: false,
    }
}

pub fn cash(tendered: i64, amount: i64) -> Payment {
    Payment::Cash {
        tendered: Money::new(tendered),
        change: Money::new(tendered - amount),
    }
}
