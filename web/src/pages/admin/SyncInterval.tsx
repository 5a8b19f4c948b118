// The workspace's scheduled sync interval.
import { useState } from 'react';
import { api, type Workspace } from '../../api.js';
import { Field, useAction } from '../../ui.js';

export function SyncInterval({ workspace, onWorkspace }: { workspace: Workspace; onWorkspace: (w: Workspace) => void }) {
  const act = useAction();
  const [minutes, setMinutes] = useState(workspace.syncIntervalMinutes);
  return (
    <section className="card" aria-labelledby="set-h">
      <h2 id="set-h">Sync interval</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            onWorkspace(await api<Workspace>('PATCH', '/v1/workspace', { syncIntervalMinutes: minutes }));
            return `Saved: every ${minutes} minutes.`;
          });
        }}
      >
        <Field label="Sync interval (minutes, 1–30)" hint="Scheduled syncs run this often; Sync now runs at once">
          <input type="number" min={1} max={30} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />
        </Field>
        <button type="submit" disabled={act.busy}>
          Save
        </button>
      </form>
      {act.status}
    </section>
  );
}
