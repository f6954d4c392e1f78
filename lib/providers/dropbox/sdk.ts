/**
 * The official `dropbox` SDK, pointed at the configured hosts. The SDK hard-codes
 * https://{api,content,notify}.dropboxapi.com; its custom `fetch` option is the one hook that covers every
 * request including token refresh (providers.md §2.4), so the base URLs from lib/env.ts are swapped in there.
 * In production the configured URLs are the real hosts and the rewrite changes nothing.
 */
import { Dropbox, DropboxAuth } from 'dropbox';
import { env } from '@/lib/env';
import type { ApiCallCounter } from '@/lib/crm/http';
import { isBinaryBody, streamingRequest } from '@/lib/http/streaming-request';

const HOSTS = [
  ['https://api.dropboxapi.com', 'apiUrl'],
  ['https://content.dropboxapi.com', 'contentUrl'],
  ['https://notify.dropboxapi.com', 'notifyUrl'],
] as const;

/** A Dropbox API URL as the SDK builds it → the configured base URL for that host. */
export function toConfiguredUrl(url: string): string {
  const config = env().dropbox;
  for (const [origin, key] of HOSTS) {
    if (url === origin || url.startsWith(`${origin}/`)) return `${config[key]}${url.slice(origin.length)}`;
  }
  return url;
}

export function dropboxFetch(counter?: ApiCallCounter): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    if (counter) counter.count++;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // Content uploads (the SDK's Buffer bodies, 8 MiB per upload-session chunk) go through node:http: the
    // built-in fetch keeps request bodies reachable and held ~40 MB over a 50 MB upload (F-1).
    if (isBinaryBody(init?.body)) return streamingRequest(toConfiguredUrl(url), { method: init.method, headers: init.headers, body: init.body, signal: init.signal });
    return fetch(toConfiguredUrl(url), init);
  }) as typeof fetch;
}

/** An SDK client for one access token (refresh is the token manager's job, not the SDK's). */
export function dropboxSdk(accessToken: string | undefined, counter?: ApiCallCounter): Dropbox {
  return new Dropbox({ accessToken, fetch: dropboxFetch(counter) });
}

export function dropboxAuth(options: { withSecret: boolean; refreshToken?: string }): DropboxAuth {
  const config = env().dropbox;
  return new DropboxAuth({
    clientId: config.appKey,
    clientSecret: options.withSecret ? config.appSecret : undefined,
    refreshToken: options.refreshToken,
    fetch: dropboxFetch(),
  });
}
