// Which Microsoft 365 mail folders to sync: every folder of the mailbox, child folders
// included (List mailFolders, then childFolders recursively:
// https://learn.microsoft.com/graph/api/user-list-mailfolders,
// https://learn.microsoft.com/graph/api/mailfolder-list-childfolders), judged by the shared
// rule in ../folder-selection.ts. v1.0 folders carry no wellKnownName: the ids of the
// well-known folders the rule skips are asked for once by name (GET /me/mailFolders/junkemail,
// https://learn.microsoft.com/graph/api/resources/mailfolder) and kept in the cursor.
import type { Client } from '@microsoft/microsoft-graph-client';
import { isFolderSynced, type FolderRef, type FolderSettings } from '../folder-selection.js';
import { graphCall, GraphHttpError, translate, type CallContext } from './call.js';
import { linkPath } from './graph-client.js';

/** Well-known names worth knowing: the ones the rule skips, and the usual mail folders. */
export const WELL_KNOWN = [
  'inbox',
  'sentitems',
  'archive',
  'junkemail',
  'deleteditems',
  'drafts',
  'outbox',
  'conversationhistory',
  'syncissues',
  'recoverableitemsdeletions',
] as const;

export interface GraphFolder extends FolderRef {
  id: string;
  totalItemCount: number;
}

interface FolderJson {
  id: string;
  displayName?: string;
  childFolderCount?: number;
  totalItemCount?: number;
}
interface FolderPage {
  value?: FolderJson[];
  '@odata.nextLink'?: string;
}

export interface FolderListing {
  synced: GraphFolder[];
  skipped: { path: string; reason: string }[];
}

type Ctx = CallContext & { client: Client; baseUrl: string };

/** name → id of the well-known folders this mailbox has (absent ones are left out). */
export async function wellKnownIds(o: Ctx): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of WELL_KNOWN) {
    try {
      const f = await graphCall(
        o,
        `mail folder ${name}`,
        () => o.client.api(`me/mailFolders/${name}`).select('id').get() as Promise<FolderJson>,
      );
      if (f?.id) out[name] = f.id;
    } catch (err) {
      if (err instanceof GraphHttpError && err.status === 404) continue; // this mailbox has none
      throw translate(err);
    }
  }
  return out;
}

async function listLevel(o: Ctx, parentId: string | null): Promise<FolderJson[]> {
  const out: FolderJson[] = [];
  let link: string | null = null;
  for (;;) {
    const current: string | null = link;
    const page: FolderPage = await graphCall(o, 'mail folders', () =>
      (current
        ? o.client.api(linkPath(current, o.baseUrl))
        : o.client
            .api(parentId ? `me/mailFolders/${parentId}/childFolders` : 'me/mailFolders')
            .select('id,displayName,childFolderCount,totalItemCount')
            .top(100)
      ).get(),
    ).catch((err) => {
      // A folder deleted while we walk the tree: nothing below it to list.
      if (parentId && err instanceof GraphHttpError && err.status === 404) return {} as FolderPage;
      throw translate(err);
    });
    out.push(...(page.value ?? []));
    if (!page['@odata.nextLink']) return out;
    link = page['@odata.nextLink'];
  }
}

/** Every folder, with the verdict of the shared rule; paths join display names with "/". */
export async function listMailFolders(o: Ctx, settings: FolderSettings, wellKnown: Record<string, string>): Promise<FolderListing> {
  const nameOf = new Map(Object.entries(wellKnown).map(([name, id]) => [id, name]));
  const listing: FolderListing = { synced: [], skipped: [] };
  const walk = async (parentId: string | null, ancestors: GraphFolder[]): Promise<void> => {
    for (const f of await listLevel(o, parentId)) {
      const name = f.displayName ?? f.id;
      const folder: GraphFolder = {
        id: f.id,
        path: [...ancestors.map((a) => a.name), name].join('/'),
        name,
        wellKnownName: nameOf.get(f.id),
        totalItemCount: f.totalItemCount ?? 0,
      };
      const v = isFolderSynced(settings, folder, ancestors);
      if (v.synced) listing.synced.push(folder);
      else listing.skipped.push({ path: folder.path, reason: v.reason });
      if ((f.childFolderCount ?? 0) > 0) await walk(f.id, [...ancestors, folder]);
    }
  };
  await walk(null, []);
  return listing;
}
