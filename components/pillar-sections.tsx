'use client';
/**
 * The settings card body of each pillar, by the pillar's registry id (lib/sync/registry.ts). The settings
 * shell renders whatever is registered here; a new pillar adds one line and its own component.
 *
 * Each body is its own chunk, requested as soon as this module runs — in parallel with the context call the
 * shell waits for anyway — so the shell's first-load JS stays within the iframe budget (Performance: ≤ 150 KB
 * gzip) as pillars grow, and the cards show as soon as the context is there.
 */
import { lazy, Suspense } from 'react';
import { useI18n } from './i18n';

type SectionProps = { crm: 'pipedrive' | 'teamleader'; onChanged: () => void };

const contacts = import('./contacts-section');
const files = import('./files-section');
const signatures = import('./signatures-section');

const SECTIONS: Record<string, React.ComponentType<SectionProps>> = {
  contacts: lazy(() => contacts.then((m) => ({ default: m.ContactsSection }))),
  dropbox: lazy(() => files.then((m) => ({ default: m.FilesSection }))),
  'dropbox-sign': lazy(() => signatures.then((m) => ({ default: m.SignaturesSection }))),
};

export function PillarSection({ id, ...props }: SectionProps & { id: string }) {
  const { t } = useI18n();
  const Section = SECTIONS[id];
  if (!Section) return null;
  return (
    <Suspense fallback={<p className="muted mt-3">{t.common.loading}</p>}>
      <Section {...props} />
    </Suspense>
  );
}
