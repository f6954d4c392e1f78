/**
 * "Did anything change?" for Google contacts, which have no push (B1). One `connections.list` with the stored
 * sync token. Google requires every other parameter of a sync-token request to match the call that issued the
 * token, so this sends exactly what the import pass sends; the answer's `nextSyncToken` is not kept — the run
 * that follows reads the changes itself from the stored token. Nothing changed → an empty page, one call.
 */
import { people as peopleApi } from '@googleapis/people';
import { OAuth2Client } from 'google-auth-library';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import type { ApiCallCounter } from '@/lib/crm/http';
import type { WithToken } from '@/lib/crm/pipedrive/client';
import type { ChangeCheck } from '../port';
import { googleFailure, mapGoogleError } from './errors';
import { GOOGLE_READ_FIELDS } from './mapper';
import { paced, type RatePacer } from '@/lib/crm/rate-pacer';

export function createGoogleChangeCheck(opts: { withToken: WithToken; counter?: ApiCallCounter; readPacer?: RatePacer }) {
  const auth = new OAuth2Client();
  const api = peopleApi({ version: 'v1', auth, rootUrl: `${new URL(env().google.peopleRootUrl).origin}/` });
  return async function check(syncToken: string): Promise<ChangeCheck> {
    try {
      // A check spends the same per-minute read quota as the runs' listings (one pacer per account).
      const data = await paced(
        opts.readPacer,
        1,
        () =>
          opts.withToken(async (token) => {
            auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
            if (opts.counter) opts.counter.count++;
            // Same parameters as the import pass's incremental call (lib/providers/google/client.ts listChanges).
            return (await api.people.connections.list({ resourceName: 'people/me', personFields: GOOGLE_READ_FIELDS, pageSize: 1000, syncToken })).data;
          }),
        googleFailure,
      );
      const changes = (data.connections ?? [])
        .filter((p) => p.resourceName)
        .map((p) => ({ remoteId: p.resourceName!, etag: p.etag ?? '', deleted: !!p.metadata?.deleted }));
      const more = !!data.nextPageToken;
      return { state: changes.length || more ? 'changed' : 'unchanged', changes, more };
    } catch (error) {
      const mapped = mapGoogleError(error);
      // An expired token means the run must list everything again: that is a change worth a run.
      if (mapped instanceof SyncError && mapped.code === 'cursor_invalid') return { state: 'expired', changes: [], more: false };
      throw mapped;
    }
  };
}
