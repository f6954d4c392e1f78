'use client';
/** B3: the mass-delete brake tripped — nothing is deleted until the user answers. */
import { useBridge } from '../crm-bridge';
import { useI18n } from '../i18n';
import type { PluralForms } from '@/lib/i18n';

export type DeleteBrakeLabels = {
  deletePrompt: PluralForms;
  deleteTitle: string;
  deleteBody: PluralForms;
  deleteConfirm: string;
  deleteThem: string;
  keepEverything: string;
  keepExplain: string;
  kept: PluralForms;
  pendingTitle: string;
  andMore: string;
};

export type PendingDeleteItem = { id: string; label: string; url: string | null };

export function DeleteBrakePrompt({
  count,
  items,
  labels: d,
  onAnswer,
}: {
  count: number;
  items: PendingDeleteItem[];
  labels: DeleteBrakeLabels;
  /** Resolves to the number of contacts unlinked when the user kept everything. */
  onAnswer: (approve: boolean) => Promise<{ unlinked: number }>;
}) {
  const bridge = useBridge();
  const { format, rich, plural, selectForms } = useI18n();
  return (
    <div className="space-y-2 rounded-md p-3" style={{ background: 'var(--warn-bg)' }} data-testid="delete-prompt">
      <p className="text-[13px]" style={{ color: 'var(--warning)' }}>
        {rich(selectForms(count, d.deletePrompt), { count: <strong>{count}</strong> })}
      </p>
      {items.length ? (
        <div className="text-[13px]" data-testid="pending-deletes">
          <p className="font-semibold">{d.pendingTitle}</p>
          <ul className="ml-4 list-disc">
            {items.map((item) => (
              <li key={item.id}>{item.url ? <a href={item.url} target="_blank" rel="noreferrer">{item.label}</a> : item.label}</li>
            ))}
            {count > items.length ? <li className="muted">{format(d.andMore, { count: count - items.length })}</li> : null}
          </ul>
        </div>
      ) : null}
      <p className="muted text-[12px]" data-testid="keep-explain">
        {d.keepExplain}
      </p>
      <div className="flex gap-2">
        <button
          className="btn btn-danger"
          data-testid="approve-deletes"
          onClick={async () => {
            if (!(await bridge.confirm(d.deleteTitle, plural(count, d.deleteBody), d.deleteConfirm))) return;
            await onAnswer(true);
          }}
        >
          {d.deleteThem}
        </button>
        <button
          className="btn"
          data-testid="keep-contacts"
          onClick={async () => {
            const { unlinked } = await onAnswer(false);
            bridge.snackbar(plural(unlinked, d.kept));
          }}
        >
          {d.keepEverything}
        </button>
      </div>
    </div>
  );
}
