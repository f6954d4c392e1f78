'use client';
/**
 * The settings card body of each pillar, by the pillar's registry id (lib/sync/registry.ts). The settings
 * shell renders whatever is registered here; a new pillar adds one line and its own component.
 */
import { ContactsSection } from './contacts-section';
import { FilesSection } from './files-section';
import { SignaturesSection } from './signatures-section';

type SectionProps = { crm: 'pipedrive' | 'teamleader'; onChanged: () => void };

const SECTIONS: Record<string, (props: SectionProps) => React.ReactNode> = {
  contacts: (p) => <ContactsSection {...p} />,
  dropbox: (p) => <FilesSection {...p} />,
  'dropbox-sign': (p) => <SignaturesSection {...p} />,
};

export function PillarSection({ id, ...props }: SectionProps & { id: string }) {
  const render = SECTIONS[id];
  return render ? <>{render(props)}</> : null;
}
