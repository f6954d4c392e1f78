'use client';
/** B3: the mass-delete brake tripped — nothing is deleted until the user answers. */
import { useBridge } from '../crm-bridge';
import { useI18n } from '../i18n';

export type DeleteBrakeLabels = { deletePrompt: string; deleteTitle: string; deleteBody: string; deleteConfirm: string; deleteThem: string; keepEverything: string };

export function DeleteBrakePrompt({ count, labels: d, onAnswer }: { count: number; labels: DeleteBrakeLabels; onAnswer: (approve: boolean) => Promise<void> }) {
  const bridge = useBridge();
  const { format, rich } = useI18n();
  return (
    <div className="space-y-2 rounded-md p-3" style={{ background: 'var(--warn-bg)' }} data-testid="delete-prompt">
      <p className="text-[13px]" style={{ color: 'var(--warning)' }}>
        {rich(d.deletePrompt, { count: <strong>{count}</strong> })}
      </p>
      <div className="flex gap-2">
        <button
          className="btn btn-danger"
          data-testid="approve-deletes"
          onClick={async () => {
            if (!(await bridge.confirm(d.deleteTitle, format(d.deleteBody, { count }), d.deleteConfirm))) return;
            await onAnswer(true);
          }}
        >
          {d.deleteThem}
        </button>
        <button className="btn" data-testid="keep-contacts" onClick={() => void onAnswer(false)}>
          {d.keepEverything}
        </button>
      </div>
    </div>
  );
}
