// Finds the Temporal CLI, or builds the pinned one with Go into the cache (first run only).
import { cliVersion, ensureTemporalCli } from '../temporal/cli-binary.js';

const cli = await ensureTemporalCli(process.env.TEMPORAL_CLI, (line) => console.log(line));
console.log(`${cli}: ${cliVersion(cli) ?? 'version unknown'}`);
