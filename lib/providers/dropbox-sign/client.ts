/**
 * Dropbox Sign adapter on the official `@dropbox/sign` SDK. The only redirect is configuration: every
 * *Api instance gets basePath = env().dropboxSign.apiUrl (…/v3). Auth is either an OAuth token handed
 * out per call by `withToken` (refresh + one retry on 401 live in the token manager) or an API key.
 *
 * Downloads are streamed: the SDK's `signatureRequestFiles` asks axios for an `arraybuffer`, i.e. the
 * whole file in memory, so we ask `files_as_file_url` for a short-lived link and stream that with
 * fetch instead (same 409 "still being prepared" answer on the link request).
 */
import { Readable } from 'node:stream';
import {
  AccountApi,
  AccountUpdateRequest,
  SignatureRequestApi,
  SignatureRequestRemindRequest,
  SignatureRequestSendRequest,
  SubSignatureRequestSigner,
  TeamApi,
  type RequestFile,
} from '@dropbox/sign';
import { env } from '@/lib/env';
import type { ApiCallCounter } from '@/lib/crm/http';
import type { WithToken } from '@/lib/crm/pipedrive/client';
import { FileUrlError, mapDropboxSignError } from './errors';
import { signatureRequestFromSdk, type SignatureRequestInfo } from './mapper';

export const LIST_PAGE_SIZE_MAX = 100;
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export type DropboxSignAuth = { withToken: WithToken } | { apiKey: string };

export type SignAccountInfo = {
  accountId: string;
  email: string;
  callbackUrl: string | null;
  teamId: string | null;
  /** Team role code: 'a' admin, 'm' member, … (opaque beyond that). */
  roleCode: string | null;
  isTeamAdmin: boolean;
};

export type SignatureRequestPage = { requests: SignatureRequestInfo[]; page: number; numPages: number; numResults: number; pageSize: number };

export type SignTeamInfo = { name: string; members: { accountId: string; email: string; roleCode: string | null }[] };
export type SignTeamMember = { accountId: string; email: string; role: string; isAdmin: boolean };

export type SendSignatureRequestInput = {
  title: string;
  subject?: string;
  message?: string;
  signers: { name: string; email: string; order?: number }[];
  ccEmailAddresses?: string[];
  /** A document as a stream (sent as multipart `files[0]`) … */
  file?: { stream: Readable; name: string; contentType?: string };
  /** … or a URL Dropbox Sign downloads itself (`file_urls`, JSON body). */
  fileUrl?: string;
  /** At most 10 keys (vendor limit); we store our record reference here. */
  metadata?: Record<string, string>;
  testMode?: boolean;
  /** Our API app's client id, so its app callback URL gets the events (implied with OAuth tokens). */
  clientId?: string;
};

export type DownloadedFile = { stream: Readable; contentType: string; contentLength: number | null; fileName: string | null };

export interface DropboxSignClient {
  getAccount(): Promise<SignAccountInfo>;
  setCallbackUrl(url: string | null): Promise<SignAccountInfo>;
  /** Requests the account sent or must sign (never CC-only ones); `accountId: 'all'` for team admins (S4). */
  listSignatureRequests(page: number, options?: { accountId?: string; pageSize?: number; query?: string }): Promise<SignatureRequestPage>;
  getSignatureRequest(id: string): Promise<SignatureRequestInfo>;
  /** The current PDF as a stream; 409 while being prepared → SyncError 'temporary' with retryAfterMs. */
  downloadFiles(id: string, fileType?: 'pdf'): Promise<DownloadedFile>;
  sendSignatureRequest(input: SendSignatureRequestInput): Promise<SignatureRequestInfo>;
  cancelSignatureRequest(id: string): Promise<void>;
  remindSigner(id: string, email: string): Promise<SignatureRequestInfo>;
  getTeam(): Promise<SignTeamInfo>;
  listMembers(teamId: string, page?: number): Promise<{ members: SignTeamMember[]; numPages: number }>;
}

type Apis = { account: AccountApi; signatures: SignatureRequestApi; team: TeamApi };

