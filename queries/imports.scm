; Import statements. The index runs this on a module's own statements (start
; depth 1); imports nested in functions are found by a walk over statement
; blocks, which never enters expressions.
(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import
