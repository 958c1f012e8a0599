import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

/** Claims a namespace of the shared test server that no other test file has used. */
export function claimNamespace(): string {
  const dir = inject('namespaceDir');
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.free')) continue;
    const ns = file.slice(0, -'.free'.length);
    try {
      // rename is atomic: exactly one claimant wins each namespace.
      fs.renameSync(path.join(dir, file), path.join(dir, `${ns}.taken-${process.pid}`));
      return ns;
    } catch {
      continue;
    }
  }
  throw new Error('The test server ran out of namespaces: raise NAMESPACE_COUNT in tests/support/global-setup.ts.');
}

export const temporalAddress = () => inject('temporalAddress');
