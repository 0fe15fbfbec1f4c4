//! Times the live introspection of one database (for `benches/schema_live.py`).
//!
//! ```text
//! cargo run --release --example schema_live -- URL [--runs N] [--connect-ms MS] [--statement-ms MS]
//! ```
//!
//! Prints one JSON object: tables, columns, indexes, foreign keys, applied
//! migrations, statements run, and the wall time of each run (connecting
//! included) in milliseconds. The URL is only ever shown redacted.

use std::path::Path;
use std::time::{Duration, Instant};

use reflex_django_lsp::schema::live::{introspect_blocking, Timeouts};
use reflex_django_lsp::schema::url::DatabaseUrl;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut url = None;
    let mut runs = 5usize;
    let mut timeouts = Timeouts::default();
    while let Some(a) = args.next() {
        let mut number = |what: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{what} needs a number")))
        };
        match a.as_str() {
            "--runs" => runs = number("--runs").max(1) as usize,
            "--connect-ms" => timeouts.connect = Duration::from_millis(number("--connect-ms")),
            "--statement-ms" => timeouts.statement = Duration::from_millis(number("--statement-ms")),
            _ if url.is_none() && !a.starts_with("--") => url = Some(a),
            _ => fail(&format!("unexpected argument {a:?}")),
        }
    }
    let url = url.unwrap_or_else(|| fail("usage: schema_live URL [--runs N]"));
    let url = DatabaseUrl::parse(&url, Path::new(".")).unwrap_or_else(|e| fail(&e.to_string()));
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let schema = introspect_blocking(&url, timeouts).unwrap_or_else(|e| fail(&format!("{url}: {e}")));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(schema);
    }
    let s = last.expect("at least one run");
    let count =
        |f: fn(&reflex_django_lsp::schema::live::LiveTable) -> usize| -> usize { s.tables.values().map(f).sum() };
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let out = serde_json::json!({
        "url": url.redacted(),
        "backend": url.backend(),
        "tables": s.tables.len(),
        "columns": count(|t| t.columns.len()),
        "indexes": count(|t| t.indexes.len()),
        "foreign_keys": count(|t| t.foreign_keys.len()),
        "applied": s.applied.as_ref().map(Vec::len),
        "queries": s.queries,
        "runs_ms": times.iter().map(|t| (t * 100.0).round() / 100.0).collect::<Vec<_>>(),
        "min_ms": (sorted[0] * 100.0).round() / 100.0,
        "median_ms": (sorted[sorted.len() / 2] * 100.0).round() / 100.0,
    });
    println!("{out}");
}

fn fail(message: &str) -> ! {
    eprintln!("schema_live: {message}");
    std::process::exit(2)
}
