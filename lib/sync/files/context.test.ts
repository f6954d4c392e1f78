import { describe, expect, it } from 'vitest';
import { PIPEDRIVE_FILE_CAPABILITIES } from '@/lib/crm/pipedrive/files';
import { TEAMLEADER_FILE_CAPABILITIES } from '@/lib/crm/teamleader/files';
import { plannerCapabilities, plannerModule, syncableModules } from './context';
import { recordFolderPath } from './constants';

describe('F2: CRM modules and capabilities in the planner’s terms', () => {
  it('F2: Pipedrive persons, organizations, deals, products; Teamleader contacts, companies, projects, meetings, products', () => {
    expect(syncableModules('pipedrive')).toEqual(['person', 'organization', 'deal', 'product']);
    expect(syncableModules('teamleader')).toEqual(['contact', 'company', 'project', 'meeting', 'product']);
  });

  it('F3: a CRM module names its first folder level', () => {
    expect(recordFolderPath('pipedrive', plannerModule('pipedrive', 'deal'), 'Acme renewal', '42')).toBe('/Deals/Acme renewal (42)');
    expect(recordFolderPath('teamleader', plannerModule('teamleader', 'meeting'), 'Kick-off', 'u-1')).toBe('/Meetings/Kick-off (u-1)');
    expect(() => plannerModule('pipedrive', 'meeting')).toThrow();
  });

  it('F4: Teamleader meetings and products take no uploads; its files without a folder sit in General', () => {
    const tl = plannerCapabilities('teamleader', TEAMLEADER_FILE_CAPABILITIES);
    expect(['contacts', 'companies', 'projects', 'meetings', 'products'].filter((m) => tl.canUploadTo(m))).toEqual(['contacts', 'companies', 'projects']);
    expect(tl).toMatchObject({ hasFolders: 'one-level', defaultFolder: 'General', canRename: false, maxFileSize: 50 * 1024 * 1024 });
    const pd = plannerCapabilities('pipedrive', PIPEDRIVE_FILE_CAPABILITIES);
    expect(pd).toMatchObject({ hasFolders: 'none', defaultFolder: null, canRename: true });
    expect(pd.canUploadTo('persons')).toBe(true);
  });
});
