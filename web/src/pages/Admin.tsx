// The Admin page: one section per file under ./admin; `rev` makes the lists that depend on a
// change (end users, hygiene, the audit log) reload after it.
import { useState } from 'react';
import type { Workspace } from '../api.js';
import { AuditLog } from './admin/AuditLog.js';
import { Blocklist } from './admin/Blocklist.js';
import { CsvImport } from './admin/CsvImport.js';
import { EndUsers } from './admin/EndUsers.js';
import { HygieneView } from './admin/Hygiene.js';
import { InternalDomains } from './admin/InternalDomains.js';
import { SyncInterval } from './admin/SyncInterval.js';

export function AdminPage(p: { workspace: Workspace; onWorkspace: (w: Workspace) => void }) {
  const [rev, setRev] = useState(0);
  const changed = () => setRev((n) => n + 1);
  return (
    <>
      <h1>Admin</h1>
      <EndUsers rev={rev} changed={changed} />
      <CsvImport changed={changed} />
      <div className="grid">
        <Blocklist changed={changed} />
        <InternalDomains {...p} changed={changed} />
        <SyncInterval {...p} />
      </div>
      <HygieneView rev={rev} />
      <AuditLog rev={rev} changed={changed} />
    </>
  );
}
