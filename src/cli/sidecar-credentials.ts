// The credentials of a sidecar started by `weft proxy` or `weft run`: a join token — given (--token, $WEFT_JOIN_TOKEN) or, on the control plane's own machine and user, minted with the admin credential — and the mesh root to verify the control plane with (--ca-file, $WEFT_CA_FILE, the state directory, else fetched and pinned by the hash in the join token).
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { CA_FILE_ENV, caPem, CredentialError, JOIN_TOKEN_ENV, TOKEN_ENV } from './credentials.ts';
import { discoverRoot } from './root-discovery.ts';
import { CliError, ControlPlaneUnreachableError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';

export interface SidecarCredentialFlags {
  /** The join token (`--token` of proxy/run). */
  readonly token?: string | undefined;
  readonly caFile?: string | undefined;
  readonly stateDir?: string | undefined;
}

/** A minted token only has to last until the first certificate; renewals use the certificate. */
const SELF_MINTED_TTL_MS = 10 * 60 * 1000;

export async function sidecarCredentials(
  ctx: CliContext,
  cmd: Command,
  flags: SidecarCredentialFlags,
  id: { readonly namespace: string; readonly serviceAccount: string },
): Promise<{ controlPlaneCa: string; joinToken: string }> {
  const env = ctx.io.env;
  const given = flags.token ?? (env[JOIN_TOKEN_ENV] || undefined);
  if (given !== undefined) {
    const joinToken = given.trim();
    try {
      return { controlPlaneCa: await caPem(flags, env), joinToken };
    } catch (err) {
      // No root file given or readable: pin the root by the hash in the token (another machine or user).
      const explicit = flags.caFile !== undefined || (env[CA_FILE_ENV] ?? '') !== '';
      if (!(err instanceof CredentialError) || explicit) throw err;
      const pinned = await discoverRoot(ctx.controlPlaneUrl(cmd), joinToken);
      if (pinned === null) throw err;
      return { controlPlaneCa: pinned, joinToken };
    }
  }
  // The admin token of `weft --token X proxy …` (the program's option, not the verb's).
  const adminFlag = cmd.parent?.opts<{ token?: string }>().token;
  try {
    const controlPlaneCa = await caPem(flags, env);
    const minted = await ctx.adminClient(cmd, { token: adminFlag, caFile: flags.caFile, stateDir: flags.stateDir })
      .joinToken({ namespace: id.namespace, serviceAccount: id.serviceAccount, ttlMs: SELF_MINTED_TTL_MS });
    return { controlPlaneCa, joinToken: minted.token };
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) {
      throw new CliError('WEFT_CONTROL_PLANE_UNREACHABLE', `the sidecar needs the control plane, and nothing answers at ${err.url}`, ExitCode.UNREACHABLE, {
        hint: 'start one with `weft control-plane` or set WEFT_CONTROL_PLANE (or --control-plane URL); the app was not started',
        cause: err,
      });
    }
    if (err instanceof CredentialError) {
      throw new CliError('WEFT_CLI_NO_JOIN_TOKEN', `no join token for ${id.namespace}/${id.serviceAccount}, and ${err.message}`, ExitCode.UNAUTHORIZED, {
        hint: `pass one with --token or ${JOIN_TOKEN_ENV} (the control plane's owner makes it with \`weft token create -n ${id.namespace} --service-account ${id.serviceAccount}\`), or run as the control plane's user (or give its admin token in ${TOKEN_ENV})`,
        cause: err,
      });
    }
    throw err;
  }
}
