use clap::Parser;

fn main() {
    let cli = tokensim::cli::Cli::parse();
    if let Err(error) = tokensim::cli::run(cli) {
        for line in error.to_string().lines() {
            eprintln!("error: {line}");
        }
        std::process::exit(error.exit_code());
    }
}
