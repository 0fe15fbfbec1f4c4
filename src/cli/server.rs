//! `server`: the flags become the language server's own options, and the
//! server runs until the client says `exit`.
//!
//! Only wiring: the server lives in `crate::server` and knows nothing of
//! the command line.

use super::{Fatal, ServerArgs};
use crate::server::{self, ServerOptions};

/// Runs the language server over stdio; an unusable `--config` file or a
/// runtime that cannot start is a fatal error (exit code 2).
pub fn server(args: ServerArgs) -> Result<i32, Fatal> {
    let options = ServerOptions {
        config: args.config,
        max_message_size: args.max_message_size,
    };
    server::run(options).map_err(Fatal)
}
