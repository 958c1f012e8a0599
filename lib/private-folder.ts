// BabyBot's folders belong to the account that runs it. DATA_DIR holds the store (every
// chat), WhatsApp's keys, Temporal's database and the token of the local API; GROUPS_DIR
// holds every group's files, main's and the global memory among them, which the model of
// main reads as its own. Another account of the machine must reach neither: both are
// made 0700 at every start, whatever an older install or a `git clone` left (0755).
import fs from 'node:fs';

export function closeToOthers(dir: string, variable: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // stat, not lstat: a DATA_DIR that is a link to a roomier disk is the owner's choice.
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`${variable} (${dir}) is not a folder. Point ${variable} at a folder.`);
  if ((stat.mode & 0o077) === 0) return;
  const me = process.getuid?.();
  if (me === undefined) return; // no uids (Windows): nothing to close
  if (stat.uid !== me && me !== 0) {
    throw new Error(
      `${variable} (${dir}) is open to other accounts (mode ${(stat.mode & 0o777).toString(8)}) and belongs to uid ${stat.uid}, ` +
        `not to this account (${me}), so BabyBot cannot close it. Run \`chmod 700 ${dir}\` as its owner, or point ${variable} elsewhere.`,
    );
  }
  fs.chmodSync(dir, 0o700);
}

/** DATA_DIR and GROUPS_DIR, closed before anything is written into them. */
export function closeDataFolders(config: { dataDir: string; groupsDir: string }): void {
  closeToOthers(config.dataDir, 'DATA_DIR');
  closeToOthers(config.groupsDir, 'GROUPS_DIR');
}
