//! Charts: the only module that imports plotters. It takes the plain `Progress` model and returns SVG
//! text and PNG bytes; it writes nothing. The font (DejaVu Sans, in `assets/fonts`) is embedded, so a
//! PNG renders the same on a machine without fonts; `f64` appears here only to place things on a page.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use rayon::prelude::*;

use crate::date;

mod outlook;
use crate::progress::{partner_stage_counts, Progress, StageCounts};

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
        Kind::Requests => request_cycle(root, p),
        Kind::Funnel => funnel(root, p),
        Kind::Cumulative => cumulative(root, p),
        Kind::Steps => steps_by_stage(root, p, counts),
        Kind::Money => money_at_stake(root, p),
        Kind::Outlook => outlook::fan(root, p),
        Kind::Partner => partner_areas(root, p, counts, partner.unwrap_or_default()),
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

/// One bar: its label, a second label line (in grey), the stacked segments, and a text at its end.
type BarRow = (String, String, Vec<(f64, RGBColor)>, Option<String>);

/// A horizontal stacked-bar chart: one row per label, segments of (value, colour), a legend, and an
/// optional text at the end of each bar.
struct Bars<'a> {
    title: String,
    x_desc: &'a str,
    rows: Vec<BarRow>,
    /// A background bar per row (the envelope) and a marker per row (committed), in x units.
    background: Vec<f64>,
    markers: Vec<Option<f64>>,
    legend: Vec<(&'a str, RGBColor)>,
    integer_axis: bool,
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, b: Bars) -> Result<(), String> {
    let n = b.rows.len().max(1);
    let totals = b.rows.iter().map(|(_, _, segs, _)| segs.iter().map(|(v, _)| v.max(0.0)).sum::<f64>());
    let xmax =
        totals.chain(b.background.iter().copied()).chain(b.markers.iter().flatten().copied()).fold(0.0, f64::max);
    let xmax = if xmax > 0.0 { xmax * 1.22 } else { 1.0 };
    let (chart_area, legend_area) = root.split_vertically(root.dim_in_pixel().1 - 50);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(&b.title, font(22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(290)
        .build_cartesian_2d(0f64..xmax, 0f64..n as f64)
        .map_err(e)?;
    let integer = b.integer_axis;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&|v| match (integer, xmax < 10.0) {
            (true, _) => format!("{}", v.round() as i64),
            (false, true) => format!("{v:.1}"),
            (false, false) => axis_millions(v),
        })
        .x_desc(b.x_desc)
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    for (i, (label, sub, segs, end_text)) in b.rows.iter().enumerate() {
        // Rows from the top: row 0 is drawn highest.
        let y0 = (n - 1 - i) as f64 + 0.2;
        let y1 = y0 + 0.6;
        if let Some(bg) = b.background.get(i) {
            chart
                .draw_series(std::iter::once(Rectangle::new([(0.0, y0 - 0.08), (*bg, y1 + 0.08)], LIGHT.filled())))
                .map_err(e)?;
        }
        let mut x = 0.0;
        for (v, colour) in segs {
            if *v <= 0.0 {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new([(x, y0), (x + v, y1)], colour.filled()))).map_err(e)?;
            chart
                .draw_series(std::iter::once(Rectangle::new([(x, y0), (x + v, y1)], BLACK.stroke_width(1))))
                .map_err(e)?;
            x += v;
        }
        if let Some(Some(m)) = b.markers.get(i) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*m, y0 - 0.15), (*m, y1 + 0.15)],
                    BLACK.stroke_width(3),
                )))
                .map_err(e)?;
        }
        let end = x.max(b.background.get(i).copied().unwrap_or(0.0));
        let (px, py) = chart.backend_coord(&(0.0, (y0 + y1) / 2.0));
        let (label_y, sub_y) = if sub.is_empty() { (py, py) } else { (py - 9, py + 10) };
        chart_area
            .draw(&Text::new(label.clone(), (px - 10, label_y), font(15).pos(Pos::new(HPos::Right, VPos::Center))))
            .map_err(e)?;
        if !sub.is_empty() {
            chart_area
                .draw(&Text::new(
                    sub.clone(),
                    (px - 10, sub_y),
                    font(13).color(&GREY).pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(e)?;
        }
        if let Some(t) = end_text {
            let (ex, ey) = chart.backend_coord(&(end, (y0 + y1) / 2.0));
            chart_area
                .draw(&Text::new(t.clone(), (ex + 8, ey), font(15).pos(Pos::new(HPos::Left, VPos::Center))))
                .map_err(e)?;
        }
    }
    legend(&legend_area, &b.legend)?;
    Ok(())
}

fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, items: &[(&str, RGBColor)]) -> Result<(), String> {
    let mut x = 300i32;
    for (label, colour) in items {
        area.draw(&Rectangle::new([(x, 12), (x + 22, 30)], colour.filled())).map_err(e)?;
        area.draw(&Rectangle::new([(x, 12), (x + 22, 30)], BLACK.stroke_width(1))).map_err(e)?;
        area.draw(&Text::new(label.to_string(), (x + 30, 21), font(14).pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(e)?;
        x += 40 + 9 * label.chars().count() as i32;
    }
    Ok(())
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

/// The request cycle per partner: requested (background; the published part where some amounts are
/// not), approved and pending with the Commission (stacked), paid in regular releases (marker).
fn request_cycle<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
    use crate::progress::Knownness;
    let rows = p
        .partners
        .iter()
        .map(|x| {
            let r = &x.requests;
            let (label, sub) = partner_label(p, &x.code);
            let unpublished = [&r.requested, &r.approved, &r.pending].iter().any(|v| v.knownness() != Knownness::Known);
            let note = format!(
                "{} requests, {} pending{}",
                r.requests_submitted,
                r.requests_pending,
                if unpublished { "; some amounts not published" } else { "" }
            );
            (label, sub, vec![(millions(r.approved.value), DARK_BLUE), (millions(r.pending.value), YELLOW)], Some(note))
        })
        .collect();
    draw_bars(
        root,
        Bars {
            title: format!("Payment requests per partner, as of {}", date::format(p.as_of)),
            x_desc: "EUR million (published amounts)",
            rows,
            background: p.partners.iter().map(|x| millions(x.requests.requested.value)).collect(),
            markers: p
                .partners
                .iter()
                .map(|x| (x.figures.paid_regular > 0).then(|| millions(x.figures.paid_regular)))
                .collect(),
            legend: vec![
                ("requested", LIGHT),
                ("approved (gross)", DARK_BLUE),
                ("pending with the Commission", YELLOW),
                ("paid in regular releases (net): black line", BLACK),
            ],
            integer_axis: false,
        },
    )
}

/// Chart 1: Envelope (background), committed (marker), paid grant and loan (stacked), share paid at the end.
fn funnel<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
    let rows = p
        .partners
        .iter()
        .map(|x| {
            let g = &x.figures;
            let share = crate::money::Rate::ratio(g.paid as i128, g.envelope as i128).to_percent_1dp();
            let (label, sub) = partner_label(p, &x.code);
            (
                label,
                sub,
                vec![(millions(g.paid_grant), DARK_BLUE), (millions(g.paid_loan), SKY)],
                Some(format!("{share} paid")),
            )
        })
        .collect();
    draw_bars(
        root,
        Bars {
            title: format!("Envelope, committed and paid per partner, as of {}", date::format(p.as_of)),
            x_desc: "EUR million",
            rows,
            background: p.partners.iter().map(|x| millions(x.figures.envelope)).collect(),
            markers: p
                .partners
                .iter()
                .map(|x| (x.figures.committed > 0).then(|| millions(x.figures.committed)))
                .collect(),
            legend: vec![
                ("envelope", LIGHT),
                ("paid: grant", DARK_BLUE),
                ("paid: loan", SKY),
                ("committed: black line", BLACK),
            ],
            integer_axis: false,
        },
    )
}

/// How each of [`STAGES`] is shown: its legend and colour.
const STAGE_STYLE: [(&str, RGBColor); 5] = [
    ("fulfilled", DARK_BLUE),
    ("partially fulfilled", SKY),
    ("overdue, in grace", YELLOW),
    ("expired", VERMILLION),
    ("not yet due", WHITE),
];

/// Step counts by stage as bar segments.
fn stage_segments(counts: [u64; 5]) -> Vec<(f64, RGBColor)> {
    counts.iter().zip(STAGE_STYLE).map(|(&n, (_, colour))| (n as f64, colour)).collect()
}

/// A bar chart of step counts by stage.
fn step_bars(title: String, rows: Vec<BarRow>) -> Bars<'static> {
    Bars {
        title,
        x_desc: "steps",
        rows,
        background: Vec::new(),
        markers: Vec::new(),
        legend: STAGE_STYLE.to_vec(),
        integer_axis: true,
    }
}

