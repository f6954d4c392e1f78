/** Shared pieces of the `POST /api/<resource>.<action>` endpoints: call context, envelopes, paging. */
import { json, noContent, type SandboxResponse } from '../lib/http';
import { badRequest } from './errors';
import type { TeamleaderStore } from './store';
import type { Address, Installation } from './types';

export type ApiCall = {
  body: Record<string, unknown>;
  accountId: string;
  userId: string;
  clientId: string;
  installation: Installation;
  store: TeamleaderStore;
  /** Absolute origin + prefix of the emulated web app, for `web_url`. */
  webBase: string;
};

export type Endpoint = (call: ApiCall) => SandboxResponse;

export const dataResponse = (data: unknown, extra: Record<string, unknown> = {}) => json(200, { data, ...extra });
export const createdResponse = (type: string, id: string) => json(201, { data: { type, id } });
export const emptyResponse = () => noContent();

export function objectField(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${field} must be an object`);
  return value as Record<string, unknown>;
}

export function parsePage(body: Record<string, unknown>): { size: number; number: number } {
  const page = objectField(body, 'page');
  const size = page.size === undefined ? 20 : Number(page.size);
  const number = page.number === undefined ? 1 : Number(page.number);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw badRequest('page.size must be an integer between 1 and 100');
  if (!Number.isInteger(number) || number < 1) throw badRequest('page.number must be an integer of at least 1');
  return { size, number };
}

export function parseIncludes(body: Record<string, unknown>): Set<string> {
  const value = body.includes;
  if (value === undefined || value === null || value === '') return new Set();
  if (typeof value !== 'string') throw badRequest('includes must be a comma separated string');
  return new Set(value.split(',').map((s) => s.trim()).filter(Boolean));
}

export function parseSince(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`${field} must be an ISO 8601 datetime, e.g. 2016-02-04T16:44:33+00:00`);
  return ms;
}

export function parseIds(value: unknown, field: string): Set<string> | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw badRequest(`${field} must be an array of ids`);
  return new Set(value as string[]);
}

export function serializeAddress(address: Address) {
  const { area_level_two_id, ...rest } = address.address;
  return {
    type: address.type,
    address: { ...rest, area_level_two: area_level_two_id ? { type: 'area_level_two', id: area_level_two_id } : null },
  };
}

export function paginate<T>(items: T[], page: { size: number; number: number }): T[] {
  const start = (page.number - 1) * page.size;
  return items.slice(start, start + page.size);
}

export function pageMeta(includes: Set<string>, page: { size: number; number: number }, matches: number) {
  return includes.has('pagination') ? { meta: { page, matches } } : {};
}
