//! Figures for the notes, measured rather than asserted: run with
//! `cargo test -p recur-pos --test it e2e::measure -- --ignored --nocapture`.

use super::app::App;

/// Charge pressed → QR painted (the QR image decoded and two frames rendered), measured in the
/// page with `performance.now()`, against the embedded sandbox.
#[test]
#[ignore = "a measurement, not a check; run explicitly"]
fn charge_to_qr_painted() {
    let app = App::launch("measure");
    let products = [
        "prod_latte",
        "prod_americano",
        "prod_cinnamon_roll",
        "prod_beans_half",
        "prod_points_100",
    ];
    for i in 0..25 {
        app.charge(products[i % products.len()], false, None);
        app.click("#pay-back");
    }
    let figures = app.js("return window.recurPosMetrics.chargeToQrMs");
    let mut ms: Vec<f64> = figures
        .as_array()
        .expect("figures")
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "charge→QR painted over {} charges: median {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms.len(),
        pick(0.5),
        pick(0.9),
        ms[0],
        ms[ms.len() - 1]
    );
}
