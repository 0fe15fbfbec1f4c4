//! RDJ504–RDJ508: the models' expected tables against the live database
//! (OWNER: columns/drift helper).
