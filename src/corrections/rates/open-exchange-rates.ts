/**
 * Rates from the Open Exchange Rates HTTP API over axios:
 * `GET {baseUrl}/historical/YYYY-MM-DD.json?app_id=...` per date and `GET {baseUrl}/latest.json?app_id=...`.
 * The app id comes from `OXR_APP_ID` (or the options) and is never logged nor put in an error
 * message. Each day is fetched at most once per instance (successful answers are cached). 429,
 * 5xx, timeouts and connection resets are retried with exponential backoff, at most
 * `maxAttempts` requests per day. A day the API does not have (HTTP 400/404 with message
 * `not_available`) is simply absent from the table; any other failure rejects.
 *
 * `await new OpenExchangeRates().ratesFor(["2024-03-08", "2024-03-09"])`
 * -> `{ "2024-03-08": { "USD": 1, "EUR": 0.92, ... }, "2024-03-09": { ... } }`.
 */
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { RateTable } from "../rate-table";
import { backoffDelay, retryAfterMs, sleep } from "./backoff";
import { OxrSnapshot, usdRates } from "./oxr-snapshot";
import type { RatesProvider } from "./provider";

export const DEFAULT_OXR_BASE_URL = "https://openexchangerates.org/api";
/** Environment variable holding the app id. */
export const OXR_APP_ID_ENV = "OXR_APP_ID";
/** Requests per day at most (the first one and the retries): 4. */
export const DEFAULT_OXR_MAX_ATTEMPTS = 4;
/** First retry delay; it doubles on each retry: 500 ms. */
export const DEFAULT_OXR_BACKOFF_MS = 500;
/** Longest retry delay, also the cap of `Retry-After`: 10 s. */
export const DEFAULT_OXR_MAX_BACKOFF_MS = 10_000;
/** Per-request timeout: 10 s. */
export const DEFAULT_OXR_TIMEOUT_MS = 10_000;

export interface OpenExchangeRatesOptions {
  readonly baseUrl?: string;
  /** Defaults to `process.env.OXR_APP_ID`, read when a request is made. */
  readonly appId?: string;
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly timeoutMs?: number;
  /** Clock for `latest()`'s per-day cache; defaults to `Date.now`. */
  readonly now?: () => number;
}

/** A failed rates request. The message names the path and the problem, never the app id. */
export class OxrError extends Error {
  override readonly name = "OxrError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

type DayRates = Record<string, number>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RETRYABLE_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ECONNRESET", "EPIPE", "EAI_AGAIN", "ECONNREFUSED"]);

/** The API's error code (`not_available`, `invalid_app_id`, ...) from an error body; safe to show. */
function apiMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("message" in body)) return null;
  const message = body.message;
  return typeof message === "string" && /^[a-z_]{1,40}$/.test(message) ? message : null;
}

export class OpenExchangeRates implements RatesProvider {
  private readonly http: AxiosInstance;
  private readonly days = new Map<string, Promise<DayRates | null>>();
  private readonly latestByDay = new Map<string, Promise<{ date: string; rates: DayRates }>>();

  constructor(private readonly options: OpenExchangeRatesOptions = {}) {
    this.http = axios.create({
      baseURL: options.baseUrl ?? DEFAULT_OXR_BASE_URL,
      timeout: options.timeoutMs ?? DEFAULT_OXR_TIMEOUT_MS,
      validateStatus: () => true,
      responseType: "json",
    });
  }

  /** Historical rates of each valid date; days the API does not have are absent. */
  async ratesFor(dates: string[]): Promise<RateTable> {
    const wanted = [...new Set(dates)].filter((d) => DATE.test(d)).sort();
    const entries: Array<[string, DayRates]> = [];
    for (const date of wanted) {
      const rates = await this.day(date);
      if (rates !== null) entries.push([date, rates]);
    }
    return Object.fromEntries(entries);
  }

  /**
   * Forgets the cached days from `date` on, so the next `ratesFor` fetches them again: days that
   * were today (or later) when fetched, whose rates were still changing.
   */
  forgetFrom(date: string): void {
    for (const day of [...this.days.keys()]) if (day >= date) this.days.delete(day);
  }

  /** The latest rates and the UTC date of their timestamp; cached per UTC day of the clock. */
  latest(): Promise<{ date: string; rates: DayRates }> {
    const today = new Date((this.options.now ?? Date.now)()).toISOString().slice(0, 10);
    const cached = this.latestByDay.get(today);
    if (cached !== undefined) return cached;
    const pending = this.fetchJson("/latest.json").then((snapshot) => {
      if (snapshot === null) throw new OxrError("/latest.json: not available", null);
      const date = snapshot.timestamp === undefined ? today : new Date(snapshot.timestamp * 1000).toISOString().slice(0, 10);
      return { date, rates: this.toRates("/latest.json", snapshot) };
    });
    this.latestByDay.set(today, pending);
    pending.catch(() => this.latestByDay.delete(today));
    return pending;
  }

  private day(date: string): Promise<DayRates | null> {
    const cached = this.days.get(date);
    if (cached !== undefined) return cached;
    const route = `/historical/${date}.json`;
    const pending = this.fetchJson(route).then((snapshot) => (snapshot === null ? null : this.toRates(route, snapshot)));
    this.days.set(date, pending);
    pending.catch(() => this.days.delete(date));
    return pending;
  }

  private toRates(route: string, snapshot: OxrSnapshot): DayRates {
    const rates = usdRates(snapshot);
    if (rates === null) throw new OxrError(`${route}: response has no USD rate`, 200);
    return rates;
  }

  /** GET with retries; null for a day the API does not have. */
  private async fetchJson(route: string): Promise<OxrSnapshot | null> {
    const appId = this.options.appId ?? process.env[OXR_APP_ID_ENV];
    if (appId === undefined || appId === "") throw new OxrError(`${OXR_APP_ID_ENV} is not set`, null);
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? DEFAULT_OXR_MAX_ATTEMPTS);
    let lastProblem = "";
    let lastStatus: number | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let response: AxiosResponse<unknown>;
      try {
        response = await this.http.get<unknown>(route, { params: { app_id: appId } });
      } catch (error) {
        const code = axios.isAxiosError(error) && typeof error.code === "string" ? error.code : "request_failed";
        if (!RETRYABLE_CODES.has(code)) throw new OxrError(`${route}: ${code}`, null);
        lastProblem = code === "ECONNABORTED" || code === "ETIMEDOUT" ? "timeout" : code;
        lastStatus = null;
        if (attempt < maxAttempts) await sleep(this.delay(attempt, null));
        continue;
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        const parsed = OxrSnapshot.safeParse(response.data);
        if (!parsed.success) throw new OxrError(`${route}: malformed response`, status);
        return parsed.data;
      }
      const message = apiMessage(response.data);
      if ((status === 400 || status === 404) && message === "not_available") return null;
      if (status !== 429 && status < 500) throw new OxrError(`${route}: HTTP ${status}${message === null ? "" : ` ${message}`}`, status);
      lastProblem = `HTTP ${status}`;
      lastStatus = status;
      if (attempt < maxAttempts) await sleep(this.delay(attempt, status === 429 ? retryAfterMs(response.headers["retry-after"]) : null));
    }
    throw new OxrError(`${route}: ${lastProblem} after ${maxAttempts} attempts`, lastStatus);
  }

  private delay(retry: number, retryAfter: number | null): number {
    return backoffDelay(retry, this.options.backoffMs ?? DEFAULT_OXR_BACKOFF_MS, this.options.maxBackoffMs ?? DEFAULT_OXR_MAX_BACKOFF_MS, retryAfter);
  }
}