/// Chart 3: Reform steps per partner by stage.
fn steps_by_stage<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Progress,
    counts: &StageCounts,
) -> Result<(), String> {
    let rows = p
        .partners
        .iter()
        .map(|x| {
            let segs = stage_segments(partner_stage_counts(counts, &x.code));
            let (label, sub) = partner_label(p, &x.code);
            let end = match x.requests.granularity {
                crate::progress::Granularity::Requests => "steps not published".to_string(),
                _ => format!("{} of {} due met", x.figures.steps_fulfilled, x.figures.steps_due),
            };
            (label, sub, segs, Some(end))
        })
        .collect();
    draw_bars(root, step_bars(format!("Reform steps per partner by status, as of {}", date::format(p.as_of)), rows))
}

/// Chart 4: Money at stake per partner: paid, fulfilled not paid, withheld in grace, expired, ahead.
fn money_at_stake<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
    let rows = p
        .partners
        .iter()
        .map(|x| {
            let f = &x.figures;
            let (label, sub) = partner_label(p, &x.code);
            (
                label,
                sub,
                vec![
                    (millions(f.value_paid), GREEN),
                    (millions(f.value_fulfilled_unpaid), SKY),
                    (millions(f.value_withheld), YELLOW),
                    (millions(f.value_expired), VERMILLION),
                    (millions(f.value_ahead), WHITE),
                ],
                Some(match x.requests.granularity {
                    crate::progress::Granularity::Requests => "steps not published".to_string(),
                    _ => format!("{} expired", crate::money::format_millions(f.value_expired as i128)),
                }),
            )
        })
        .collect();
    draw_bars(
        root,
        Bars {
            title: format!("Money at stake in reform steps, as of {}", date::format(p.as_of)),
            x_desc: "EUR million",
            rows,
            background: Vec::new(),
            markers: Vec::new(),
            legend: vec![
                ("paid", GREEN),
                ("fulfilled, not paid", SKY),
                ("withheld, in grace", YELLOW),
                ("expired", VERMILLION),
                ("not yet due", WHITE),
            ],
            integer_axis: false,
        },
    )
}

/// Chart 5: One partner's steps by policy area and stage.
fn partner_areas<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Progress,
    counts: &StageCounts,
    code: &str,
) -> Result<(), String> {
    let rows = p
        .areas
        .iter()
        .filter(|a| a.partner == code)
        .map(|a| {
            let segs = stage_segments(counts.get(&(code, a.area.as_str())).copied().unwrap_or_default());
            let area = label(&a.area);
            let label: String =
                if area.chars().count() > 40 { area.chars().take(39).collect::<String>() + "…" } else { area };
            (label, String::new(), segs, Some(format!("{} of {}", a.figures.steps_fulfilled, a.figures.steps_total)))
        })
        .collect();
    let by_request =
        p.partners.iter().any(|x| x.code == code && x.requests.granularity == crate::progress::Granularity::Requests);
    let title = if by_request {
        format!("{}: steps not published, figures kept request by request", partner_label(p, code).0)
    } else {
        format!("{}: steps by policy area, as of {}", partner_label(p, code).0, date::format(p.as_of))
    };
    draw_bars(root, step_bars(title, rows))
}

