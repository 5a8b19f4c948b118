// folders set: which mail folders a connection syncs (the use case src/app/set-connection-folders.ts).
import type { Command } from 'commander';
import { setConnectionFolders } from '../app/set-connection-folders.js';
import { describeFolders } from '../providers/folder-selection.js';
import { asFlags, withContext, type GlobalOptions } from './context.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerFolderCommands(program: Command, g: () => GlobalOptions): void {
  const folders = program.command('folders').description('which mail folders an IMAP or Microsoft 365 connection syncs');
  folders
    .command('set <connection>')
    .description(
      'every folder but Junk, Trash and Drafts is synced; --include adds one back, --exclude leaves one out (exclude wins). ' +
        'Replaces both lists; applies from the next sync, and mail already stored stays',
    )
    .option('--include <folder>', 'a folder path, name or marker (\\Junk, junkemail) to sync even so (repeat for more)', collect, [])
    .option('--exclude <folder>', 'a folder path, name or marker never to sync (repeat for more)', collect, [])
    .option('--json', 'print one JSON document')
    .action(async (connectionId: string, o: { include: string[]; exclude: string[]; json?: boolean }) => {
      await withContext(g(), async (ctx) => {
        const r = await asFlags(setConnectionFolders(ctx, { connectionId, include: o.include, exclude: o.exclude }), {
          connectionId: '<connection>',
        });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else console.log(`Connection ${r.id} syncs ${describeFolders(r.folders)}, from the next sync on`);
      });
    });
}
