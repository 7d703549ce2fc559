/** Public API of the correction cores and rates providers. */
export * from "./config";
export * from "./correction";
export * from "./correct-event";
export * from "./currency";
export * from "./arithmetic";
export * from "./field-swap";
export * from "./call-checks";
export * from "./guard";
export * from "./money";
export * from "./decimal";
export * from "./currency-codes";
export * from "./rate-table";
export * from "./contact-values";
export { getPath, setPath } from "./paths";
export * from "./rates/provider";
export * from "./rates/snapshot-rates";
// OXR_PENDING export * from "./rates/open-exchange-rates";
