// A port BabyBot picked for the embedded server (HTTP API, metrics, the UI's private address)
// can be taken by another program before the server binds it: that start is tried again on
// new ports, while any other failure (the owner's own gRPC port among them) is final.
import { describe, expect, it } from 'vitest';
import { lostPickedPort } from '../../temporal/dev-server.js';

const listeners = { httpApi: '127.0.0.1:42073', metrics: '127.0.0.1:42074', privateUi: '127.31.4.5:42075' };
const failure = (port: number) =>
  new Error(`The Temporal server stopped during start-up (exit 1).\n… failed listening for HTTP API on 127.0.0.1:${port}: listen tcp 127.0.0.1:${port}: bind: address already in use"`);

describe('a start that lost a port it picked', () => {
  it('names the picked port that was taken', () => {
    expect(lostPickedPort(failure(42073), listeners)).toBe(42073);
    expect(lostPickedPort(failure(42075), listeners)).toBe(42075);
  });

  it('is not a lost race when the port is not one it picked, or the failure is another', () => {
    expect(lostPickedPort(failure(7233), listeners)).toBeUndefined();
    expect(lostPickedPort(new Error('The Temporal server stopped during start-up (exit 1).\nno space left on device'), listeners)).toBeUndefined();
    expect(lostPickedPort(failure(42073), undefined)).toBeUndefined();
  });
});
