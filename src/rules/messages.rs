//! Message wording the blocking rules (RDJ101–RDJ107, RDJ201) share. Pure
//! text: it knows nothing of the walker, the syntax tree or the LSP.

/// A blocking operation in an `async def` body, reported under its own
/// rule: `what` it does, then where (`… in async function `State.load``).
pub fn in_async_function(what: &str, function: &str) -> String {
    format!("{what} in async function `{function}`")
}

#[cfg(test)]
mod tests {
    use super::in_async_function;

    #[test]
    fn names_the_async_function_after_what_blocks() {
        assert_eq!(
            in_async_function("`Product.objects.get()` blocks the event loop", "CatalogState.load"),
            "`Product.objects.get()` blocks the event loop in async function `CatalogState.load`"
        );
    }
}
