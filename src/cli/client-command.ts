/**
 * What every client command shares: `--server`, `--token` and `-o` with their
 * environment defaults, the exit-code help, and one wrapper that turns errors
 * into the promised exit codes (2 for usage, 3 for a failed request) with the
 * message on stderr.
 */
import type { Command, CommanderError } from 'commander';
import { createApiClient, exitCodes, exitCodesHelp, RequestError, UsageError, type ApiClient } from './api-client.ts';
import { parseOutputFormat, type OutputFormat } from './output.ts';

export interface ClientFlags extends Record<string, unknown> {
  server: string;
  token?: string;
  output: string;
}

export interface ClientContext {
  client: ApiClient;
  format: OutputFormat;
  /** The command's own options besides the shared ones. */
  flags: Readonly<Record<string, unknown>>;
  out: (text: string) => void;
}

export const defaultServer = 'http://127.0.0.1:8080';

/** A client subcommand of `program` with the shared options and exit codes. */
export function clientCommand(program: Command, nameAndArgs: string, description: string): Command {
  return program
    .command(nameAndArgs)
    .description(description)
    .option('--server <url>', 'the Berth controller\'s HTTP API (BERTH_SERVER)', process.env.BERTH_SERVER ?? defaultServer)
    // No default from the environment here: commander would print it in --help.
    .option('--token <token>', 'bearer token for the API (BERTH_TOKEN; prefer the variable, flags show in the process list)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .addHelpText('after', exitCodesHelp)
    .exitOverride((error: CommanderError) => {
      // Help and version are successes; every other parse failure is a usage error.
      process.exit(error.exitCode === 0 ? exitCodes.success : exitCodes.usage);
    });
}

/** Runs a command body; its return value is the exit code. */
export function run<A extends unknown[]>(body: (context: ClientContext, ...args: A) => Promise<number>): (...args: [...A, ClientFlags, Command]) => Promise<void> {
  return async (...all) => {
    const flags = all.at(-2) as ClientFlags;
    const args = all.slice(0, -2) as A;
    let code: number;
    try {
      const format = parseOutputFormat(flags.output);
      const context: ClientContext = {
        client: createApiClient({ server: flags.server, token: flags.token ?? process.env.BERTH_TOKEN }),
        format,
        flags,
        out: (text) => { process.stdout.write(text); },
      };
      code = await body(context, ...args);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`berth: ${error.message}\n`);
        code = exitCodes.usage;
      } else if (error instanceof RequestError) {
        process.stderr.write(`berth: ${error.message}\n`);
        code = exitCodes.requestFailed;
      } else {
        throw error;
      }
    }
    process.exitCode = code;
  };
}
