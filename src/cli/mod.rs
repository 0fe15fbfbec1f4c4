//! Command line (SPEC §2): `check`, `rule`, `server`, `schema`.
//!
//! [`run`] never panics out: usage, configuration and I/O problems are one
//! line on stderr and exit code 2, and so is an internal error (a panic hook
//! prints one line instead of a backtrace).

mod add_noqa;
mod check;
mod fix;
mod rule;
mod schema;
mod server;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::OutputFormat;

pub use check::check;
pub use rule::rule;

/// Stack size of the threads that parse and analyse (deeply nested sources).
const STACK_SIZE: usize = 256 << 20;
const WORKER_STACK_SIZE: usize = 64 << 20;

/// Exit codes (SPEC §2): 0 when no error or warning remains (info findings
/// never fail a run; `--exit-zero` always 0; `--diff`: nothing to change),
/// 1 when one does (`--diff`: a file would change), 2 for a usage,
/// configuration or I/O error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "reflex-django-lsp",
    // `0.1.0 (<short commit> <date>)` from a git checkout, else `0.1.0` (build.rs).
    version = env!("RDJ_LONG_VERSION"),
    about = "Linter and language server for Django ORM use from async code (Reflex + reflex-django)",
    arg_required_else_help = true,
    propagate_version = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check Python files for Django ORM misuse from async code.
    Check(CheckArgs),
    /// Show the documentation of a rule, or of all rules.
    Rule(RuleArgs),
    /// Run the language server (LSP over stdio).
    Server(ServerArgs),
    /// Print the model schema as derived statically, and the drift report.
    Schema(SchemaArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Project folder (default: .).
    pub path: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = SchemaFormat::Text)]
    pub output_format: SchemaFormat,

    /// Compare with this database (default: the project's own, if configured).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Skip the live-database checks.
    #[arg(long, conflicts_with = "database_url")]
    pub no_database: bool,

    /// Use this config file instead of discovering one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Use this configuration file for every file instead of discovering
    /// them (like `check --config`); editor settings still apply over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Answer a message larger than this many bytes with an error, unread.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_message_size: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check (default: .); `-` reads source from stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Full)]
    pub output_format: OutputFormat,

    /// Apply safe fixes.
    #[arg(long)]
    pub fix: bool,

    /// Also apply unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print a unified diff of the fixes and change nothing.
    #[arg(long)]
    pub diff: bool,

    /// List the fixes applied (with `--fix`), that would be (with `--diff`),
    /// or that are available, per file and rule.
    #[arg(long)]
    pub show_fixes: bool,

    /// Add `# noqa: CODE` to the line of every current finding (merged
    /// into an existing `# noqa`), so that the next run is clean.
    #[arg(long, conflicts_with_all = ["fix", "diff", "statistics"])]
    pub add_noqa: bool,

    /// Print the findings only: no summary, no notes.
    #[arg(short, long, conflicts_with = "silent")]
    pub quiet: bool,

    /// Print nothing (the exit code still tells); with `-` and `--fix` the
    /// fixed source is still printed.
    #[arg(short, long)]
    pub silent: bool,

    /// Rules to enable, by code or prefix (comma-separated: RDJ1,RDJ201).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Option<Vec<String>>,

    /// Rules to disable, by code or prefix.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,

    /// Rules to enable in addition to the selected ones.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,

    /// Show counts per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    /// Exit 0 even when there are findings (otherwise an error or a warning
    /// left exits 1; info findings never fail a run).
    #[arg(long)]
    pub exit_zero: bool,

    /// Use this config file instead of discovering one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the live-database checks against this database.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Skip the live-database checks.
    #[arg(long, conflicts_with = "database_url")]
    pub no_database: bool,

    /// Target Django version for fixes (default: detected, else 5.2).
    #[arg(long, value_name = "X.Y")]
    pub django_version: Option<String>,

    /// The file name of source read from stdin (with PATH `-`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,

    /// Do not read or write the result cache
    #[arg(long)]
    pub no_cache: bool,

    /// Where the result cache lives (default: `.reflex-django-lsp-cache` in the project root)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code or name, e.g. RDJ101 or blocking-queryset-call.
    #[arg(value_name = "CODE", required_unless_present = "all", conflicts_with = "all")]
    pub code: Option<String>,

    /// Show every rule.
    #[arg(long)]
    pub all: bool,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = RuleFormat::Text)]
    pub output_format: RuleFormat,
}

/// A reason to stop with exit code 2, shown as `error: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

impl<T: Into<String>> From<T> for Fatal {
    fn from(s: T) -> Fatal {
        Fatal(s.into())
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = payload.replace(['\n', '\r'], " ");
        eprintln!("error: internal error: {payload}{location}; this is a bug in reflex-django-lsp, please report it");
    }));
}

/// The binary's entry point: parses `std::env::args_os()` and returns the exit code.
pub fn run() -> i32 {
    install_panic_hook();
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "check") {
        tune_allocator();
    }
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_SIZE)
        .build_global();
    let spawned = std::thread::Builder::new()
        .name("reflex-django-lsp".into())
        .stack_size(STACK_SIZE)
        .spawn({
            let args = args.clone();
            move || run_with(args)
        });
    match spawned {
        Ok(handle) => handle.join().unwrap_or(EXIT_ERROR),
        Err(_) => std::panic::catch_unwind(|| run_with(args)).unwrap_or(EXIT_ERROR),
    }
}

/// `check` builds thousands of syntax trees on several threads, and glibc
/// grows each thread's heap page by page as it fills: on Django's tree that
/// is 14,000 `mprotect` calls, a tenth of the wall time. With a 64 MiB top
/// pad, a thread's heap is committed in one go when it is created (so this
/// runs before any thread starts); only address space is reserved, the peak
/// RSS stays the same. The server, long-lived, keeps glibc's defaults.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; no other thread runs yet.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// Runs the command line `args` (program name first) and returns the exit code.
pub fn run_with(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rule(args) => rule(args),
        Command::Server(args) => server::server(args),
        Command::Schema(args) => schema::schema(args),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(reason)) => {
            eprintln!("error: {}", reason.replace(['\n', '\r'], " "));
            EXIT_ERROR
        }
    }
}
