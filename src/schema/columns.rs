//! The columns, indexes and foreign keys Django creates for a model state,
//! per backend (OWNER: columns/drift helper).
