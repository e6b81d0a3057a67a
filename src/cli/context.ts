// CliContext: what every command registration gets from the program (streams, argv, exit-code plumbing, the control plane client), and the shared --control-plane option.
import { Option, type Command } from 'commander';
import { CONTROL_PLANE_ENV, DEFAULT_CONTROL_PLANE_URL, type ControlPlaneClient } from './client.ts';
import type { CredentialFlags } from './credentials.ts';
import type { Io } from './io.ts';

export interface CliContext {
  readonly io: Io;
  /** The arguments as given (after `node weft`), for commands that must see `--`. */
  readonly argv: readonly string[];
  /** Wraps an action so that the number it resolves to becomes the exit code. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
  /** The control plane URL in force for `cmd` (`--control-plane`, $WEFT_CONTROL_PLANE, default). */
  controlPlaneUrl(cmd: Command): string;
  /** A client with the admin credential (credentials.ts: `--token`, $WEFT_TOKEN, the state directory), loaded when the first request needs it. */
  client(cmd: Command): ControlPlaneClient;
  /** The same, with the credential flags given explicitly (`weft proxy`/`run`, whose own `--token` is a join token). */
  adminClient(cmd: Command, flags: CredentialFlags): ControlPlaneClient;
}

/** `--control-plane URL`, on `weft` and on every verb that talks to the control plane. */
export function controlPlaneOption(): Option {
  return new Option('--control-plane <url>', `control plane URL (default: $${CONTROL_PLANE_ENV} or ${DEFAULT_CONTROL_PLANE_URL})`);
}
