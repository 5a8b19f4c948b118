// Undo one change from the audit log (POST /v1/audit/{id}/undo): placed after an action's
// result and in the audit table, for the entries the API marks undoable.
import { useState } from 'react';
import { api, type ChangeResult } from './api.js';
import { changeWords } from './change-words.js';
import { useAction } from './ui.js';

export function UndoButton({ auditId, what, onUndone }: { auditId: number; what: string; onUndone?: () => void }) {
  const act = useAction();
  const [done, setDone] = useState(false);
  return (
    <div className="undo">
      {done ? null : (
        <button
          type="button"
          className="secondary"
          aria-label={`Undo ${what}`}
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const r = await api<ChangeResult>('POST', `/v1/audit/${auditId}/undo`);
              setDone(true);
              onUndone?.();
              return `Undone: ${changeWords(r)}.`;
            })
          }
        >
          Undo
        </button>
      )}
      {act.status}
    </div>
  );
}
