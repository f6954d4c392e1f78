/** Panel on person / organization / deal detail views inside Pipedrive. */
import { CrmBridge } from '@/components/crm-bridge';
import { RecordPanel } from '@/components/record-panel';

export const dynamic = 'force-dynamic';

export default async function PipedrivePanelPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  const resource = q.resource === 'organization' || q.resource === 'deal' ? q.resource : 'person';
  const id = (q.selectedIds ?? '').split(',')[0] ?? '';
  return (
    <CrmBridge mode="pipedrive">
      <RecordPanel resource={resource} id={id} />
    </CrmBridge>
  );
}
