/**
 * In-memory, index-encoded data shapes shared by importers, trainers and evaluators.
 * External ids are strings; models and metrics work on dense integer indices.
 */

/** An interaction log in columnar form: one entry per event. */
export interface InteractionTable {
  /** index -> external user id */
  userIds: string[];
  /** index -> external item id (the catalogue: every item a model may rank) */
  itemIds: string[];
  user: Int32Array;
  item: Int32Array;
  /** explicit rating per event, or null when the log has none */
  rating: Float32Array | null;
  /** event time, seconds since the epoch */
  ts: Float64Array;
}

/** Compressed sparse rows: row r holds indices[indptr[r] .. indptr[r+1]) with values in data. */
export interface Csr {
  nRows: number;
  nCols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/** An item catalogue: one row per item, every column kept as text. */
export interface ItemCatalog {
  /** column holding the item id */
  idColumn: string;
  columns: string[];
  rows: Record<string, string>[];
}
