import { z } from "zod";
import { CorrectionConfig } from "./corrections/config";
import { AnomalyConfig } from "./anomalies/config";

/** Default allowed lateness of the watermark while streaming: 5 minutes. */
export const DEFAULT_ALLOWED_LATENESS_MS = 5 * 60_000;
/** Event time further than this ahead of processing time is `timestamp_future`: 5 minutes. */
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
/** Event time further than this behind processing time is `timestamp_stale`: 30 days. */
export const DEFAULT_MAX_AGE_MS = 30 * 24 * 3_600_000;
/** A copy of a kept event_id within this event-time distance is discarded: 24 hours. */
export const DEFAULT_DEDUP_HORIZON_MS = 24 * 3_600_000;
/** Same source, type and data within this many ms of a kept event is a near-duplicate. */
export const DEFAULT_NEAR_DUPLICATE_WINDOW_MS = 1_000;
/** Streaming: a gap is declared once the watermark passes the next number's time by this. */
export const DEFAULT_GAP_TIMEOUT_MS = 10 * 60_000;

const path = z.string().min(1).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "a dotted path like data.lead_id");

/** Where the envelope fields live in a received JSON object (dotted paths). */
export const EnvelopeConfig = z
  .object({
    event_id: path.default("event_id"),
    source: path.default("source"),
    sequence: path.default("sequence"),
    timestamp: path.default("timestamp"),
    event_type: path.default("event_type"),
    data: path.default("data"),
  })
  .strict()
  .default({});

/** A numeric field that must be finite (and >= min when min is set). `[]` walks arrays. */
export const NumericField = z
  .object({ path: z.string().regex(/^[A-Za-z0-9_$-]+(\[\])?(\.[A-Za-z0-9_$-]+(\[\])?)*$/), min: z.number().nullable().default(null) })
  .strict();

export const ValidationConfig = z
  .object({
    max_future_ms: z.number().int().nonnegative().default(DEFAULT_MAX_FUTURE_MS),
    max_age_ms: z.number().int().positive().default(DEFAULT_MAX_AGE_MS),
    numeric_fields: z.array(NumericField).default([
      { path: "data.amount", min: 0 },
      { path: "data.amount_usd", min: 0 },
      { path: "data.items[].unit_price", min: 0 },
      { path: "data.items[].quantity", min: 0 },
      { path: "data.duration_s", min: null },
    ]),
  })
  .strict()
  .default({});

/** One step of a dependency chain: its type, where its key is, its max delay after the previous step. */
export const ChainStep = z
  .object({ event_type: z.string().min(1), key: path, max_delay_ms: z.number().int().nonnegative().default(0) })
  .strict();

export const Chain = z
  .object({ name: z.string().min(1), steps: z.array(ChainStep).min(2) })
  .strict()
  .refine((c) => new Set(c.steps.map((s) => s.event_type)).size === c.steps.length, {
    message: "a chain's steps must have distinct event types",
  });

/** At most one event of `event_type` per combination of `keys` (no time limit). */
export const UniquenessRule = z
  .object({ name: z.string().min(1), event_type: z.string().min(1), keys: z.array(path).min(1) })
  .strict();

export const DEFAULT_CHAINS: z.input<typeof Chain>[] = [
  {
    name: "lead_followup",
    steps: [
      { event_type: "card.scanned", key: "data.lead_id", max_delay_ms: 0 },
      { event_type: "lead.created", key: "data.lead_id", max_delay_ms: 5 * 60_000 },
      { event_type: "crm.synced", key: "data.lead_id", max_delay_ms: 15 * 60_000 },
      { event_type: "followup.sent", key: "data.lead_id", max_delay_ms: 60 * 60_000 },
    ],
  },
];

export const DEFAULT_UNIQUENESS_RULES: z.input<typeof UniquenessRule>[] = [
  { name: "one_discount_per_program", event_type: "discount.issued", keys: ["data.user_id", "data.program"] },
];

