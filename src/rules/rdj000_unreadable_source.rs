declare_rule! {
    /// ## What it does
    /// Reports a Python file that cannot be read or decoded: not UTF-8 (for
    /// example UTF-16, or Latin-1 bytes), a NUL byte, or an I/O error. Also a
    /// file the parser cannot take: indentation nested more than 383 widths
    /// deep (Python itself stops at 100 levels), or a parse that takes longer
    /// than 10 seconds; the message says which. And a file whose analysis
    /// took longer than 10 seconds: what was found until then is reported,
    /// the rest of the file is unchecked.
    ///
    /// ## Why is this bad?
    /// Python itself refuses such a file (PEP 3120: source is UTF-8 unless a
    /// coding cookie says otherwise), and none of the other rules can look at
    /// it, so a finding here means the file is unchecked.
    ///
    /// UTF-8 with or without a BOM and LF, CRLF or CR-only line endings are all
    /// valid input and never reported.
    ///
    /// ## Example
    /// A `states.py` saved as "UTF-16 LE" by an editor.
    ///
    /// ## Fix
    /// Re-save the file as UTF-8. A file too deeply nested or too large to
    /// parse is usually generated: exclude it (`exclude` in the configuration).
    pub struct UnreadableSource;
}
