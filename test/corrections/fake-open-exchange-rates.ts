/**
 * fake-open-exchange-rates: a loopback HTTP server (127.0.0.1, port 0) speaking the Open Exchange
 * Rates API shape: `GET /api/historical/YYYY-MM-DD.json?app_id=` and `GET /api/latest.json?app_id=`.
 * Each path can be scripted with a list of behaviours consumed one per request (the last repeats).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type Behaviour =
  | { readonly kind: "ok"; readonly rates: Record<string, number>; readonly timestamp?: number }
  | { readonly kind: "status"; readonly status: number; readonly message: string; readonly retryAfter?: string }
  | { readonly kind: "hang" };

export interface FakeOxr {
  readonly baseUrl: string;
  /** Requests received per path (without the query). */
  readonly hits: Map<string, number>;
  /** Every `app_id` received. */
  readonly appIds: string[];
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeOxr(appId: string, script: ReadonlyMap<string, ReadonlyArray<Behaviour>>): Promise<FakeOxr> {
  const hits = new Map<string, number>();
  const appIds: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = url.pathname;
    const n = (hits.get(route) ?? 0) + 1;
    hits.set(route, n);
    const given = url.searchParams.get("app_id") ?? "";
    appIds.push(given);
    if (given !== appId) {
      send(res, 401, { error: true, status: 401, message: "invalid_app_id", description: "Invalid App ID provided." });
      return;
    }
    const steps = script.get(route);
    if (steps === undefined) {
      send(res, 404, { error: true, status: 404, message: "not_found", description: "Route not found." });
      return;
    }
    const step = steps[Math.min(n, steps.length) - 1];
    if (step.kind === "hang") return; // never answers; the client times out
    if (step.kind === "status") {
      const headers: Record<string, string> = step.retryAfter === undefined ? {} : { "retry-after": step.retryAfter };
      send(res, step.status, { error: true, status: step.status, message: step.message, description: "fake" }, headers);
      return;
    }
    send(res, 200, { disclaimer: "fake", license: "fake", timestamp: step.timestamp ?? 1_709_900_000, base: "USD", rates: step.rates });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    hits,
    appIds,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
