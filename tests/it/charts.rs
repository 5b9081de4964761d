//! Charts: every chart renders for the shipped data and for edge cases; PNGs decode, are not blank and
//! carry text; SVGs parse as XML; the same input gives the same bytes.

use std::collections::HashSet;

use growthplan::charts::{render_all, ChartFile, Format};
use growthplan::compute::progress;
use growthplan::date::parse_date;
use growthplan::ledger::{load, LoadOptions};
use growthplan::progress::{Progress, StepState};

use crate::{copy_tree, growthplan, illustrative, root};

fn shipped(as_of: &str) -> Progress {
    let l = load(&illustrative(), LoadOptions::default()).unwrap().ledger.unwrap();
    progress(&l, &growthplan::replay::Replay::new(&l), parse_date(as_of, false).unwrap()).unwrap()
}

/// Decodes a PNG; returns (width, height, distinct colours, share of dark pixels).
fn inspect_png(bytes: &[u8]) -> (u32, u32, usize, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let colours: HashSet<&[u8]> = px.chunks(3).collect();
    let dark = px.chunks(3).filter(|c| c.iter().all(|v| *v < 80)).count();
    (info.width, info.height, colours.len(), dark as f64 / (info.width * info.height) as f64)
}

fn assert_sound(files: &[ChartFile], expected: usize) {
    assert_eq!(files.len(), expected, "{:?}", files.iter().map(|f| &f.name).collect::<Vec<_>>());
    for f in files {
        if f.name.ends_with(".png") {
            let (w, h, colours, dark) = inspect_png(&f.bytes);
            assert_eq!(w, growthplan::charts::WIDTH, "{}", f.name);
            assert!(h >= 200, "{}", f.name);
            assert!(colours >= 8, "{}: only {colours} colours: blank?", f.name);
            assert!(dark > 0.001, "{}: no text pixels ({dark})", f.name);
        } else {
            let text = std::str::from_utf8(&f.bytes).unwrap();
            let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            assert!(doc.descendants().filter(|n| n.has_tag_name("text")).count() >= 3, "{}", f.name);
        }
    }
}

#[test]
fn every_chart_renders_for_the_shipped_data_with_all_scripts() {
    let files = render_all(&shipped("2026-02-28"), Format::Both).unwrap();
    // Four facility charts and one per partner, each as SVG and PNG.
    assert_sound(&files, (6 + 6) * 2);
    let funnel = files.iter().find(|f| f.name == "funnel.svg").unwrap();
    let text = String::from_utf8(funnel.bytes.clone()).unwrap();
    for name in ["Shqipëria", "Србија", "Северна Македонија", "Crna Gora", "as of 2026-02-28"] {
        assert!(text.contains(name), "{name} missing from funnel.svg");
    }
}

#[test]
fn charts_are_byte_identical_for_the_same_input() {
    let p = shipped("2026-02-28");
    assert_eq!(render_all(&p, Format::Both).unwrap(), render_all(&p, Format::Both).unwrap());
}

#[test]
fn edge_cases_render_without_panicking() {
    // No payments yet.
    assert_sound(&render_all(&shipped("2024-06-30"), Format::Both).unwrap(), 24);
    // One partner.
    let mut one = shipped("2026-02-28");
    one.partners.retain(|x| x.code == "RS");
    one.areas.retain(|a| a.partner == "RS");
    one.steps.retain(|s| s.partner == "RS");
    one.timeline.retain(|t| t.partner == "RS");
    assert_sound(&render_all(&one, Format::Both).unwrap(), 14);
    // A partner with a zero envelope and nothing else, beside a small facility.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let partners = std::fs::read_to_string(data.join("partners.csv")).unwrap() + "CC,Gammaland,2024-10-23,,,test,\n";
    std::fs::write(data.join("partners.csv"), partners).unwrap();
    let l = load(&data, LoadOptions::default()).unwrap().ledger.unwrap();
    let p = progress(&l, &growthplan::replay::Replay::new(&l), parse_date("2026-11-28", false).unwrap()).unwrap();
    assert_eq!(p.partners[2].figures.envelope, 0);
    assert_sound(&render_all(&p, Format::Both).unwrap(), (6 + 3) * 2);
    // 10,000 steps.
    let mut many = shipped("2026-02-28");
    let template = many.steps[0].clone();
    many.steps = (0..10_000)
        .map(|i| StepState {
            id: format!("S{i}").into(),
            stage: ["fulfilled", "in_grace", "expired", "not_yet_due", "partially_fulfilled"][i % 5],
            partner: many.partners[i % many.partners.len()].code.as_str().into(),
            ..template.clone()
        })
        .collect();
    assert_sound(&render_all(&many, Format::Png).unwrap(), 12);
}

#[test]
fn the_charts_command_writes_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("charts");
    let (code, stdout, err) = growthplan(
        &root(),
        &[
            "charts",
            "--data",
            "examples/illustrative",
            "--as-of",
            "2026-02-28",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "svg",
            "--allow-outside",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout.lines().count(), 12);
    assert!(out.join("partner-MK.svg").is_file());
    assert!(!out.join("funnel.png").exists());
}
