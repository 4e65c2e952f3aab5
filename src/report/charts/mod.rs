//! PNG charts drawn with plotters into memory, then encoded with `png`.
//!
//! One function per figure; sizes, fonts and colours are constants here so
//! that every chart looks the same and a plan keeps its colour everywhere.
//! The font is embedded (DejaVu Sans), so no system font library is needed.

mod batch;
mod scenario;

use std::sync::Once;

use plotters::chart::MeshStyle;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

pub use batch::{BatchChart, FILE as BATCH_FILE};
pub use scenario::scenario_charts;

use crate::catalog::Catalog;
use crate::error::Error;

/// Default chart size in pixels: reads well on a laptop screen.
pub const DEFAULT_SIZE: (u32, u32) = (1000, 600);
pub const FONT: &str = "sans-serif";
pub const TITLE_SIZE: u32 = 26;
pub const LABEL_SIZE: u32 = 17;
pub const TICK_SIZE: u32 = 15;
/// Grid lines: light enough not to compete with the data.
pub const GRID: RGBColor = RGBColor(215, 215, 215);
pub const LIGHT_GRID: RGBColor = RGBColor(246, 246, 246);

/// The Okabe-Ito palette, which colour-blind readers can tell apart (yellow,
/// too light on white, replaced by grey).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(120, 120, 120), // grey
];

/// A plan's colour: fixed by its place in the catalog, so the same in every chart.
pub fn plan_color(catalog: &Catalog, plan: &str) -> RGBColor {
    let index = catalog.plans.iter().position(|p| p.id == plan).unwrap_or(0);
    PALETTE[index % PALETTE.len()]
}

/// Sets a chart's axes in the common style (fonts, light grid) with their descriptions.
pub fn style_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    x_desc: &str,
    y_desc: &str,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, LABEL_SIZE))
        .label_style((FONT, TICK_SIZE))
        .light_line_style(LIGHT_GRID)
        .bold_line_style(GRID)
}

/// Registers the embedded font once per process.
fn register_fonts() -> Result<(), Error> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        for (style, bytes) in [(FontStyle::Normal, dejavu::sans::regular()), (FontStyle::Bold, dejavu::sans::bold())] {
            if register_font(FONT, style, bytes).is_err() {
                result = Err(Error::Run("the embedded font could not be loaded".into()));
            }
        }
    });
    result
}

/// Any drawing error as a run error naming the chart.
pub fn chart_error(chart: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Run(format!("cannot draw {chart}: {e}"))
}

/// Draws into an RGB buffer of `size` with `draw`, then encodes it as PNG.
pub fn render_png(
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<Vec<u8>, Error> {
    register_fonts()?;
    let (w, h) = size;
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string()).map_err(chart_error(name))?;
        draw(&root).map_err(chart_error(name))?;
        root.present().map_err(|e| e.to_string()).map_err(chart_error(name))?;
    }
    encode_png(&pixels, size).map_err(|e| Error::Run(format!("cannot encode {name}: {e}")))
}

fn encode_png(pixels: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(bytes)
}

/// Parses `--plot-size WxH`.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| format!("`{text}`: give WIDTHxHEIGHT, e.g. 1000x600"))?;
    let parse = |v: &str| v.trim().parse::<u32>().ok().filter(|v| (300..=4000).contains(v));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("`{text}`: width and height must be whole numbers of pixels from 300 to 4000")),
    }
}

/// Axis numbers for people: 8,500 not 8500.000; 1.2M for millions.
pub fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1000.0 || v == v.trunc() {
        crate::report::format::thousands_signed(v.round() as i64)
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Dollar axis labels: $0.25, $12, $1,500.
pub fn axis_dollars(v: f64) -> String {
    if v.abs() < 10.0 && v != v.trunc() { format!("${v:.2}") } else { format!("${}", axis_number(v)) }
}

pub fn axis_percent(v: f64) -> String {
    format!("{}%", axis_number(v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_sizes_parse_and_bad_ones_are_explained() {
        assert_eq!(parse_size("1200x700"), Ok((1200, 700)));
        assert!(parse_size("1200").unwrap_err().contains("WIDTHxHEIGHT"));
        assert!(parse_size("10x10").unwrap_err().contains("300 to 4000"));
    }

    #[test]
    fn axis_numbers_read_naturally() {
        assert_eq!(axis_number(8500.0), "8,500");
        assert_eq!(axis_number(2_500_000.0), "2.5M");
        assert_eq!(axis_number(0.25), "0.25");
        assert_eq!(axis_dollars(0.5), "$0.50");
        assert_eq!(axis_dollars(1500.0), "$1,500");
        assert_eq!(axis_percent(0.05), "5%");
    }
}
