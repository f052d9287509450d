use recur_domain::{Mode, Money};
use recur_print::layout::{width, wrap};
use recur_print::{receipt_lines, Lang, Line, Paper, Payment};

use crate::{cash, receipt};

#[test]
fn wrapping_counts_chinese_as_two_columns() {
    let cases: &[(&str, usize, &[&str])] = &[
        ("Latte", 10, &["Latte"]),
        ("", 10, &[""]),
        ("Iced oat milk latte grande", 10, &["Iced oat", "milk latte", "grande"]),
        ("超級無敵大杯珍珠奶茶", 8, &["超級無敵", "大杯珍珠", "奶茶"]),
        ("拿鐵 Latte 大杯", 9, &["拿鐵", "Latte 大", "杯"]),
        ("Supercalifragilistic", 8, &["Supercal", "ifragili", "stic"]),
        ("半糖少冰", 7, &["半糖少", "冰"]),
        ("好喝的茶。", 8, &["好喝的", "茶。"]),
    ];
    for (text, cols, want) in cases {
        let got = wrap(text, *cols);
        assert_eq!(&got, want, "{text:?} in {cols} columns");
        assert!(got.iter().all(|l| width(l) <= *cols), "{got:?} overflows {cols}");
    }
}

/// Every text line of a laid-out sheet fits its paper, whatever the case.
fn fits(sheet: &recur_print::Sheet) {
    let cols = sheet.paper.columns();
    for line in &sheet.lines {
        if let Line::Text { text, right, big, .. } = line {
            let line_cols = if *big { cols / 2 } else { cols };
            let used = width(text) + right.as_deref().map_or(0, |r| width(r) + usize::from(!text.is_empty()));
            assert!(
                used <= line_cols,
                "{line:?} is {used} columns on a {line_cols}-column line"
            );
        }
    }
}

#[test]
fn receipts_lay_out_from_a_table_of_cases() {
    let long = "特選阿里山高山烏龍茶禮盒（半斤裝）附贈精美提袋與手寫卡片 Premium Alishan Oolong Gift Box";
    struct Case {
        name: &'static str,
        product: &'static str,
        amount: i64,
        payment: Payment,
        lang: Lang,
        paper: Paper,
        mode: Mode,
        /// Lines (trimmed, with the right part after a space) that must appear, in order.
        want: &'static [&'static str],
    }
    let card = || Payment::Recur {
        brand: Some("VISA".into()),
        last4: Some("4242".into()),
    };
    let cases = vec![
        Case {
            name: "zh-TW cash at 80 mm",
            product: "拿鐵 Latte",
            amount: 120,
            payment: cash(500, 120),
            lang: Lang::ZhTw,
            paper: Paper::Mm80,
            mode: Mode::Payment,
            want: &[
                "拿鐵 Latte NT$120",
                "合計 NT$120",
                "付款方式 現金",
                "收現 NT$500",
                "找零 NT$380",
                "電子發票 AB-12345678",
            ],
        },
        Case {
            name: "English card at 58 mm",
            product: "Latte",
            amount: 120,
            payment: card(),
            lang: Lang::En,
            paper: Paper::Mm58,
            mode: Mode::Payment,
            want: &[
                "Latte NT$120",
                "Total NT$120",
                "Paid by Card VISA **** 4242",
                "E-invoice AB-12345678",
            ],
        },
        Case {
            name: "a long Chinese name wraps at 58 mm, the amount on its last line",
            product: long,
            amount: 1_280,
            payment: card(),
            lang: Lang::ZhTw,
            paper: Paper::Mm58,
            mode: Mode::Payment,
            want: &[
                "特選阿里山高山烏龍茶禮盒（半斤",
                "裝）附贈精美提袋與手寫卡片",
                "Premium Alishan Oolong Gift Box",
                "NT$1,280",
            ],
        },
        Case {
            name: "a large amount keeps its separators",
            product: "商用咖啡機 Espresso machine",
            amount: 12_345_678,
            payment: cash(12_400_000, 12_345_678),
            lang: Lang::En,
            paper: Paper::Mm80,
            mode: Mode::Payment,
            want: &["Total NT$12,345,678", "Cash tendered NT$12,400,000", "Change NT$54,322"],
        },
        Case {
            name: "a subscription says what it is",
            product: "每月咖啡豆 Monthly beans",
            amount: 450,
            payment: Payment::Recur {
                brand: None,
                last4: None,
            },
            lang: Lang::ZhTw,
            paper: Paper::Mm80,
            mode: Mode::Subscription,
            want: &["定期訂閱（首期）", "合計 NT$450", "付款方式 線上付款"],
        },
        Case {
            name: "a SETUP sale charged nothing",
            product: "Card on file",
            amount: 0,
            payment: card(),
            lang: Lang::En,
            paper: Paper::Mm58,
            mode: Mode::Setup,
            want: &["Card saved (nothing charged)", "Total NT$0"],
        },
    ];
    for case in cases {
        let mut r = receipt(case.product, case.amount, case.payment);
        r.mode = case.mode;
        let sheet = receipt_lines(&r, case.paper, case.lang);
        fits(&sheet);
        let text = sheet.plain_text();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let mut from = 0;
        for want in case.want {
            match lines[from..].iter().position(|l| l == want) {
                Some(at) => from += at + 1,
                None => panic!("{}: {want:?} not found in order in\n{text}", case.name),
            }
        }
        assert!(text.contains("[QR 01KBF3ZQ8V6W3M2T9X4Y7N5R1A]"), "{}: no QR", case.name);
        assert!(text.contains("謝謝光臨，歡迎再來！"), "{}: no footer", case.name);
        assert_eq!(r.amount, Money::new(case.amount));
    }
}

#[test]
fn an_amount_too_wide_for_its_line_gets_a_line_of_its_own() {
    let r = receipt(&"長".repeat(40), 1_000_000_000, cash(1_000_000_000, 1_000_000_000));
    let sheet = receipt_lines(&r, Paper::Mm58, Lang::ZhTw);
    fits(&sheet);
    // Big "total" lines have 16 columns: "合計" (4) + "NT$1,000,000,000" (16) cannot share one.
    assert!(
        sheet.plain_text().contains("\n NT$1,000,000,000\n"),
        "{}",
        sheet.plain_text()
    );
}
