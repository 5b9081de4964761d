//! Charts: the only module that imports plotters. It takes the plain `Progress` model and returns SVG
//! text and PNG bytes; it writes nothing. The font (DejaVu Sans, in `assets/fonts`) is embedded, so a
//! PNG renders the same on a machine without fonts; `f64` appears here only to place things on a page.
//! This file holds what every chart shares (the palette, the font, the labels) and draws them all;
//! `bars`, `cumulative` and `outlook` draw the charts themselves.

mod bars;
mod cumulative;
mod outlook;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use rayon::prelude::*;

use crate::progress::{Progress, StageCounts};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
static REGISTER: Once = Once::new();

/// Width and height of every chart, in pixels (SVG user units): a report page's width.
pub const WIDTH: u32 = 1200;

/// Okabe-Ito colours (safe for colour-blind readers), chosen per series so that neighbours in a stack
/// also differ in lightness when printed in black and white.
const DARK_BLUE: RGBColor = RGBColor(0, 114, 178);
const SKY: RGBColor = RGBColor(86, 180, 233);
const YELLOW: RGBColor = RGBColor(240, 228, 66);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const LIGHT: RGBColor = RGBColor(235, 235, 235);
const GREY: RGBColor = RGBColor(120, 120, 120);
const PARTNER_COLOURS: [RGBColor; 7] = [DARK_BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, BLACK];

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart `{chart}`: {message}")]
pub struct ChartError {
    pub chart: String,
    pub message: String,
}

/// Which files to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Both,
}

/// One rendered chart file: its name (e.g. `funnel.svg`) and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The charts there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requests,
    Funnel,
    Cumulative,
    Steps,
    Money,
    Outlook,
    Partner,
}

fn draw<DB: DrawingBackend>(
    kind: Kind,
    root: &DrawingArea<DB, Shift>,
    p: &Progress,
    counts: &StageCounts,
    partner: Option<&str>,
) -> Result<(), String> {
    match kind {
        Kind::Requests => bars::request_cycle(root, p),
        Kind::Funnel => bars::funnel(root, p),
        Kind::Cumulative => cumulative::cumulative(root, p),
        Kind::Steps => bars::steps_by_stage(root, p, counts),
        Kind::Money => bars::money_at_stake(root, p),
        Kind::Outlook => outlook::fan(root, p),
        Kind::Partner => bars::partner_areas(root, p, counts, partner.unwrap_or_default()),
    }
}

/// Every chart for the progress: the six facility charts, then one per partner.
pub fn render_all(p: &Progress, format: Format) -> Result<Vec<ChartFile>, ChartError> {
    REGISTER.call_once(|| {
        // The font is part of the binary; registering it cannot fail for a valid TTF.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, FONT);
    });
    crate::meter::phase("drawing the charts", 6 + p.partners.len() as u64);
    let mut jobs: Vec<(String, u32, Kind, Option<String>)> = vec![
        ("requests".into(), bar_height(p.partners.len()), Kind::Requests, None),
        ("funnel".into(), bar_height(p.partners.len()), Kind::Funnel, None),
        ("cumulative".into(), 700, Kind::Cumulative, None),
        ("steps".into(), bar_height(p.partners.len()), Kind::Steps, None),
        ("money".into(), bar_height(p.partners.len()), Kind::Money, None),
        ("outlook".into(), 700, Kind::Outlook, None),
    ];
    for x in &p.partners {
        let areas = p.areas.iter().filter(|a| a.partner == x.code).count();
        jobs.push((partner_chart_name(p, &x.code), bar_height(areas), Kind::Partner, Some(x.code.clone())));
    }
    let counts = p.stage_counts();
    // Each chart is drawn on its own: all cores share the work; the order of the files stays the jobs'.
    let drawn: Vec<Vec<ChartFile>> = jobs
        .into_par_iter()
        .map(|(name, height, kind, partner)| {
            let err = |message: String| ChartError { chart: name.clone(), message };
            let mut files = Vec::new();
            if matches!(format, Format::Svg | Format::Both) {
                let mut text = String::new();
                {
                    let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
                    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
                    draw(kind, &root, p, &counts, partner.as_deref()).map_err(err)?;
                    root.present().map_err(|e| err(e.to_string()))?;
                }
                files.push(ChartFile { name: format!("{name}.svg"), bytes: text.into_bytes() });
            }
            if matches!(format, Format::Png | Format::Both) {
                let mut pixels = vec![255u8; (WIDTH * height * 3) as usize];
                {
                    let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
                    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
                    draw(kind, &root, p, &counts, partner.as_deref()).map_err(err)?;
                    root.present().map_err(|e| err(e.to_string()))?;
                }
                files.push(ChartFile {
                    name: format!("{name}.png"),
                    bytes: encode_png(&pixels, WIDTH, height).map_err(err)?,
                });
            }
            crate::meter::advance(1);
            Ok(files)
        })
        .collect::<Result<_, ChartError>>()?;
    Ok(drawn.into_iter().flatten().collect())
}

/// The file name (without extension) of a partner's chart. Partner codes are ledger text: only letters,
/// digits, `-` and `_` reach a file name, and two codes that would clash get their position appended.
pub fn partner_chart_name(p: &Progress, code: &str) -> String {
    let clean = |c: &str| -> String {
        c.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' { ch } else { '_' }).collect()
    };
    let mine = clean(code);
    let position = p.partners.iter().position(|x| x.code == code).unwrap_or(0);
    let clash = p.partners.iter().enumerate().any(|(i, x)| i < position && clean(&x.code) == mine);
    if clash {
        format!("partner-{mine}-{}", position + 1)
    } else {
        format!("partner-{mine}")
    }
}

fn bar_height(rows: usize) -> u32 {
    (200 + 56 * rows.max(1)) as u32
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(rgb).map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&BLACK)
}

fn millions(cents: i64) -> f64 {
    cents as f64 / 100_000_000.0
}

/// `1,234` for a number of EUR millions on an axis.
fn axis_millions(v: &f64) -> String {
    let n = v.round() as i64;
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", crate::money::group_thousands(n.unsigned_abs() as u128))
}

fn e<T: std::fmt::Display>(x: T) -> String {
    x.to_string()
}
/// Ledger text as a chart label: one line, no control characters (which XML does not allow either).
fn label(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A partner's label: code and English name, and its name in its own language(s) for a second line.
fn partner_label(p: &Progress, code: &str) -> (String, String) {
    match p.partners.iter().find(|x| x.code == code) {
        Some(x) if x.local_name != x.name => (format!("{code}  {}", label(&x.name)), label(&x.local_name)),
        Some(x) => (format!("{code}  {}", label(&x.name)), String::new()),
        None => (code.to_string(), String::new()),
    }
}
