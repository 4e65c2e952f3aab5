use clap::Parser;

fn main() {
    let cli = tokensim::cli::Cli::parse();
    if let Err(error) = tokensim::cli::run(cli) {
        eprintln!("error: {error}");
        std::process::exit(error.exit_code());
    }
}
