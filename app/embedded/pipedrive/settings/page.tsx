/** App settings page inside Pipedrive (custom UI for app settings). The token was verified by proxy.ts. */
import { CrmBridge } from '@/components/crm-bridge';
import { SettingsApp } from '@/components/settings-app';

export const dynamic = 'force-dynamic';

export default function PipedriveSettingsPage() {
  return (
    <CrmBridge mode="pipedrive">
      <SettingsApp />
    </CrmBridge>
  );
}
