/** The files pillar's run request (validated by the runtime before a run starts). */
import { z } from 'zod';
import { ZRunRequest, type Trigger } from '@/lib/sync/runtime/events';

export const FILES_KIND = 'files';

export const ZFilesRunRequest = ZRunRequest.extend({
  kind: z.literal(FILES_KIND),
  /** Only these record folders (record_folders ids), e.g. after a CRM record webhook; all when absent. */
  recordFolderIds: z.array(z.uuid()).max(500).optional(),
});
export type FilesRunRequest = z.infer<typeof ZFilesRunRequest>;

export function filesRunRequest(
  connection: { id: string; installationId: string; crmUserId: string },
  trigger: Trigger,
  recordFolderIds?: string[],
): FilesRunRequest {
  return {
    kind: FILES_KIND,
    connectionId: connection.id,
    installationId: connection.installationId,
    crmUserId: connection.crmUserId,
    trigger,
    throttleKey: 'dropbox',
    ...(recordFolderIds ? { recordFolderIds } : {}),
  };
}
