//! The cumulative payments chart: each partner's payments month by month, a dot per release, against
//! the planned curve of step amounts by due date where steps are known.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{axis_millions, e, font, millions, GREY, PARTNER_COLOURS};
use crate::date;
use crate::progress::Progress;

/// Chart 2: Cumulative payments per partner over time (solid, a dot per release month), against the
/// planned curve of step amounts by due date (dashed).
pub(super) fn cumulative<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
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
