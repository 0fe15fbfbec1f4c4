declare_rule! {
    /// ## What it does
    /// ## Why is this bad?
    /// ## Example
    /// ## Fix
    pub struct BlockingDjangoApi;
}
