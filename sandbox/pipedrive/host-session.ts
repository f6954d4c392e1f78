/**
 * The emulated browser session of the Pipedrive web app: who is signed in (cookie `pd_user`, default
 * the Northwind admin), the theme (cookie `pd_theme`) and the custom-UI surfaces issued to iframes.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxRequest } from '../lib/http';
import { DEMO_USERS } from './demo-data';
import type { PipedriveStore } from './store';
import type { User } from './types';
import { parseCookies } from './wire-format';

export const USER_COOKIE = 'pd_user';
export const THEME_COOKIE = 'pd_theme';

export type Theme = 'light' | 'dark';

export function currentUser(store: PipedriveStore, req: Pick<SandboxRequest, 'headers'>): User {
  const id = Number(parseCookies(req.headers.cookie)[USER_COOKIE]);
  return store.user(id) ?? store.user(DEMO_USERS.admin)!;
}

export function currentTheme(req: Pick<SandboxRequest, 'headers'>): Theme {
  return parseCookies(req.headers.cookie)[THEME_COOKIE] === 'dark' ? 'dark' : 'light';
}

export type Surface = {
  id: string;
  kind: 'panel' | 'settings' | 'custom_modal';
  companyId: number;
  userId: number;
  createdAt: number;
};

/** Surface ids are per page view and ephemeral (not persisted), like Pipedrive's runtime ids. */
export class SurfaceRegistry {
  private surfaces = new Map<string, Surface>();

  issue(kind: Surface['kind'], companyId: number, userId: number, now: number): Surface {
    const surface: Surface = { id: randomUUID(), kind, companyId, userId, createdAt: now };
    this.surfaces.set(surface.id, surface);
    if (this.surfaces.size > 5000) this.surfaces.delete(this.surfaces.keys().next().value!);
    return surface;
  }

  get(id: string): Surface | undefined {
    return this.surfaces.get(id);
  }

  clear(): void {
    this.surfaces.clear();
  }
}
