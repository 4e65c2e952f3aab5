//! The charts of one scenario, one function per figure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, TICK_SIZE, TITLE_SIZE, axis_dollars, axis_number, axis_percent, plan_color, render_png, style_mesh};
use crate::error::Error;
use crate::report::{Exporter, ScenarioReport};

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type Draw = fn(&ScenarioReport, &Area) -> Result<(), String>;

/// One chart file of a scenario.
pub struct Chart {
    file: &'static str,
    size: (u32, u32),
    draw: Draw,
}

impl Exporter for Chart {
    fn file_name(&self) -> &'static str {
        self.file
    }
    fn render(&self, report: &ScenarioReport) -> Result<Vec<u8>, Error> {
        render_png(self.file, self.size, |area| (self.draw)(report, area))
    }
}

/// Every chart of a scenario, drawn at `size`.
pub fn scenario_charts(size: (u32, u32)) -> Vec<Box<dyn Exporter>> {
    let charts: [(&'static str, Draw); 5] = [
        ("exhaustion.png", exhaustion),
        ("cost_per_usable.png", cost_per_usable),
        ("demand.png", demand),
        ("bank.png", bank),
        ("exhaustion_day.png", exhaustion_day),
    ];
    charts.into_iter().map(|(file, draw)| Box::new(Chart { file, size, draw }) as Box<dyn Exporter>).collect()
}

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn title(r: &ScenarioReport, what: &str) -> String {
    format!("{}: {what}", r.scenario.title)
}

/// A chart frame with the common title, margins and fonts.
fn frame<'a, 'b>(area: &'a Area<'b>, caption: &str) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(caption, (FONT, TITLE_SIZE).into_font().style(FontStyle::Bold))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(85);
    builder
}

fn footnote(area: &Area, r: &ScenarioReport) -> Result<(), String> {
    let note = format!(
        "{} paths x {} months, seed {}; {} prices as of {}",
        r.stats.paths, r.scenario.file.run.months, r.scenario.file.run.seed, r.catalog.vendor, r.catalog.as_of
    );
    let (_, h) = area.dim_in_pixel();
    area.draw(&Text::new(note, (20, h as i32 - 20), (FONT, 13).into_font().color(&RGBColor(90, 90, 90)))).map_err(text)
}

/// Probability that a month runs out, per plan, with its 95% interval and the target.
fn exhaustion(r: &ScenarioReport, area: &Area) -> Result<(), String> {
    let n = r.summaries.len();
    let target = r.scenario.file.run.target;
    let top = r.summaries.iter().map(|s| s.exhaustion.high).fold(target, f64::max).max(0.01) * 1.15;
    let mut chart = frame(area, &title(r, "chance that a month runs out"))
        .build_cartesian_2d((0..n as i32 - 1).into_segmented(), 0f64..top.min(1.05))
        .map_err(text)?;
    let names: Vec<&str> = r.plan_ids().iter().map(|id| r.plan_name_of(id)).collect();
    style_mesh(&mut chart.configure_mesh(), "plan", "months that run out (%)")
        .disable_x_mesh()
        .x_label_formatter(&|v| segment_label(v, &names))
        .y_label_formatter(&|v| axis_percent(*v))
        .draw()
        .map_err(text)?;
    for (i, s) in r.summaries.iter().enumerate() {
        let color = plan_color(r.catalog, &r.plan_ids()[i]);
        let x = i as i32;
        let mut bar = Rectangle::new(
            [(SegmentValue::Exact(x), 0.0), (SegmentValue::Exact(x + 1), s.exhaustion.value)],
            color.mix(0.85).filled(),
        );
        bar.set_margin(0, 0, 25, 25);
        chart.draw_series(std::iter::once(bar)).map_err(text)?;
        let bar = ErrorBar::new_vertical(
            SegmentValue::CenterOf(x),
            s.exhaustion.low,
            s.exhaustion.value,
            s.exhaustion.high,
            BLACK.stroke_width(2),
            14,
        );
        chart.draw_series(std::iter::once(bar)).map_err(text)?;
    }
    let line = [(SegmentValue::Exact(0), target), (SegmentValue::Exact(n as i32), target)];
    chart
        .draw_series(LineSeries::new(line, RGBColor(200, 0, 0).stroke_width(2)))
        .map_err(text)?
        .label(format!("target: {}", axis_percent(target)))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RGBColor(200, 0, 0).stroke_width(2)));
    chart
        .draw_series(std::iter::empty::<Circle<_, i32>>())
        .map_err(text)?
        .label("bar: estimate; whiskers: 95% interval");
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    footnote(area, r)
}

fn segment_label(v: &SegmentValue<i32>, names: &[&str]) -> String {
    match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).map_or(String::new(), |n| n.to_string()),
        _ => String::new(),
    }
}

fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, TICK_SIZE))
        .draw()
        .map_err(text)
}

/// Cost per usable deliverable across months, per plan: box from P25 to P75,
/// whiskers from P5 to P95, the median as a line, the mean (ratio of totals) as a dot.
fn cost_per_usable(r: &ScenarioReport, area: &Area) -> Result<(), String> {
    let n = r.summaries.len();
    let quantiles: Vec<[f64; 5]> = r
        .stats
        .plans
        .iter()
        .map(|p| [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| p.cost_per_usable.quantile(q) * 1e-6))
        .collect();
    let top = quantiles
        .iter()
        .flatten()
        .chain(r.summaries.iter().map(|s| &s.cost_per_usable.value))
        .filter(|v| v.is_finite())
        .fold(0.01f64, |a, b| a.max(*b))
        * 1.15;
    let mut chart = frame(area, &title(r, "cost per usable deliverable across months"))
        .build_cartesian_2d((0..n as i32 - 1).into_segmented(), 0f64..top)
        .map_err(text)?;
    let names: Vec<&str> = r.plan_ids().iter().map(|id| r.plan_name_of(id)).collect();
    style_mesh(&mut chart.configure_mesh(), "plan", "dollars per usable deliverable")
        .disable_x_mesh()
        .x_label_formatter(&|v| segment_label(v, &names))
        .y_label_formatter(&|v| axis_dollars(*v))
        .draw()
        .map_err(text)?;
    for (i, q) in quantiles.iter().enumerate() {
        if q.iter().any(|v| !v.is_finite()) {
            continue;
        }
        let color = plan_color(r.catalog, &r.plan_ids()[i]);
        let x = i as i32;
        let whisker = PathElement::new(
            [(SegmentValue::CenterOf(x), q[0]), (SegmentValue::CenterOf(x), q[4])],
            color.stroke_width(2),
        );
        chart.draw_series(std::iter::once(whisker)).map_err(text)?;
        for end in [q[0], q[4]] {
            let mut cap = Rectangle::new(
                [(SegmentValue::Exact(x), end), (SegmentValue::Exact(x + 1), end)],
                color.stroke_width(2),
            );
            cap.set_margin(0, 0, 60, 60);
            chart.draw_series(std::iter::once(cap)).map_err(text)?;
        }
        let mut body = Rectangle::new(
            [(SegmentValue::Exact(x), q[1]), (SegmentValue::Exact(x + 1), q[3])],
            color.mix(0.35).filled(),
        );
        body.set_margin(0, 0, 30, 30);
        let mut outline =
            Rectangle::new([(SegmentValue::Exact(x), q[1]), (SegmentValue::Exact(x + 1), q[3])], color.stroke_width(2));
        outline.set_margin(0, 0, 30, 30);
        chart.draw_series([body, outline]).map_err(text)?;
        let mut median =
            Rectangle::new([(SegmentValue::Exact(x), q[2]), (SegmentValue::Exact(x + 1), q[2])], BLACK.stroke_width(3));
        median.set_margin(0, 0, 30, 30);
        chart.draw_series(std::iter::once(median)).map_err(text)?;
    }
    let means = r.summaries.iter().enumerate().filter(|(_, s)| s.cost_per_usable.value.is_finite());
    chart
        .draw_series(means.map(|(i, s)| {
            Circle::new((SegmentValue::CenterOf(i as i32), s.cost_per_usable.value), 6, RGBColor(200, 0, 0).filled())
        }))
        .map_err(text)?
        .label("mean (total cost / total usable)")
        .legend(|(x, y)| Circle::new((x + 10, y), 6, RGBColor(200, 0, 0).filled()));
    chart
        .draw_series(std::iter::empty::<Circle<_, f64>>())
        .map_err(text)?
        .label("box: P25-P75, line: median, whiskers: P5-P95");
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    footnote(area, r)
}

