import { afterEach, describe, expect, it } from 'vitest';
import { Latency } from './latency';
import { startSandbox, type Sandbox } from '../server';

describe('Latency (sandbox-wide per-call latency)', () => {
  it('adds latencyMs ± jitterMs, never below zero, and nothing when off', () => {
    const values = [0, 0.5, 1];
    let i = 0;
    const l = new Latency({ latencyMs: 100, jitterMs: 20 }, () => values[i++ % values.length]!);
    expect([l.next(), l.next(), l.next()]).toEqual([80, 100, 120]);
    expect(new Latency().next()).toBe(0);
    // Jitter larger than the latency is clamped so a call never answers "before" it was sent.
    expect(new Latency({ latencyMs: 10, jitterMs: 50 }, () => 0).next()).toBe(0);
  });

  it('rejects negative or non-numeric settings', () => {
    expect(() => new Latency({ latencyMs: -1 })).toThrow(/latencyMs/);
    expect(() => new Latency().set({ jitterMs: Number.NaN })).toThrow(/jitterMs/);
  });

  it('reads SANDBOX_LATENCY_MS and SANDBOX_LATENCY_JITTER_MS', () => {
    expect(Latency.fromEnv({ SANDBOX_LATENCY_MS: '100', SANDBOX_LATENCY_JITTER_MS: '10' })).toEqual({ latencyMs: 100, jitterMs: 10 });
    expect(Latency.fromEnv({})).toEqual({});
  });
});

describe('startSandbox latency and real limits', () => {
  let sandbox: Sandbox | null = null;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = null;
  });

  const timed = async (url: string, init?: RequestInit) => {
    const t0 = performance.now();
    const r = await fetch(url, init);
    await r.arrayBuffer();
    return { status: r.status, ms: performance.now() - t0 };
  };

  it('delays every vendor call by the configured latency, but not the sandbox controls', async () => {
    sandbox = await startSandbox({ port: 0, latencyMs: 150 });
    const vendor = await timed(`${sandbox.url}/v1/people/me/connections`); // Google People API (401 without a token)
    expect(vendor.status).toBe(401);
    expect(vendor.ms).toBeGreaterThanOrEqual(145);
    const pipedrive = await timed(`${sandbox.url}/pipedrive/oauth/authorize`);
    expect(pipedrive.ms).toBeGreaterThanOrEqual(145);
    const control = await timed(`${sandbox.url}/_sandbox/health`);
    expect(control.ms).toBeLessThan(145);
  });

  it('changes latency at runtime over HTTP and rejects bad values', async () => {
    sandbox = await startSandbox({ port: 0 });
    expect(sandbox.latency()).toEqual({ latencyMs: 0, jitterMs: 0 });
    const ok = await fetch(`${sandbox.url}/_sandbox/latency`, { method: 'POST', body: JSON.stringify({ latencyMs: 120 }) });
    expect(await ok.json()).toMatchObject({ latencyMs: 120, jitterMs: 0, realLimits: false });
    expect((await timed(`${sandbox.url}/teamleader/`)).ms).toBeGreaterThanOrEqual(115);
    const bad = await fetch(`${sandbox.url}/_sandbox/latency`, { method: 'POST', body: JSON.stringify({ latencyMs: -5 }) });
    expect(bad.status).toBe(400);
    expect(sandbox.latency().latencyMs).toBe(120);
  });

  it('realLimits applies the vendors documented defaults and keeps them after a reset', async () => {
    sandbox = await startSandbox({ port: 0, realLimits: true });
    const check = () => {
      expect(sandbox!.google.config()).toMatchObject({ readQuotaPerMinute: 60, writeQuotaPerMinute: 60 });
      expect(sandbox!.teamleader.config()).toMatchObject({ rateLimitPerMinute: 200, rateLimitWindowSeconds: 60 });
      expect(sandbox!.microsoft.config()).toMatchObject({ requestsPer10Min: 10_000, maxConcurrent: 4 });
    };
    check();
    sandbox.reset();
    check();
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    check();
  });

  it('without realLimits the loose sandbox defaults stay', async () => {
    sandbox = await startSandbox({ port: 0 });
    expect(sandbox.google.config().readQuotaPerMinute).toBe(600);
  });
});