export function createDropboxSignClient(opts: { auth: DropboxSignAuth; counter?: ApiCallCounter; apiUrl?: string }): DropboxSignClient {
  const basePath = opts.apiUrl ?? env().dropboxSign.apiUrl;

  function apis(credential: { accessToken: string } | { apiKey: string }): Apis {
    const made = { account: new AccountApi(basePath), signatures: new SignatureRequestApi(basePath), team: new TeamApi(basePath) };
    for (const api of Object.values(made)) {
      if ('apiKey' in credential) api.username = credential.apiKey;
      else api.accessToken = credential.accessToken;
      api.addInterceptor(() => {
        if (opts.counter) opts.counter.count++;
      });
    }
    return made;
  }

  async function call<T>(fn: (api: Apis) => Promise<T>): Promise<T> {
    try {
      const auth = opts.auth;
      if ('apiKey' in auth) return await fn(apis({ apiKey: auth.apiKey }));
      return await auth.withToken((accessToken) => fn(apis({ accessToken })));
    } catch (error) {
      throw mapDropboxSignError(error);
    }
  }

  const toAccount = (a: { accountId?: string; emailAddress?: string; callbackUrl?: string | null; teamId?: string | null; roleCode?: string | null } | undefined): SignAccountInfo => ({
    accountId: a?.accountId ?? '',
    email: a?.emailAddress ?? '',
    callbackUrl: a?.callbackUrl ?? null,
    teamId: a?.teamId ?? null,
    roleCode: a?.roleCode ?? null,
    isTeamAdmin: a?.roleCode === 'a',
  });

  return {
    getAccount: () => call(async (api) => toAccount((await api.account.accountGet()).body.account)),

    setCallbackUrl: (url) =>
      call(async (api) => toAccount((await api.account.accountUpdate(Object.assign(new AccountUpdateRequest(), { callbackUrl: url ?? '' }))).body.account)),

    listSignatureRequests: (page, options = {}) => {
      const pageSize = options.pageSize ?? LIST_PAGE_SIZE_MAX;
      if (pageSize < 1 || pageSize > LIST_PAGE_SIZE_MAX) throw new RangeError(`pageSize must be 1–${LIST_PAGE_SIZE_MAX}`);
      return call(async (api) => {
        const { body } = await api.signatures.signatureRequestList(options.accountId, page, pageSize, options.query);
        const info = body.listInfo;
        return {
          requests: (body.signatureRequests ?? []).map(signatureRequestFromSdk),
          page: info?.page ?? page,
          numPages: info?.numPages ?? 1,
          numResults: info?.numResults ?? 0,
          pageSize: info?.pageSize ?? pageSize,
        };
      });
    },

    getSignatureRequest: (id) => call(async (api) => signatureRequestFromSdk((await api.signatures.signatureRequestGet(id)).body.signatureRequest!)),

    downloadFiles: async (id, fileType = 'pdf') => {
      if (fileType !== 'pdf') throw new RangeError('Only pdf downloads are streamed (files_as_file_url serves PDFs).');
      const link = await call(async (api) => (await api.signatures.signatureRequestFilesAsFileUrl(id, 1)).body);
      try {
        const response = await fetch(link.fileUrl!, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
        if (!response.ok || !response.body) {
          await response.body?.cancel().catch(() => undefined);
          // An expired or refused link is fixed by asking for a new one: retry, never "skip".
          throw new FileUrlError(response.status >= 500 ? response.status : 503, `Dropbox Sign file link answered HTTP ${response.status}.`, Object.fromEntries(response.headers));
        }
        const length = Number(response.headers.get('content-length'));
        const disposition = response.headers.get('content-disposition') ?? '';
        return {
          stream: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
          contentType: response.headers.get('content-type') ?? 'application/pdf',
          contentLength: Number.isFinite(length) && length >= 0 && response.headers.has('content-length') ? length : null,
          fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null,
        };
      } catch (error) {
        throw mapDropboxSignError(error);
      }
    },

    sendSignatureRequest: (input) => {
      if (Boolean(input.file) === Boolean(input.fileUrl)) throw new RangeError('Give exactly one of file or fileUrl.');
      return call(async (api) => {
        const request = Object.assign(new SignatureRequestSendRequest(), {
          title: input.title,
          subject: input.subject,
          message: input.message,
          signers: input.signers.map((s) => Object.assign(new SubSignatureRequestSigner(), { name: s.name, emailAddress: s.email, order: s.order })),
          ccEmailAddresses: input.ccEmailAddresses?.length ? input.ccEmailAddresses : undefined,
          metadata: input.metadata,
          testMode: input.testMode,
          clientId: input.clientId,
          ...(input.file ? { files: [asRequestFile(input.file)] } : { fileUrls: [input.fileUrl!] }),
        });
        return signatureRequestFromSdk((await api.signatures.signatureRequestSend(request)).body.signatureRequest!);
      });
    },

    cancelSignatureRequest: (id) => call(async (api) => void (await api.signatures.signatureRequestCancel(id))),

    remindSigner: (id, email) =>
      call(async (api) => signatureRequestFromSdk((await api.signatures.signatureRequestRemind(id, Object.assign(new SignatureRequestRemindRequest(), { emailAddress: email }))).body.signatureRequest!)),

    getTeam: () =>
      call(async (api) => {
        const team = (await api.team.teamGet()).body.team;
        return { name: team?.name ?? '', members: (team?.accounts ?? []).map((a) => ({ accountId: a.accountId ?? '', email: a.emailAddress ?? '', roleCode: a.roleCode ?? null })) };
      }),

    listMembers: (teamId, page = 1) =>
      call(async (api) => {
        const { body } = await api.team.teamMembers(teamId, page, LIST_PAGE_SIZE_MAX);
        return {
          members: (body.teamMembers ?? []).map((m) => ({ accountId: m.accountId ?? '', email: m.emailAddress ?? '', role: m.role ?? '', isAdmin: m.role === 'Admin' })),
          numPages: body.listInfo?.numPages ?? 1,
        };
      }),
  };
}

/**
 * The SDK hands `files[i]` to form-data unchanged unless it is a Buffer with options; form-data
 * takes a stream's file name from its `path` (what fs.ReadStream has), so a generic stream gets one
 * and is piped into the multipart body without buffering.
 */
function asRequestFile(file: NonNullable<SendSignatureRequestInput['file']>): RequestFile {
  const stream = file.stream as Readable & { path?: string };
  stream.path = file.name;
  return stream as unknown as RequestFile;
}