/// Chart 2: Cumulative payments per partner over time (solid, a dot per release month), against the
/// planned curve of step amounts by due date (dashed).
fn cumulative<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
    let months: Vec<&str> = {
        let mut m: Vec<&str> = p.timeline.iter().map(|t| t.month.as_str()).collect();
        m.sort();
        m.dedup();
        m
    };
    let n = months.len().max(2) as f64;
    // The plan is the steps' amounts by due date: without any step there is no plan to draw.
    let planned = p.requests.granularity != crate::progress::Granularity::Requests;
    let ymax = p.timeline.iter().map(|t| millions(t.paid_cumulative.max(t.planned_cumulative))).fold(0.0, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.1 } else { 1.0 };
    let (chart_area, legend_area) = root.split_vertically(root.dim_in_pixel().1 - 50);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(
            if planned {
                format!("Cumulative payments against planned step values, as of {}", date::format(p.as_of))
            } else {
                format!("Cumulative payments, as of {}", date::format(p.as_of))
            },
            font(22),
        )
        .margin(16)
        .margin_right(40)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..(n - 1.0), 0f64..ymax)
        .map_err(e)?;
    let labels = months.clone();
    chart
        .configure_mesh()
        .x_labels(10)
        .x_label_formatter(&|v| labels.get(v.round() as usize).map(|s| s.to_string()).unwrap_or_default())
        .y_label_formatter(&|v| if ymax < 10.0 { format!("{v:.1}") } else { axis_millions(v) })
        .y_desc("EUR million")
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    let mut legend_items = Vec::new();
    for (i, x) in p.partners.iter().enumerate() {
        let colour = PARTNER_COLOURS[i % PARTNER_COLOURS.len()];
        let points: Vec<(f64, f64, f64)> = p
            .timeline
            .iter()
            .filter(|t| t.partner == x.code)
            .map(|t| {
                let idx = months.binary_search(&t.month.as_str()).unwrap_or(0) as f64;
                (idx, millions(t.paid_cumulative), millions(t.planned_cumulative))
            })
            .collect();
        if planned {
            chart
                .draw_series(DashedLineSeries::new(
                    points.iter().map(|(m, _, q)| (*m, *q)),
                    8,
                    6,
                    colour.stroke_width(2),
                ))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(points.iter().map(|(m, v, _)| (*m, *v)), colour.stroke_width(3)))
            .map_err(e)?;
        let releases: Vec<(f64, f64)> =
            points.windows(2).filter(|w| w[1].1 > w[0].1).map(|w| (w[1].0, w[1].1)).collect();
        chart.draw_series(releases.into_iter().map(|pt| Circle::new(pt, 5, colour.filled()))).map_err(e)?;
        legend_items.push((x.code.as_str(), colour));
    }
    let mut x = 120i32;
    for (label, colour) in &legend_items {
        legend_area.draw(&PathElement::new(vec![(x, 21), (x + 28, 21)], colour.stroke_width(3))).map_err(e)?;
        legend_area.draw(&Circle::new((x + 14, 21), 5, colour.filled())).map_err(e)?;
        legend_area
            .draw(&Text::new(label.to_string(), (x + 34, 21), font(14).pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(e)?;
        x += 80;
    }
    legend_area
        .draw(&Text::new(
            if planned {
                "solid: paid (dot: a release) · dashed: planned, step amounts by due date"
            } else {
                "paid (dot: a release); no plan: the steps and their amounts are not published"
            }
            .to_string(),
            (x + 20, 21),
            font(14).color(&GREY).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(e)?;
    Ok(())
}
