/**
 * Network latency for the whole sandbox: every emulated vendor call waits `latencyMs` (± `jitterMs`,
 * uniform) before it is answered, as a call to a real vendor over the internet would. Zero by default (tests
 * and the zero-latency CPU benchmarks); `SANDBOX_LATENCY_MS` / `SANDBOX_LATENCY_JITTER_MS`, the
 * `startSandbox({ latencyMs, jitterMs })` options or `POST /_sandbox/latency` turn it on.
 */
export type LatencySettings = { latencyMs: number; jitterMs: number };

export class Latency {
  private settings: LatencySettings;

  constructor(
    settings: Partial<LatencySettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = Latency.validate({ latencyMs: 0, jitterMs: 0, ...settings });
  }

  static validate(s: LatencySettings): LatencySettings {
    for (const [k, v] of Object.entries(s)) {
      if (!Number.isFinite(v) || v < 0) throw new Error(`latency: ${k} must be a number ≥ 0 (got ${v})`);
    }
    return { latencyMs: s.latencyMs, jitterMs: Math.min(s.jitterMs, s.latencyMs) };
  }

  /** Reads SANDBOX_LATENCY_MS and SANDBOX_LATENCY_JITTER_MS (both optional). */
  static fromEnv(env: Record<string, string | undefined> = process.env): Partial<LatencySettings> {
    const out: Partial<LatencySettings> = {};
    if (env.SANDBOX_LATENCY_MS) out.latencyMs = Number(env.SANDBOX_LATENCY_MS);
    if (env.SANDBOX_LATENCY_JITTER_MS) out.jitterMs = Number(env.SANDBOX_LATENCY_JITTER_MS);
    return out;
  }

  get(): LatencySettings {
    return { ...this.settings };
  }

  set(patch: Partial<LatencySettings>): LatencySettings {
    this.settings = Latency.validate({ ...this.settings, ...patch });
    return this.get();
  }

  /** The delay for one call: latencyMs + uniform(−jitterMs, +jitterMs), never negative. */
  next(): number {
    const { latencyMs, jitterMs } = this.settings;
    if (!latencyMs) return 0;
    return Math.max(0, latencyMs + (this.random() * 2 - 1) * jitterMs);
  }

  async wait(): Promise<void> {
    const ms = this.next();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