/** The whole configuration of a run; every field has a documented default. */
export const RecoveryConfig = z
  .object({
    envelope: EnvelopeConfig,
    validation: ValidationConfig,
    allowed_lateness_ms: z.number().int().nonnegative().default(DEFAULT_ALLOWED_LATENESS_MS),
    dedup_horizon_ms: z.number().int().positive().default(DEFAULT_DEDUP_HORIZON_MS),
    near_duplicate_window_ms: z.number().int().nonnegative().default(DEFAULT_NEAR_DUPLICATE_WINDOW_MS),
    gap_timeout_ms: z.number().int().nonnegative().default(DEFAULT_GAP_TIMEOUT_MS),
    chains: z.array(Chain).default(DEFAULT_CHAINS),
    uniqueness: z.array(UniquenessRule).default(DEFAULT_UNIQUENESS_RULES),
    /**
     * Streaming: forget a business key once the watermark is this far past its first event.
     * Default null: keys are kept forever (the default rule has no time limit), so this state
     * grows with the number of distinct keys.
     */
    business_key_retention_ms: z.number().int().positive().nullable().default(null),
    /** Currency revalidation, arithmetic, field swaps, call checks (src/corrections/config.ts). */
    corrections: CorrectionConfig.default({}),
    /** Volume and ratio anomalies over the deduplicated stream (src/anomalies/config.ts). */
    anomalies: AnomalyConfig.default({}),
  })
  .strict();

export type RecoveryConfig = z.output<typeof RecoveryConfig>;
export type ChainConfig = z.output<typeof Chain>;
export type UniquenessRuleConfig = z.output<typeof UniquenessRule>;

/** Thrown for a bad configuration: one line naming the path and the problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses a config object (for example `JSON.parse` of `--config FILE`), filling defaults. */
export function parseConfig(input: unknown): RecoveryConfig {
  const result = RecoveryConfig.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    throw new ConfigError(`invalid config at ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  return withDefaultsUnderData(input ?? {}, result.data);
}

/**
 * The default numeric fields, chains and uniqueness rules name paths under `data.`, and these
 * paths start at the top of the received object. When `envelope.data` puts the payload
 * elsewhere (`"payload"`), the defaults the config does not set are moved there
 * (`data.lead_id` -> `payload.lead_id`), so they check what they would check with the default
 * envelope instead of nothing. Paths a config sets are taken as written. (Correction paths
 * need no move: they are read below the payload, wherever it is.)
 */
function withDefaultsUnderData(input: unknown, config: RecoveryConfig): RecoveryConfig {
  const dataPath = config.envelope.data;
  if (dataPath === "data") return config;
  const given = (obj: unknown, key: string): boolean => typeof obj === "object" && obj !== null && Object.hasOwn(obj, key);
  const moved = (p: string): string => (p.startsWith("data.") ? `${dataPath}${p.slice("data".length)}` : p);
  const validation = input as { validation?: unknown };
  return {
    ...config,
    validation: given(validation.validation, "numeric_fields") ? config.validation : { ...config.validation, numeric_fields: config.validation.numeric_fields.map((f) => ({ ...f, path: moved(f.path) })) },
    chains: given(input, "chains") ? config.chains : config.chains.map((c) => ({ ...c, steps: c.steps.map((step) => ({ ...step, key: moved(step.key) })) })),
    uniqueness: given(input, "uniqueness") ? config.uniqueness : config.uniqueness.map((r) => ({ ...r, keys: r.keys.map(moved) })),
  };
}

/** Every key path the detectors read, so the validator can extract them once per event. */
export function keyPaths(config: RecoveryConfig): string[] {
  const paths = new Set<string>();
  for (const chain of config.chains) for (const step of chain.steps) paths.add(step.key);
  for (const rule of config.uniqueness) for (const key of rule.keys) paths.add(key);
  return [...paths];
}

/**
 * Throws, naming `who`, when `config` is not a whole config as `parseConfig` returns it (a raw
 * object passed to a transform failed deep inside a core with a TypeError). A structural check
 * of every top-level field's presence, so a parsed config copied through JSON still passes.
 * `requireParsedConfig({ dedup_horizon_ms: 1 }, "recoverPerSource")` throws.
 */
export function requireParsedConfig(config: unknown, who: string): asserts config is RecoveryConfig {
  const missing = typeof config !== "object" || config === null ? ["(all)"] : Object.keys(RecoveryConfig.shape).filter((k) => !(k in config));
  if (missing.length > 0) throw new ConfigError(`${who}: the config is not one parseConfig returned (missing ${missing.join(", ")}): pass parseConfig(yourConfig)`);
}
