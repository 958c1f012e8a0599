// What the sandbox activity needs from a container runtime, whichever it is.
import type { SandboxRequest, SandboxResponse } from '../ipc/schema.js';

export type RuntimeName = 'auto' | 'docker' | 'apple-container' | 'none';

/** The group a sandbox is for: the host decides this from the registered group, never the model. */
export interface SandboxGroup {
  folder: string;
  isMain: boolean;
  /** The group's `sandbox` settings from the store (limits), validated by the runtime. */
  overrides?: Record<string, unknown>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * The request's id (its file name): the same for every attempt of one step, so the runner
   * answers a repeat from its memory instead of running the command again. Random when unset.
   */
  requestId?: string;
}

/** A group's sandbox, ready: call() sends one request and waits for its answer. */
export interface Sandbox {
  /**
   * Which instance serves the steps (the container's id): a retried step sent to another
   * instance knows the one that ran its command is gone. Unset when the runtime cannot tell.
   */
  readonly instance?: string;
  call(request: SandboxRequest, options?: CallOptions): Promise<SandboxResponse>;
}

export interface SandboxRuntime {
  readonly name: RuntimeName;
  /** One line for health and doctor; throws SandboxUnavailableError when the runtime cannot be used. */
  describe(): Promise<string>;
  /** The group's sandbox, started (or found, or replaced) as needed. */
  sandboxFor(group: SandboxGroup): Promise<Sandbox>;
  /** Removes containers idle longer than the idle timeout; returns their names. */
  reapIdle(): Promise<string[]>;
  /** Lets go of the engine (watches); containers keep running, to be found by the next start. */
  close?(): void;
}

/** No runtime to run steps in, or its image is missing: retrying will not help until a person acts. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

/** The group's container stopped while a step ran: the step may be retried in a new one. */
export class ContainerDiedError extends Error {
  override name = 'ContainerDiedError';
}

/** The group's `sandbox` settings are not valid. */
export class SandboxSettingsError extends Error {
  override name = 'SandboxSettingsError';
}

/** A step left the group's writable folders over GROUP_DISK_LIMIT: the model must delete something first. */
export class GroupDiskLimitError extends Error {
  override name = 'GroupDiskLimitError';
}
