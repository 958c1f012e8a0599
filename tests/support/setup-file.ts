import { DefaultLogger, Runtime } from '@temporalio/worker';

// The SDK's core runtime is one per process; keep its own logging to errors in tests.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this process
}
