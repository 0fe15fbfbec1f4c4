fn main() {
    std::process::exit(reflex_django_lsp::cli::run());
}
