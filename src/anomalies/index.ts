/** Public API of the volume and ratio anomaly detectors (pure core) and their BigQuery ML / DuckDB SQL. */
export * from "./config";
export * from "./interval";
export * from "./season";
export * from "./interval-counts";
export * from "./series";
export * from "./robust";
export * from "./tails";
export * from "./verdict";
export * from "./count-verdict";
export * from "./dispersion";
export * from "./ratio-verdict";
export * from "./state";
export * from "./judge";
export * from "./sql";
