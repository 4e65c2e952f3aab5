//! The command line, turned into calls of the library.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::catalog::{Catalog, render_tables};
use crate::error::Error;

#[derive(Debug, Parser)]
#[command(
    name = "tokensim",
    version,
    about = "How likely you are to run out on each AI-generation plan, and what one usable deliverable really costs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the catalog (plans and action costs) as tables, or dump it as TOML.
    Catalog(CatalogArgs),
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Use this catalog file instead of the embedded Leonardo.Ai catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Write the catalog as editable TOML: to FILE, or to stdout without one.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub dump: Option<PathBuf>,
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Catalog(args) => catalog(args),
    }
}

/// The catalog named by `--catalog`, or the embedded one.
pub fn load_catalog(path: Option<&PathBuf>) -> Result<Catalog, Error> {
    match path {
        Some(path) => Ok(Catalog::load(path)?),
        None => Ok(Catalog::leonardo()),
    }
}

fn catalog(args: CatalogArgs) -> Result<(), Error> {
    let catalog = load_catalog(args.catalog.as_ref())?;
    match args.dump {
        None => print_stdout(&render_tables(&catalog)),
        Some(path) if path.as_os_str() == "-" => print_stdout(&catalog.to_toml()),
        Some(path) => crate::report::write_atomically(&path, catalog.to_toml().as_bytes()),
    }
}

fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`tokensim catalog | head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Error::Run(format!("cannot write to stdout: {e}"))),
    }
}
