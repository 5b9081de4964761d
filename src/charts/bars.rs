//! The horizontal stacked-bar charts: the bar drawing and its legend, and the five charts drawn with it
//! (the request cycle, the funnel, steps by stage, money at stake, and each partner's policy areas).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{axis_millions, e, font, label, millions, partner_label};
use super::{DARK_BLUE, GREEN, GREY, LIGHT, SKY, VERMILLION, YELLOW};
use crate::date;
use crate::progress::{partner_stage_counts, Progress, StageCounts};

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

/// The request cycle per partner: requested (background; the published part where some amounts are
/// not), approved and pending with the Commission (stacked), paid in regular releases (marker).
pub(super) fn request_cycle<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
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
pub(super) fn funnel<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
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
pub(super) fn steps_by_stage<DB: DrawingBackend>(
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
pub(super) fn money_at_stake<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
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
pub(super) fn partner_areas<DB: DrawingBackend>(
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
