use recur_print::fake::{decode, png, qr_in, save_artifact, Command};
use recur_print::{escpos, raster, receipt_lines, render, Lang, Paper, Payment, PrintMode};

use crate::{cash, receipt};

#[test]
fn a_raster_receipt_decodes_back_to_the_same_image_with_the_sale_id_in_its_qr() {
    for (paper, dots) in [(Paper::Mm58, 384), (Paper::Mm80, 576)] {
        let r = receipt("特選阿里山高山烏龍茶禮盒（半斤裝）Oolong", 1_280, cash(2_000, 1_280));
        let sheet = receipt_lines(&r, paper, Lang::ZhTw);
        let drawn = raster::render(&sheet);
        assert_eq!(drawn.width, dots);
        let job = render(&sheet, PrintMode::Raster, true);
        let decoded = decode(&job);
        let image = decoded.raster().expect("a raster image");
        assert_eq!(image, drawn, "the bands stack back into the drawn image");
        assert!(image.height > 600, "a receipt is taller than {} dots", image.height);
        assert!(decoded.count(|c| matches!(c, Command::Raster(b) if b.height <= escpos::BAND_ROWS)) > 1);
        assert_eq!(qr_in(&image), vec![r.sale_id.clone()], "the QR is the sale id");
        assert_eq!(decoded.count(|c| matches!(c, Command::Cut)), 1);
        assert_eq!(
            decoded.count(|c| matches!(c, Command::DrawerKick { pin: 0, .. })),
            1,
            "a cash sale opens the drawer"
        );
        save_artifact(&format!("crate-receipt-{}.png", paper.mm()), &png(&image));
    }
}

#[test]
fn an_english_card_receipt_is_drawn_at_58_mm_with_its_qr() {
    let r = receipt(
        "Iced oat milk latte, large, less ice",
        165,
        Payment::Recur {
            brand: Some("VISA".into()),
            last4: Some("4242".into()),
        },
    );
    let image = raster::render(&receipt_lines(&r, Paper::Mm58, Lang::En));
    assert_eq!(qr_in(&image), vec![r.sale_id.clone()]);
    save_artifact("crate-receipt-en-58.png", &png(&image));
}

#[test]
fn no_drawer_kick_unless_asked() {
    let r = receipt(
        "Latte",
        120,
        Payment::Recur {
            brand: None,
            last4: None,
        },
    );
    let job = render(&receipt_lines(&r, Paper::Mm80, Lang::En), PrintMode::Raster, false);
    assert_eq!(decode(&job).count(|c| matches!(c, Command::DrawerKick { .. })), 0);
}

#[test]
fn chinese_is_drawn_with_the_bundled_font() {
    for c in "拿鐵找零統一發票謝謝光臨阿里山烏龍茶（）、，NT$0123".chars() {
        assert!(raster::bundled_has(c), "{c} is missing from the bundled font");
    }
    // A line of Chinese leaves ink; the same line blank leaves none.
    let r = receipt("拿鐵", 120, cash(120, 120));
    let image = raster::render(&receipt_lines(&r, Paper::Mm58, Lang::ZhTw));
    assert!(image.dots.iter().filter(|&&d| d).count() > 5_000);
}

#[test]
fn big5_text_decodes_back_to_the_chinese() {
    let r = receipt("拿鐵 Latte 大杯", 120, cash(500, 120));
    for paper in [Paper::Mm58, Paper::Mm80] {
        let sheet = receipt_lines(&r, paper, Lang::ZhTw);
        let job = render(&sheet, PrintMode::Text, true);
        let decoded = decode(&job);
        assert!(decoded.raster().is_none(), "text mode sends no image");
        assert_eq!(decoded.count(|c| *c == Command::ChineseOn), 1);
        let text = decoded.text();
        for want in [
            "阿里山咖啡",
            "拿鐵 Latte 大杯",
            "找零",
            "NT$380",
            "謝謝光臨，歡迎再來！",
            "電子發票",
        ] {
            assert!(text.contains(want), "{want:?} not in\n{text}");
        }
        // Each row is padded to the paper's columns: the amounts end at the right edge.
        let row = text.lines().find(|l| l.starts_with("找零")).expect("change row");
        assert_eq!(recur_print::layout::width(row), paper.columns(), "{row:?}");
        assert_eq!(decoded.qr_codes(), vec![r.sale_id.clone()], "the printer draws the QR");
    }
    assert_eq!(escpos::big5("咖啡 ok"), vec![0xA9, 0x40, 0xB0, 0xD8, b' ', b'o', b'k']);
    assert_eq!(escpos::big5("😀"), b"?", "a character Big5 lacks prints as ?");
}

#[test]
fn the_test_page_has_latin_big5_an_image_and_a_qr() {
    let (job, sheet) = escpos::test_job(Paper::Mm80, Lang::ZhTw, "tcp://127.0.0.1:9100");
    let decoded = decode(&job);
    assert!(decoded.text().contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    assert!(decoded.text().contains("繁體中文測試：統一發票、找零"));
    let image = decoded.raster().expect("the image part");
    assert_eq!(qr_in(&image), vec!["https://recur.tw".to_owned()]);
    assert_eq!(decoded.qr_codes(), vec!["recur-pos test".to_owned()]);
    assert!(sheet.plain_text().contains("Big5"));
    save_artifact("crate-test-page-80.png", &png(&image));
}

#[test]
fn the_drawer_job_is_a_kick_alone() {
    let decoded = decode(&escpos::drawer_job());
    assert_eq!(
        decoded.commands,
        vec![
            Command::Init,
            Command::DrawerKick {
                pin: 0,
                on: 25,
                off: 250
            }
        ]
    );
}
