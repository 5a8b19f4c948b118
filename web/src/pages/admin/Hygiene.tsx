// Directory hygiene: end users that are internal or blocklisted, domains and addresses in several accounts.
import { get, type Hygiene } from '../../api.js';
import { ErrorNote, useLoad } from '../../ui.js';
import type { AdminSync } from './sync.js';

export function HygieneView({ rev }: Pick<AdminSync, 'rev'>) {
  const h = useLoad(() => get<Hygiene>('/v1/hygiene?minAccounts=2'), [rev]);
  const d = h.data;
  return (
    <section className="card" aria-labelledby="hy-h">
      <h2 id="hy-h">Directory hygiene</h2>
      <ErrorNote error={h.error} />
      {d ? (
        <>
          <h3>Internal addresses as end users ({d.internalAddresses.length})</h3>
          <ul>
            {d.internalAddresses.map((u) => (
              <li key={u.id}>
                {u.email} in {u.accountId}: {u.why}
              </li>
            ))}
          </ul>
          <h3>Blocklisted end users ({d.blocklisted.length})</h3>
          <ul>
            {d.blocklisted.map((u) => (
              <li key={u.id}>
                {u.email} in {u.accountId}: {u.why}
              </li>
            ))}
          </ul>
          <h3>Domains in several accounts — partners, resellers, free mail ({d.sharedDomains.length})</h3>
          <ul>
            {d.sharedDomains.map((s) => (
              <li key={s.domain}>
                {s.domain}: {s.accounts.join(', ')} ({s.endUsers} end users)
              </li>
            ))}
          </ul>
          <h3>Addresses in several accounts ({d.multiAccountAddresses.length})</h3>
          <ul>
            {d.multiAccountAddresses.map((m) => (
              <li key={m.email}>
                {m.email}: {m.accounts.join(', ')}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
