/** Shared fetch wrapper for the thin CRM/provider HTTP clients: timeout, JSON, status-carrying errors, pacing. */
import type { PacerTicket, RatePacer } from './rate-pacer';
import { textRequest, type TextResponse } from '@/lib/http/text-request';

export class HttpError extends Error {
  constructor(
    public status: number,
    public body: unknown,
    public headers: Headers,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export type ApiCallCounter = { count: number };

export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; counter?: ApiCallCounter; pacers?: RatePacer[] } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const { timeoutMs = 30_000, counter, pacers = [], ...rest } = init;
  const tickets: PacerTicket[] = [];
  for (const pacer of pacers) tickets.push(await pacer.acquire());
  pacers.forEach((pacer, i) => pacer.sent(tickets[i]!));
  if (counter) counter.count++;
  let response: TextResponse;
  try {
    // node:http, not fetch: a third of the CPU per call (lib/http/text-request.ts).
    response = await textRequest(url, { ...rest, timeoutMs });
  } catch (error) {
    pacers.forEach((pacer, i) => pacer.done(tickets[i]!));
    throw error;
  }
  pacers.forEach((pacer, i) => pacer.observe(tickets[i]!, response.status, response.headers));
  const text = response.text;
  let body: unknown = text;
  if (text && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (response.status < 200 || response.status > 299) {
    throw new HttpError(response.status, body, response.headers, `${rest.method ?? 'GET'} ${new URL(url).pathname} → ${response.status}`);
  }
  return { status: response.status, body, headers: response.headers };
}

export const isUnauthorized = (error: unknown) => error instanceof HttpError && error.status === 401;

/** An HTTP `Date` header as an ISO time (the vendor's clock), or null when absent or unreadable. */
export function serverTimeOf(date: string | null | undefined): string | null {
  const t = date ? Date.parse(date) : Number.NaN;
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
