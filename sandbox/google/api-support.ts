/** Shared plumbing of the People API routes: call context, field masks, opaque tokens, quotas. */
import { createHash } from 'node:crypto';
import { json, readJson, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { GoogleApiError, errorInfo, invalidArgument } from './google-errors';
import type { GoogleAccount, GoogleConfig } from './google-state';
import { READABLE_PERSON_FIELDS, UPDATABLE_PERSON_FIELDS } from './person-fields';
import type { PersonStore, WriteOptions } from './person-store';

export type ApiCall = {
  req: Omit<SandboxRequest, 'params'>;
  query: URLSearchParams;
  account: GoogleAccount;
  store: PersonStore;
  config: GoogleConfig;
  now: number;
  write: WriteOptions;
};

export type ApiRoute = {
  /** Discovery method id, e.g. `people.connections.list`: the key of the request counters. */
  name: string;
  isWrite: boolean;
  run(call: ApiCall): SandboxResponse;
};

export const ok = (body: unknown) => json(200, body);

export function body<T = Record<string, unknown>>(call: ApiCall): T {
  const value = readJson<T>(call.req);
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidArgument('Invalid JSON payload received. Expected an object.');
  return value;
}

const READABLE = new Set<string>(READABLE_PERSON_FIELDS);
const UPDATABLE = new Set<string>(UPDATABLE_PERSON_FIELDS);

/**
 * Parses a comma-separated field mask (`person.` prefixes allowed). `required` masks answer Google's
 * "mask is required" error when missing; optional ones default to every readable field.
 */
export function parseMask(
  value: string | null | undefined,
  param: 'personFields' | 'readMask' | 'updatePersonFields' | 'updateMask',
  options: { required: boolean; method: string },
): Set<string> {
  const updating = param === 'updatePersonFields' || param === 'updateMask';
  const paths = (value ?? '').split(',').map((p) => p.trim().replace(/^person\./, '')).filter(Boolean);
  if (!paths.length) {
    if (!options.required) return new Set(READABLE_PERSON_FIELDS);
    throw invalidArgument(`${param} mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/${options.method}.`, param);
  }
  const valid = updating ? UPDATABLE : READABLE;
  for (const path of paths) {
    if (!valid.has(path)) {
      throw invalidArgument(`Invalid ${param} mask path: "${path}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/${options.method}.`, param);
    }
  }
  return new Set(paths);
}

export function encodeToken(prefix: string, payload: object): string {
  return `${prefix}${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}

export function decodeToken<T>(prefix: string, value: string): T | null {
  if (!value.startsWith(prefix)) return null;
  try {
    return JSON.parse(Buffer.from(value.slice(prefix.length), 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

export function paramsKey(parts: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export function parsePageSize(value: string | null, fallback: number, max: number): number {
  if (value === null || value === '' || value === '0') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw invalidArgument(`Invalid pageSize: must be between 1 and ${max}.`, 'page_size');
  return n;
}

export function parseBoolean(value: string | null): boolean {
  return value === 'true' || value === '1';
}

export function quotaExceeded(kind: 'read' | 'write', limit: number): GoogleApiError {
  const metric = kind === 'read' ? 'Critical read requests (Contact and Profile Reads)' : 'Critical write requests (Contact and Profile Writes)';
  return new GoogleApiError(
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute per user' of service 'people.googleapis.com' for consumer 'project_number:548391027364'.`,
    [
      errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', {
        quota_metric: `people.googleapis.com/${kind === 'read' ? 'critical_read_requests' : 'critical_write_requests'}`,
        quota_limit: kind === 'read' ? 'CriticalReadRequestsPerMinutePerUser' : 'CriticalWriteRequestsPerMinutePerUser',
        quota_limit_value: String(limit),
        quota_location: 'global',
        consumer: 'projects/548391027364',
        service: 'people.googleapis.com',
      }),
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Request a higher quota limit.', url: 'https://cloud.google.com/docs/quotas/help/request_increase' }] },
    ],
  );
}
