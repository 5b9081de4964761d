//! The outlook chart: the facility's recorded cumulative payments, then the three projections as a fan
//! to the facility's last payment date. Each projection has its own line pattern and a label at its
//! end, so colour is never the only cue.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{axis_millions, e, font, millions, DARK_BLUE, GREEN, GREY, VERMILLION};
use crate::date::{self, Date};
use crate::progress::{Progress, SCENARIOS};

/// Months since year 0, to place dates on the x axis.
fn month_index(d: Date) -> i32 {
    use chrono::Datelike;
    d.year() * 12 + d.month0() as i32
}

pub(super) fn fan<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Progress) -> Result<(), String> {
    let o = &p.outlook;
    // Recorded: the partners' cumulative payments summed month by month.
    let mut recorded: Vec<(i32, i64)> = Vec::new();
    for t in &p.timeline {
        let Ok(first) = date::parse_month(&t.month) else { continue };
        let m = month_index(first);
        match recorded.iter_mut().find(|(x, _)| *x == m) {
            Some((_, v)) => *v += t.paid_cumulative,
            None => recorded.push((m, t.paid_cumulative)),
        }
    }
    recorded.sort();
    let start = (month_index(p.as_of), p.facility.paid);
    let first = recorded.first().map_or(start.0, |r| r.0);
    let last = o.windows.last().map_or(start.0, |w| month_index(*w)).max(first + 1);
    let envelope = millions(p.facility.envelope).max(1.0);
    let (chart_area, legend_area) = root.split_vertically(root.dim_in_pixel().1 - 50);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(
            format!(
                "Paid so far and three projections to {} (projections, not records)",
                date::format(o.windows.last().copied().unwrap_or(p.as_of))
            ),
            font(22),
        )
        .margin(16)
        .margin_right(150)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(first as f64..last as f64, 0f64..envelope * 1.08)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|v| {
            let m = v.round() as i32;
            format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
        })
        .y_label_formatter(&|v| axis_millions(v))
        .y_desc("EUR million, cumulative")
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    // The envelope: what the on-plan projection reaches.
    chart
        .draw_series(DashedLineSeries::new(
            [(first as f64, envelope), (last as f64, envelope)],
            3,
            5,
            GREY.stroke_width(1),
        ))
        .map_err(e)?;
    chart
        .draw_series(std::iter::once(Text::new(
            "the envelopes".to_string(),
            (first as f64, envelope),
            font(13).pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(e)?;
    let mut line: Vec<(f64, f64)> = recorded.iter().map(|(m, v)| (*m as f64, millions(*v))).collect();
    line.push((start.0 as f64, millions(start.1)));
    chart.draw_series(LineSeries::new(line, BLACK.stroke_width(3))).map_err(e)?;
    let styles = [(GREEN, 10, 0), (DARK_BLUE, 8, 6), (VERMILLION, 2, 5)];
    for (scenario, (colour, dash, gap)) in SCENARIOS.iter().zip(styles) {
        let mut points = vec![(start.0 as f64, millions(start.1))];
        points.extend(
            o.facility
                .iter()
                .filter(|x| x.scenario == *scenario)
                .map(|x| (month_index(x.window_end) as f64, millions(x.paid))),
        );
        let end = points.last().copied().unwrap_or_default();
        if gap == 0 {
            chart.draw_series(LineSeries::new(points, colour.stroke_width(3))).map_err(e)?;
        } else {
            chart.draw_series(DashedLineSeries::new(points, dash, gap, colour.stroke_width(3))).map_err(e)?;
        }
        chart
            .draw_series(std::iter::once(Text::new(
                scenario.replace('_', " "),
                end,
                font(13).pos(Pos::new(HPos::Left, VPos::Center)),
            )))
            .map_err(e)?;
    }
    legend_area
        .draw(&Text::new(
            "black: paid (recorded) · solid green: on plan · dashed blue: at the observed pace · dotted red: no further progress · grey: the envelopes"
                .to_string(),
            (120, 21),
            font(14).color(&GREY).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(e)?;
    Ok(())
}
