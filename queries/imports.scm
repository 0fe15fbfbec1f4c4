; Every import statement, at any depth. The index decides its scope (module
; level or a function body) from the statement's ancestors.
(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import
