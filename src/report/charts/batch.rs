//! One chart for the whole batch: expected monthly cost of every plan in every
//! scenario, with the recommended plan ringed.

use plotters::prelude::*;

use super::{FONT, TICK_SIZE, TITLE_SIZE, axis_dollars, plan_color, render_png, style_mesh};
use crate::error::Error;
use crate::report::ScenarioReport;

pub const FILE: &str = "plans_by_scenario.png";

pub struct BatchChart {
    pub size: (u32, u32),
}

impl BatchChart {
    pub fn render(&self, reports: &[ScenarioReport]) -> Result<Vec<u8>, Error> {
        render_png(FILE, self.size, |area| draw(reports, area))
    }
}

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn draw(reports: &[ScenarioReport], area: &DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), String> {
    let Some(first) = reports.first() else { return Ok(()) };
    let catalog = first.catalog;
    let n = reports.len() as i32;
    let max_cost = reports
        .iter()
        .flat_map(|r| r.summaries.iter().map(|s| s.cost.value))
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max)
        * 1.12;
    let titles: Vec<&str> = reports.iter().map(|r| r.scenario.title.as_str()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Expected monthly cost of each plan, by scenario",
            (FONT, TITLE_SIZE).into_font().style(FontStyle::Bold),
        )
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(230)
        .build_cartesian_2d(0f64..max_cost, (0..n - 1).into_segmented())
        .map_err(text)?;
    style_mesh(&mut chart.configure_mesh(), "expected cost per month (dollars); ringed: recommended plan", "")
        .disable_y_mesh()
        .x_label_formatter(&|v| axis_dollars(*v))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => titles.get(*i as usize).map_or(String::new(), |t| t.to_string()),
            _ => String::new(),
        })
        .draw()
        .map_err(text)?;
    // One legend entry per plan, in catalog order.
    for plan in &catalog.plans {
        let color = plan_color(catalog, &plan.id);
        let points: Vec<(f64, SegmentValue<i32>)> = reports
            .iter()
            .enumerate()
            .filter_map(|(j, r)| {
                let i = r.plan_ids().iter().position(|id| *id == plan.id)?;
                let cost = r.summaries[i].cost.value;
                cost.is_finite().then_some((cost, SegmentValue::CenterOf(j as i32)))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(points.into_iter().map(|p| Circle::new(p, 8, color.filled())))
            .map_err(text)?
            .label(plan.name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 7, color.filled()));
    }
    let rings = reports.iter().enumerate().filter_map(|(j, r)| {
        let i = r.recommended?;
        Some(Circle::new((r.summaries[i].cost.value, SegmentValue::CenterOf(j as i32)), 14, BLACK.stroke_width(3)))
    });
    chart.draw_series(rings).map_err(text)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, TICK_SIZE))
        .draw()
        .map_err(text)
}