/// Monthly token demand (what the work would cost if all of it were paid),
/// with each token plan's monthly allowance marked.
fn demand(r: &ScenarioReport, area: &Area) -> Result<(), String> {
    let sketch = &r.stats.demand;
    let (low, high) = (sketch.quantile(0.0), sketch.quantile(0.995));
    let allowances: Vec<(usize, f64)> =
        (0..r.summaries.len()).filter(|&i| r.counts_tokens(i)).map(|i| (i, r.monthly_allowance(i) as f64)).collect();
    let max_x = allowances.iter().map(|a| a.1).fold(high, f64::max).max(1.0) * 1.08;
    let bins = 40u64;
    let width = ((high.max(low + 1.0) - low) / bins as f64).ceil().max(1.0);
    let total = sketch.len().max(1) as f64;
    let shares: Vec<(f64, f64)> = (0..bins)
        .map(|b| {
            let from = low + b as f64 * width;
            (from, sketch.count_in(from as u64, (from + width) as u64) as f64 / total)
        })
        .collect();
    let top = shares.iter().map(|s| s.1).fold(0.01, f64::max) * 1.2;
    let mut chart = frame(area, &title(r, "tokens the work asks for in a month"))
        .build_cartesian_2d(0f64..max_x, 0f64..top)
        .map_err(text)?;
    style_mesh(&mut chart.configure_mesh(), "tokens demanded in a month", "share of months (%)")
        .x_label_formatter(&|v| axis_number(*v))
        .y_label_formatter(&|v| axis_percent(*v))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(shares.iter().map(|&(from, share)| {
            Rectangle::new([(from, 0.0), (from + width, share)], RGBColor(150, 150, 150).filled())
        }))
        .map_err(text)?
        .label("months, by demand")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], RGBColor(150, 150, 150).filled()));
    for (i, allowance) in allowances {
        let color = plan_color(r.catalog, &r.plan_ids()[i]);
        chart
            .draw_series(LineSeries::new([(allowance, 0.0), (allowance, top)], color.stroke_width(3)))
            .map_err(text)?
            .label(format!("{} allowance: {}", r.plan_name(i), axis_number(allowance)))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    footnote(area, r)
}

/// The rollover bank at month end over the horizon: median and P10-P90 band.
fn bank(r: &ScenarioReport, area: &Area) -> Result<(), String> {
    let months = r.stats.months as i32;
    let plans: Vec<usize> = (0..r.summaries.len()).filter(|&i| r.counts_tokens(i)).collect();
    let top = plans
        .iter()
        .flat_map(|&i| r.stats.plans[i].by_month.iter().map(|m| m.bank.quantile(0.9)))
        .filter(|v| v.is_finite())
        .fold(100.0f64, f64::max)
        * 1.15;
    let mut chart = frame(area, &title(r, "rollover bank at the end of each month"))
        .build_cartesian_2d(0.8f64..f64::from(months) + 0.2, 0f64..top)
        .map_err(text)?;
    style_mesh(&mut chart.configure_mesh(), "month", "tokens in the bank")
        .x_label_formatter(&|v| axis_number(*v))
        .y_label_formatter(&|v| axis_number(*v))
        .draw()
        .map_err(text)?;
    for i in plans {
        let color = plan_color(r.catalog, &r.plan_ids()[i]);
        let by_month = &r.stats.plans[i].by_month;
        let point = |m: usize, q: f64| (m as f64 + 1.0, by_month[m].bank.quantile(q));
        let upper: Vec<(f64, f64)> = (0..by_month.len()).map(|m| point(m, 0.9)).collect();
        let lower: Vec<(f64, f64)> = (0..by_month.len()).rev().map(|m| point(m, 0.1)).collect();
        let band: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18).filled()))).map_err(text)?;
        chart
            .draw_series(LineSeries::new((0..by_month.len()).map(|m| point(m, 0.5)), color.stroke_width(3)))
            .map_err(text)?
            .label(format!("{}: median, band P10-P90", r.plan_name(i)))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    footnote(area, r)
}

/// The day of the month by which months have run out (a CDF that ends at the
/// probability of running out).
fn exhaustion_day(r: &ScenarioReport, area: &Area) -> Result<(), String> {
    let days = r.scenario.file.run.days_per_month;
    let top = r.summaries.iter().map(|s| s.exhaustion.value).filter(|v| v.is_finite()).fold(0.01, f64::max) * 1.15;
    let mut chart = frame(area, &title(r, "when in the month the tokens run out"))
        .build_cartesian_2d(0.5f64..f64::from(days) + 0.5, 0f64..top.min(1.05))
        .map_err(text)?;
    style_mesh(&mut chart.configure_mesh(), "day of the month", "months run out by that day (%)")
        .x_label_formatter(&|v| axis_number(*v))
        .y_label_formatter(&|v| axis_percent(*v))
        .draw()
        .map_err(text)?;
    for (i, plan) in r.stats.plans.iter().enumerate() {
        let color = plan_color(r.catalog, &r.plan_ids()[i]);
        let months = plan.sums().months.max(1) as f64;
        let mut cumulative = 0u64;
        // A step at each day: the share of months run out by the end of that day.
        let mut steps = Vec::with_capacity(2 * days as usize);
        for day in 1..=days as usize {
            cumulative += plan.exhaustion_days.get(day).copied().unwrap_or(0);
            let share = cumulative as f64 / months;
            steps.push((day as f64 - 0.5, share));
            steps.push((day as f64 + 0.5, share));
        }
        chart
            .draw_series(LineSeries::new(steps, color.stroke_width(3)))
            .map_err(text)?
            .label(r.plan_name(i).to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    footnote(area, r)
}
